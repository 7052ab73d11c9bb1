"""The shared reply fragment is cached per thread version and never carries personal state."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.services import votes
from tests.builders import build_member, build_reply

pytestmark = pytest.mark.django_db


def viewer_state(response):
    found = re.search(r'<script id="viewer-state" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(found.group(1)) if found else None


def get(client, thread):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    return response, len(queries)


def test_second_view_is_served_from_the_shared_fragment(client, member, question, answer):
    client.force_login(member)

    _, first = get(client, question)
    _, second = get(client, question)

    assert second < first


def test_each_member_sees_only_their_own_votes(client, member, other_member, question, answer):
    reader = build_member(username="reader")
    votes.mark_helpful(reader, post=answer)

    client.force_login(reader)
    mine, _ = get(client, question)
    client.force_login(member)
    theirs, _ = get(client, question)

    assert viewer_state(mine)["helpful"] == [answer.pk]
    assert viewer_state(theirs)["helpful"] == []
    assert viewer_state(theirs)["user"] == member.pk
    assert 'id="tool-accept"' in theirs.content.decode()
    assert 'id="tool-accept"' not in mine.content.decode()
    # The shared markup itself says nothing about who is looking.
    for response in (mine, theirs):
        html = response.content.decode().split('id="replies"')[1]
        assert 'aria-pressed="true"' not in re.sub(r"<template .*?</template>", "", html, flags=re.DOTALL)


def test_csrf_tokens_are_never_baked_into_the_cached_fragment(client, member, other_member, question, answer):
    client.force_login(member)
    get(client, question)
    client.force_login(other_member)

    response, _ = get(client, question)

    replies_html = response.content.decode().split('id="replies"')[1].split('id="viewer-state"')[0]
    # The per-request tool templates carry real tokens; the shared replies carry none.
    templates = "".join(re.findall(r"<template .*?</template>", replies_html, flags=re.DOTALL))
    shared = re.sub(r"<template .*?</template>", "", replies_html, flags=re.DOTALL)
    assert f'class="helpful-form" data-post="{answer.pk}"' in shared
    assert "csrfmiddlewaretoken" not in shared
    template_tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', templates)
    assert template_tokens and all(template_tokens)
    assert viewer_state(response)["csrf"]


def test_a_write_is_visible_at_once_to_someone_with_a_cached_page(client, member, other_member, question, answer):
    client.force_login(member)
    get(client, question)

    build_reply(other_member, answer, body="A brand new nested reply")
    response, _ = get(client, question)

    assert "A brand new nested reply" in response.content.decode()


def test_visitors_get_a_fragment_without_forms(client, question, answer):
    response, _ = get(client, question)

    replies_html = response.content.decode().split('id="replies"')[1]
    assert "csrfmiddlewaretoken" not in replies_html
    assert viewer_state(response) is None


@pytest.mark.parametrize("kind", ["question", "idea", "problem", "discussion"])
def test_every_kind_of_thread_is_cached_whole_for_visitors(client, member, category, kind):
    """A page that sets a cookie (a CSRF token in a form) is never cached, so no visitor's page may carry one."""
    from tests.builders import build_thread

    thread = build_thread(member, category=category, kind=kind, title=f"A {kind} for visitors to read")
    build_reply(build_member(), thread.opening_post, body="A reply")

    first, _ = get(client, thread)
    second, queries = get(client, thread)

    assert not first.cookies
    assert queries == 0  # the version is the cache's copy, read with the page
    assert second.content == first.content
