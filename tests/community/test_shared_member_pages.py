"""Members' pages are built from one shared rendering plus their own personal regions."""

import json
import logging
import re
from unittest import mock

import pytest
from django.urls import reverse

from community import caching
from community.services import subscriptions, votes
from tests.builders import build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db


def viewer_state(html):
    found = re.search(r'<script id="viewer-state" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_second_member_gets_the_shared_page_with_only_their_own_state(client, question, answer, caplog):
    alice, bob = build_member(username="alice"), build_member(username="bob")
    votes.mark_helpful(alice, post=answer)
    subscriptions.follow_thread(alice, thread=question)
    url = question.get_absolute_url()

    client.force_login(alice)
    with caplog.at_level(logging.ERROR, logger="community.caching"):
        alice_page = client.get(url).content.decode()
    client.force_login(bob)
    bob_page = client.get(url).content.decode()

    assert not caplog.records  # the page had no CSRF token outside its personal regions
    assert "@alice" in alice_page and "@alice" not in bob_page and "@bob" in bob_page
    assert viewer_state(alice_page)["helpful"] == [answer.pk]
    assert viewer_state(bob_page)["helpful"] == []
    assert 'aria-pressed="true" aria-describedby="follow-help"' in alice_page
    assert 'aria-pressed="true" aria-describedby="follow-help"' not in bob_page
    assert viewer_state(alice_page)["csrf"] != viewer_state(bob_page)["csrf"]


def test_shared_page_is_rendered_once_for_all_members(client, question, answer):
    url = question.get_absolute_url()
    client.force_login(build_member())
    first = client.get(url)
    client.force_login(build_member())
    second = client.get(url)

    assert "community/thread.html" in [t.name for t in first.templates]
    assert "community/thread.html" not in [t.name for t in second.templates]
    # The second member's own regions are rendered for them: the tools their script clones.
    assert b'<template id="tool-helpful">' in second.content


def test_members_own_form_posts_work_from_a_shared_page(client, question, answer):
    url = question.get_absolute_url()
    client.force_login(build_member())
    client.get(url)
    bob = build_member(username="bob")
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(bob)
    page = csrf_client.get(url).content.decode()
    token = viewer_state(page)["csrf"]

    response = csrf_client.post(
        f"/posts/{answer.pk}/reply/", {"body": "Worked for me too", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert answer.children.filter(author=bob).exists()


def test_held_reply_shows_only_in_its_authors_personal_region(client, question):
    newcomer = build_member(trust_level=0)
    build_reply(newcomer, question.opening_post, body="Waiting for approval here")
    url = question.get_absolute_url()

    client.force_login(newcomer)
    assert "Waiting for approval here" in client.get(url).content.decode()
    client.force_login(build_member())
    assert "Waiting for approval here" not in client.get(url).content.decode()


def test_category_and_search_pages_are_shared_without_anyones_state(client, question, caplog):
    from community.services.subscriptions import follow_category

    alice, bob = build_member(username="alice"), build_member(username="bob")
    follow_category(alice, category=question.category)
    urls = [question.category.get_absolute_url(), "/", "/search/?q=bulb"]
    pages = ["community/category.html", "community/home.html", "community/search.html"]

    for url, page in zip(urls, pages, strict=True):
        client.force_login(alice)
        with caplog.at_level(logging.ERROR, logger="community.caching"):
            assert "@alice" in client.get(url).content.decode()
        client.force_login(bob)
        bob_response = client.get(url)
        bob_page = bob_response.content.decode()

        assert not caplog.records, url
        assert "@bob" in bob_page and "@alice" not in bob_page, url
        assert page not in [t.name for t in bob_response.templates], url  # Bob got Alice's shared rendering
        assert "How do I pair a new bulb?" in re.sub(r"</?mark>", "", bob_page), url  # search marks "bulb"
    client.force_login(alice)
    assert 'aria-pressed="true"' in client.get(urls[0]).content.decode()
    client.force_login(bob)
    assert 'aria-pressed="true"' not in client.get(urls[0]).content.decode()


def test_the_category_page_shows_each_member_whether_they_follow_it(client, question):
    from community.services.subscriptions import follow_category

    alice, bob = build_member(username="alice"), build_member(username="bob")
    follow_category(alice, category=question.category)
    url = question.category.get_absolute_url()

    def follow_button(member) -> str:
        client.force_login(member)
        page = client.get(url).content.decode()
        form = page[page.index(f'action="/c/{question.category.slug}/follow/"') :]
        return form[: form.index("</form>")]

    assert 'aria-pressed="true"' in follow_button(alice)
    assert 'aria-pressed="false"' in follow_button(bob)
    assert 'aria-pressed="true"' in follow_button(alice)


@pytest.fixture
def cache_reads():
    """The cache reads a request makes, each round trip as the keys it asked for."""
    from django.core.cache import caches

    default = caches["default"]
    reads: list[list[str]] = []
    get, get_many = default.get, default.get_many
    inside_get_many = []

    def counted_get(key, *args, **kwargs):
        if not inside_get_many:  # the embedded cache's get_many is a get per key
            reads.append([key])
        return get(key, *args, **kwargs)

    def counted_get_many(keys, *args, **kwargs):
        reads.append(list(keys))
        inside_get_many.append(True)
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside_get_many.pop()

    with (
        mock.patch.object(default, "get", counted_get),
        mock.patch.object(default, "get_many", counted_get_many),
    ):
        yield reads


@pytest.mark.parametrize("page", ["home", "category", "search", "thread"])
def test_a_cached_member_page_reads_the_bell_with_its_own_keys(client, question, answer, cache_reads, page):
    member = build_member(username="lena")
    url = {
        "home": reverse("home"),
        "category": question.category.get_absolute_url(),
        "search": f"{reverse('search')}?q=question",
        "thread": question.get_absolute_url(),
    }[page]
    client.force_login(member)
    client.get(url)
    client.get(url)
    cache_reads.clear()

    response = client.get(url)

    bell = caching.member_page_keys(member.pk)
    assert response.status_code == 200
    assert any(set(bell) < set(keys) for keys in cache_reads), cache_reads
    assert not any(key in bell for keys in cache_reads if not set(bell) < set(keys) for key in keys), cache_reads


def test_a_shared_list_page_reads_its_list_only_when_the_page_is_missing(client, question, cache_reads):
    client.force_login(build_member())
    client.get(reverse("home"))
    cache_reads.clear()

    client.get(reverse("home"))

    # The list's own cache entry, whose HTML the shared page already holds.
    assert not [key for keys in cache_reads for key in keys if key.startswith(f"{caching.RELEASE}:list:")], cache_reads


def test_a_members_search_reads_the_list_and_faq_versions_in_one_round_trip(client, question, cache_reads):
    client.force_login(build_member())
    client.get(f"{reverse('search')}?q=question")
    cache_reads.clear()

    client.get(f"{reverse('search')}?q=question")

    versions = {caching.LIST_VERSION_KEY, caching.FAQ_VERSION_KEY}
    assert [versions & set(keys) for keys in cache_reads if versions & set(keys)] == [versions]


def test_a_members_thread_page_masks_one_csrf_token_for_its_forms_and_its_script(client, question, answer):
    client.force_login(build_member())

    html = client.get(question.get_absolute_url()).content.decode()

    in_forms = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert in_forms == {viewer_state(html)["csrf"]}


@pytest.mark.parametrize("page", ["home", "category"])
def test_a_members_list_page_reads_its_version_with_the_shared_page(client, question, cache_reads, page):
    url = reverse("home") if page == "home" else question.category.get_absolute_url()
    version_key = caching.list_version_key(None if page == "home" else question.category.slug)
    client.force_login(build_member())
    client.get(url)
    cache_reads.clear()

    client.get(url)

    with_version = [keys for keys in cache_reads if version_key in keys]
    assert len(with_version) == 1 and any(key.startswith("shared:") for key in with_version[0]), cache_reads


@pytest.mark.parametrize("page", ["home", "category"])
def test_a_members_shared_list_page_shows_a_thread_started_since_it_was_stored(
    client, django_capture_on_commit_callbacks, member, question, page
):
    url = reverse("home") if page == "home" else question.category.get_absolute_url()
    client.force_login(build_member())
    assert "A brand new question" not in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        build_thread(member, category=question.category, title="A brand new question")

    assert "A brand new question" in client.get(url).content.decode()


def test_a_members_search_reads_its_versions_with_the_shared_page(client, question, cache_reads):
    url = f"{reverse('search')}?q=question"
    client.force_login(build_member())
    client.get(url)
    cache_reads.clear()

    client.get(url)

    with_versions = [keys for keys in cache_reads if caching.LIST_VERSION_KEY in keys]
    assert len(with_versions) == 1 and caching.FAQ_VERSION_KEY in with_versions[0], cache_reads
    assert any(key.startswith("shared:") for key in with_versions[0]), cache_reads


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_thread_page_reads_the_faq_banner_with_its_own_keys_and_counts_the_view_without_a_round_trip(
    client, question, answer, cache_reads, signed_in, monkeypatch
):
    from community import tallies

    if signed_in:
        client.force_login(build_member(username="mina"))
        client.get(question.get_absolute_url())
    # (A visitor's first read is the one that renders the regions: later ones are the stored page.)
    cache_reads.clear()
    counted = []
    monkeypatch.setattr(tallies, "_add", counted.append)

    response = client.get(question.get_absolute_url())

    banner = [key for keys in cache_reads for key in keys if ":faq:banner:" in key]
    version = question.__class__.objects.get().version
    if signed_in:
        assert response.status_code == 200 and len(banner) == 1, cache_reads
        together = next(keys for keys in cache_reads if banner[0] in keys)
        assert caching.remember_key(f"thread:{question.pk}:{version}") in together
    else:
        # A visitor's page with nothing cached reads its header, version and all, from the database (the
        # header says whether the FAQ has an article from the thread); the banner stored under a version
        # the cache did not know is taken as missing, not read, and nothing of the FAQ's is read.
        assert response.status_code == 200 and banner == [], cache_reads
        assert caching.thread_version_key(question.pk) in cache_reads[0]
        assert not [key for keys in cache_reads for key in keys if ":faq:" in key], cache_reads
    assert counted == []  # gathered, to be sent with the others
    tallies.flush()
    assert counted == [{(tallies.THREAD_VIEWS, question.pk): 2 if signed_in else 1}]
