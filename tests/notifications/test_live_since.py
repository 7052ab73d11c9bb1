"""The thread's "since" address: what an open page fetches when told of new replies, or after a reconnect."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.builders import build_member, build_moderator, build_reply, build_thread


def since(client, thread, moment):
    return client.get(reverse("community:replies_since", args=[thread.pk]), {"since": moment.isoformat()})


@pytest.fixture
def opened_at(question):
    """When the page was rendered: the time it carries is the thread's last activity."""
    question.refresh_from_db()
    return question.last_activity_at


def test_returns_replies_newer_than_the_cursor_with_the_members_tools(client, member, other_member, question):
    older = build_reply(other_member, question.opening_post, body="An older answer.")
    question.refresh_from_db()
    newer = build_reply(other_member, question.opening_post, body="A **newer** answer.")
    client.force_login(member)

    response = since(client, question, question.last_activity_at)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="post-{newer.pk}"' in html
    assert f'id="post-{older.pk}"' not in html
    assert "<strong>newer</strong>" in html
    assert f'id="viewer-state-live-{newer.pk}"' in html


def test_nothing_new_answers_no_content(client, member, question, opened_at):
    client.force_login(member)

    assert since(client, question, opened_at).status_code == 204


def test_someone_elses_held_reply_is_left_out_but_a_moderator_gets_it(client, other_member, question, opened_at):
    newcomer = build_member(username="nina", trust_level=0)
    held = build_reply(newcomer, question.opening_post, body="Held for review.")
    assert held.review == "pending"
    client.force_login(other_member)

    assert since(client, question, opened_at).status_code == 204

    client.force_login(build_moderator(username="mona"))
    assert f'id="post-{held.pk}"' in since(client, question, opened_at).content.decode()


def test_a_thread_the_reader_cant_see_is_not_found(client, other_member, category):
    newcomer = build_member(username="nina", trust_level=0)
    held_thread = build_thread(newcomer, category=category, title="Held until a moderator looks")
    client.force_login(other_member)

    response = since(client, held_thread, timezone.now() - timedelta(days=1))

    assert response.status_code == 404


@pytest.mark.parametrize("value", ["", "yesterday", "2026-13-40T10:00:00+00:00", "2026-12-04T10:00:00"])
def test_a_malformed_cursor_is_a_bad_request(client, member, question, value):
    client.force_login(member)

    response = client.get(reverse("community:replies_since", args=[question.pk]), {"since": value})

    assert response.status_code == 400


def test_reply_text_is_escaped(client, member, other_member, question, opened_at):
    build_reply(
        other_member, question.opening_post, body="<script>alert('x')</script> and <img src=x onerror=alert(1)>"
    )
    client.force_login(member)

    html = since(client, question, opened_at).content.decode()

    assert "<script>alert" not in html
    assert "<img src=x" not in html


def test_new_replies_cost_the_same_few_queries_however_many(
    client, member, other_member, question, opened_at, django_assert_max_num_queries
):
    for n in range(8):
        build_reply(other_member, question.opening_post, body=f"Answer number {n}.")
    client.force_login(member)
    since(client, question, opened_at)  # the session and the thread's cached values, as on an open page

    with django_assert_max_num_queries(4):
        response = since(client, question, opened_at)

    assert response.content.decode().count('<article id="post-') == 8
