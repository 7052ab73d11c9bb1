"""Whole pages are cached for signed-out visitors only, keyed by the data's version."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import build_reply, build_thread

pytestmark = pytest.mark.django_db


def fetch(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_visitors_get_the_thread_from_the_cache_until_it_changes(client, member, other_member, question, answer):
    first, cold = fetch(client, question.get_absolute_url())
    assert cold > 1
    again, warm = fetch(client, question.get_absolute_url())

    assert again == first
    assert warm == 1  # the version lookup

    build_reply(other_member, answer, body="Fresh news in the thread")
    fresh, _ = fetch(client, question.get_absolute_url())
    assert "Fresh news in the thread" in fresh


def test_members_never_get_the_visitors_page(client, member, question):
    fetch(client, question.get_absolute_url())
    client.force_login(member)

    html, _ = fetch(client, question.get_absolute_url())

    assert 'id="user-menu"' in html
    assert "Maria Lopez" in html


def test_home_is_cached_for_visitors_and_refreshed_by_a_committed_write(
    client, member, category, django_capture_on_commit_callbacks
):
    fetch(client, reverse("home"))
    _, warm = fetch(client, reverse("home"))
    assert warm == 0

    with django_capture_on_commit_callbacks(execute=True):
        build_thread(member, category=category, title="A thread written just now")

    html, _ = fetch(client, reverse("home"))
    assert "A thread written just now" in html


def test_visitors_with_pending_messages_are_not_served_from_the_cache(client, question):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    fetch(client, question.get_absolute_url())
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.INFO, "Welcome back, visitor")])

    html, _ = fetch(client, question.get_absolute_url())

    assert "Welcome back, visitor" in html


class CountingCache:
    """The cache, counting the round trips made through it."""

    def __init__(self, cache):
        self.cache, self.trips = cache, []

    def __getattr__(self, name):
        call = getattr(self.cache, name)
        if not callable(call):
            return call

        def counted(*args, **kwargs):
            self.trips.append(name)
            return call(*args, **kwargs)

        return counted


@pytest.mark.parametrize("url_name", ["home", "search"])
def test_a_visitors_cached_list_comes_with_its_versions_in_one_round_trip(client, question, url_name, monkeypatch):
    from community import caching

    url = reverse(url_name) + ("?q=pair" if url_name == "search" else "")
    first, _ = fetch(client, url)
    counting = CountingCache(caching.cache)
    monkeypatch.setattr(caching, "cache", counting)

    again, queries = fetch(client, url)

    assert again == first and queries == 0
    assert counting.trips == ["get_many"]


def test_a_page_stored_under_an_old_version_is_not_served(
    client, member, category, django_capture_on_commit_callbacks
):
    fetch(client, reverse("home"))
    with django_capture_on_commit_callbacks(execute=True):
        build_thread(member, category=category, title="Written after the page was stored")

    html, queries = fetch(client, reverse("home"))

    assert "Written after the page was stored" in html and queries > 0
