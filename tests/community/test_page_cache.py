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


def test_visitors_get_the_thread_from_the_cache_until_it_changes(
    client, member, other_member, question, answer, django_capture_on_commit_callbacks
):
    first, cold = fetch(client, question.get_absolute_url())
    assert cold > 1
    again, warm = fetch(client, question.get_absolute_url())

    assert again == first
    assert warm == 0  # the version comes from the cache's copy, read with the page

    with django_capture_on_commit_callbacks(execute=True):
        build_reply(other_member, answer, body="Fresh news in the thread")
    fresh, _ = fetch(client, question.get_absolute_url())
    assert "Fresh news in the thread" in fresh


def test_a_visitors_cached_thread_comes_with_its_version_in_one_round_trip(client, question, answer, monkeypatch):
    from community import caching

    first, _ = fetch(client, question.get_absolute_url())
    counting = CountingCache(caching.cache)
    monkeypatch.setattr(caching, "cache", counting)

    again, queries = fetch(client, question.get_absolute_url())

    assert again == first and queries == 0
    assert counting.trips == ["get_many"]


def test_a_visitors_uncached_thread_page_stores_its_parts_in_one_round_trip(client, question, answer, monkeypatch):
    from community import caching

    # Another thread's page first, so the counters a first page after a flush creates are there.
    fetch(client, build_thread(question.author, category=question.category).get_absolute_url())
    counting = CountingCache(caching.cache)
    monkeypatch.setattr(caching, "cache", counting)
    first, _ = fetch(client, question.get_absolute_url())

    # One read (the page and its version, both missing, and what other apps' regions read whatever the
    # version): what is stored under a version the cache did not know is taken as missing, not read.
    # Then the thread's header, its replies and the page itself sent together as the page was done.
    writes = [(trip, keys) for trip, keys in counting.writes if not any(k.startswith("thread-version:") for k in keys)]
    assert len(writes[0][1]) == 4  # header, replies (ids and HTML), page
    if hasattr(caching.cache, "set_each"):
        # On Redis the copy of the thread's version is raised in that same round trip.
        assert counting.trips == ["get_many", "set_each"]
        question.refresh_from_db()
        assert counting.raised == [{caching.thread_version_key(question.pk): question.version}]
    else:
        assert [trip for trip, _keys in writes] == ["set_many"]
    again, queries = fetch(client, question.get_absolute_url())
    assert again == first and queries == 0


def test_a_members_uncached_page_sends_its_parts_and_their_reading_together_the_position_first(
    client, member, question, answer, monkeypatch
):
    from community import caching, reading, tallies

    counting = CountingCache(caching.cache)
    monkeypatch.setattr(caching, "cache", counting)
    monkeypatch.setattr(tallies, "cache", counting)
    client.force_login(member)
    fetch(client, question.get_absolute_url())

    keys = [key for _trip, written in counting.writes for key in written]
    position = keys.index(reading.pending_key(member.pk, question.pk))
    assert keys.index(caching.member_version_key(caching.READING, member.pk)) > position
    if hasattr(caching.cache, "set_each"):
        assert [trip for trip, _keys in counting.writes] == ["set_each"]
        # With the count that tells beat's flush to write the position, sent after it in that round trip.
        pair = f"{member.pk}:{question.pk}"
        [counts] = counting.tallied
        assert [key for (window, key) in counts if window.startswith(f"tally:{reading.READ_POSITIONS}:")] == [pair]
        assert not [key for counts in counting.tallied_alone for (_window, key) in counts if key == pair]


def test_the_caches_copy_of_a_threads_version_follows_each_commit_and_never_goes_back(
    question, answer, other_member, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from community import caching
    from community.models import Thread

    key = caching.thread_version_key(question.pk)
    with django_capture_on_commit_callbacks(execute=True):
        build_reply(other_member, answer, body="One more")
    current = Thread.objects.get(pk=question.pk).version
    assert cache.get(key) == current

    # A reader that read the version before that commit notes it late: the copy stays.
    caching.note_thread_versions({question.pk: current - 1})
    assert cache.get(key) == current


def test_a_thread_whose_copy_was_evicted_is_built_again_and_its_version_noted(client, question, answer):
    from django.core.cache import cache

    from community import caching

    fetch(client, question.get_absolute_url())
    cache.delete(caching.thread_version_key(question.pk))

    page, queries = fetch(client, question.get_absolute_url())

    question.refresh_from_db()
    assert queries > 0 and cache.get(caching.thread_version_key(question.pk)) == question.version
    assert fetch(client, question.get_absolute_url()) == (page, 0)


def test_a_removed_or_renamed_thread_is_never_served_from_a_visitors_stored_page(
    client, moderator, question, answer, django_capture_on_commit_callbacks
):
    from moderation.services import posts, threads

    old_url = question.get_absolute_url()
    fetch(client, old_url)
    with django_capture_on_commit_callbacks(execute=True):
        threads.rename_thread(moderator, thread=question, title="A title the moderator gave it")
    assert client.get(old_url).status_code == 301

    new_url = client.get(old_url)["Location"]
    fetch(client, new_url)
    with django_capture_on_commit_callbacks(execute=True):
        posts.remove_post(moderator, post=question.opening_post, reason="Off topic")
    assert client.get(new_url).status_code == 404


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
        self.cache, self.trips, self.writes, self.raised = cache, [], [], []
        # Counts sent with the writes, and counts sent in a round trip of their own.
        self.tallied, self.tallied_alone = [], []

    def __getattr__(self, name):
        call = getattr(self.cache, name)
        if not callable(call):
            return call

        def counted(*args, **kwargs):
            self.trips.append(name)
            if name in ("set", "set_many", "set_each"):
                keys = {"set": lambda: [args[0]], "set_each": lambda: [item[0] for item in args[0]]}
                self.writes.append((name, keys.get(name, lambda: list(args[0]))()))
                if kwargs.get("raises"):
                    self.raised.append(kwargs["raises"][0])
                if kwargs.get("tallies"):
                    self.tallied.append(kwargs["tallies"][0])
            if name == "tally_many":
                self.tallied_alone.append(args[0])
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


def test_a_page_that_fails_sends_none_of_its_parts_but_still_notes_the_versions_it_read():
    from django.core.cache import cache

    from community import caching

    class Failed(Exception):
        pass

    with pytest.raises(Failed), caching.writes_gathered():
        caching.store("half-built-part", "part", 60)
        caching.note_thread_versions({4242: 7})
        assert cache.get(caching.thread_version_key(4242)) is None  # sent only as the page ends
        raise Failed

    assert cache.get("half-built-part") is None
    assert cache.get(caching.thread_version_key(4242)) == 7


def test_an_instance_rebuilt_from_the_cache_is_one_loaded_with_the_rest_deferred(question, answer):
    from community import caching
    from community.models import Post

    values = caching.plain(answer, [name for name in caching.plain(answer) if name != "body"])
    copy = caching.rebuilt(Post, values)

    assert copy == answer and not copy._state.adding and copy._state.db == "default"
    assert copy.get_deferred_fields() == {"body"}
    assert copy.body == answer.body  # read on first use, as a deferred field is

    # mptt's note of where the node stood, which saving it reads to tell a move.
    copy.is_official = True
    copy.save(update_fields=["is_official"])
    answer.refresh_from_db()
    assert answer.is_official and answer.parent_id == question.opening_post_id


def test_a_read_beyond_another_asks_only_for_keys_it_did_not_or_takes_them_as_missing(monkeypatch):
    from community import caching

    caching.cache.set_many({"beyond:a": 1, "beyond:b": 2})
    counting = CountingCache(caching.cache)
    monkeypatch.setattr(caching, "cache", counting)
    first = caching.Prefetched(["beyond:a"])

    more = caching.Prefetched.beyond(first, ["beyond:a", "beyond:b"])
    assert (more.get("beyond:a"), more.get("beyond:b")) == (1, 2)
    assert counting.trips == ["get_many", "get_many"]

    missing = caching.Prefetched.beyond(first, ["beyond:a", "beyond:b"], taken_as_missing=True)
    assert (missing.get("beyond:a"), missing.get("beyond:b")) == (1, None)
    assert counting.trips == ["get_many", "get_many"]
