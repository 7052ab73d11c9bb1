"""Unread tracking on pages: "N new" on lists, and a thread that opens at its first unread reply."""

import json
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import reading, tallies
from community.models import ReadPosition, Tag
from community.selectors import REPLIES_PER_PAGE
from community.services import subscriptions
from tests.builders import build_member, build_reply, build_thread
from tests.community.test_shared_member_pages import viewer_state
from tests.community.test_thread_page import MEMBER_PAGE_QUERIES, queries_for

pytestmark = pytest.mark.django_db


def unread(response) -> list | None:
    """The member's unread overlay on a list page, or None when the page has none."""
    found = re.search(
        r'<script id="unread-threads" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(found.group(1)) if found else None


def flush() -> None:
    reading.flush(time.time() + 3 * tallies.WINDOW_SECONDS)


@pytest.fixture
def reader(client, member):
    client.force_login(member)
    return member


def read(client, thread, **params):
    response = client.get(thread.get_absolute_url(), params)
    assert response.status_code == 200
    return response


LISTS = {
    "home": lambda thread: reverse("home"),
    "category": lambda thread: thread.category.get_absolute_url(),
    "tag": lambda thread: reverse("community:tag", kwargs={"slug": "bulbs"}),
    "following": lambda thread: reverse("home") + "?filter=following",
    "search": lambda thread: reverse("search") + "?q=pair",
}


@pytest.mark.parametrize("page", LISTS)
def test_lists_show_how_many_replies_are_new_since_the_member_read_the_thread(
    page, client, reader, other_member, category
):
    tag = Tag.objects.create(name="bulbs", slug="bulbs")
    thread = build_thread(reader, category=category, tags=[tag])
    subscriptions.follow_thread(reader, thread=thread)
    read(client, thread)
    first, *_ = [build_reply(other_member, thread.opening_post, body=f"Reply number {i}") for i in range(3)]

    response = client.get(LISTS[page](thread))

    assert response.status_code == 200
    assert unread(response) == [{"thread": thread.pk, "new": 3, "post": first.pk}]
    assert f'data-thread="{thread.pk}"' in response.content.decode()


def test_unread_counts_read_the_flushed_row(client, reader, other_member, question):
    seen = build_reply(other_member, question.opening_post, body="Read before the flush")
    read(client, question)
    newer = build_reply(other_member, question.opening_post, body="Written after the read")
    flush()
    reading.cache.delete(reading.pending_key(reader.pk, question.pk))

    listed = unread(client.get(reverse("home")))

    assert ReadPosition.objects.get(user=reader).read_through == seen.pk
    assert listed == [{"thread": question.pk, "new": 1, "post": newer.pk}]


def test_the_remembered_counts_follow_new_replies_and_the_members_reading(
    client, reader, other_member, question, django_capture_on_commit_callbacks
):
    read(client, question)
    assert unread(client.get(reverse("home"))) is None

    with django_capture_on_commit_callbacks(execute=True):
        reply = build_reply(other_member, question.opening_post, body="Posted after the list was seen")
    after_reply = unread(client.get(reverse("home")))
    read(client, question)
    after_reading = unread(client.get(reverse("home")))

    assert after_reply == [{"thread": question.pk, "new": 1, "post": reply.pk}]
    assert after_reading is None


def test_reading_the_thread_again_clears_its_count(client, reader, other_member, question):
    read(client, question)
    build_reply(other_member, question.opening_post, body="Something new")
    read(client, question)

    assert unread(client.get(reverse("home"))) is None


def test_the_members_own_replies_count_as_read(client, reader, other_member, question):
    read(client, question)
    theirs = build_reply(other_member, question.opening_post, body="From someone else")
    build_reply(reader, question.opening_post, body="My own reply, not new to me")

    assert unread(client.get(reverse("home"))) == [{"thread": question.pk, "new": 1, "post": theirs.pk}]


def test_threads_the_member_never_opened_stay_quiet(client, reader, other_member, category):
    thread = build_thread(other_member, category=category, title="Never opened by the reader")
    build_reply(other_member, thread.opening_post, body="A reply they never saw")

    assert unread(client.get(reverse("home"))) is None


def test_removed_replies_are_not_new(client, reader, other_member, question):
    from community.services import posts

    read(client, question)
    removed = build_reply(other_member, question.opening_post, body="Removed before it was read")
    posts.delete_post(other_member, post=removed)

    assert unread(client.get(reverse("home"))) is None


def test_a_tab_swapped_in_by_htmx_brings_its_counts(client, reader, other_member, question):
    read(client, question)
    reply = build_reply(other_member, question.opening_post, body="New since then")

    response = client.get(
        reverse("home") + "?filter=latest", headers={"HX-Request": "true", "HX-Target": "thread-list"}
    )

    assert unread(response) == [{"thread": question.pk, "new": 1, "post": reply.pk}]


def test_visitors_see_nothing_and_note_nothing(client, member, other_member, question):
    build_reply(other_member, question.opening_post, body="A reply a visitor reads")

    page = read(client, question).content.decode()
    listed = client.get(reverse("home"))
    flush()

    assert unread(listed) is None
    assert 'id="viewer-state"' not in page and "unread-threads" not in listed.content.decode()
    assert not ReadPosition.objects.exists()


def test_another_members_read_positions_never_show(client, reader, other_member, question):
    read(client, question)
    build_reply(other_member, question.opening_post, body="New for the reader only")
    assert unread(client.get(reverse("home")))  # the reader's page is now the shared copy
    flush()

    stranger = build_member(username="stranger")
    client.force_login(stranger)
    listed = client.get(reverse("home"))
    page = read(client, question).content.decode()

    assert unread(listed) is None
    assert "read_through" not in viewer_state(page)


def test_the_thread_opens_at_the_first_reply_the_member_has_not_read(client, reader, other_member, question):
    seen = build_reply(other_member, question.opening_post, body="Read on the first visit")
    read(client, question)
    mine = build_reply(reader, seen, body="My own reply is not new to me")
    first = build_reply(other_member, question.opening_post, body="The first unread reply")
    build_reply(other_member, seen, body="Another unread reply")

    state = viewer_state(read(client, question).content.decode())
    again = viewer_state(read(client, question).content.decode())

    assert state["read_through"] == seen.pk
    assert state["own"] == [mine.pk]
    assert again["read_through"] > first.pk


def test_a_first_visit_marks_nothing_new(client, reader, other_member, question):
    build_reply(other_member, question.opening_post, body="Before the first visit")

    state = viewer_state(read(client, question).content.decode())

    assert "read_through" not in state


def test_reading_an_earlier_page_never_moves_the_position_back(client, reader, other_member, question):
    replies = [
        build_reply(other_member, question.opening_post, body=f"Top-level reply {i}")
        for i in range(REPLIES_PER_PAGE + 5)
    ]

    read(client, question, sort="oldest", page=2)
    read(client, question, sort="oldest", page=1)

    assert reading.pending(reader.pk, [question.pk]) == {question.pk: replies[-1].pk}
    flush()
    read(client, question, sort="oldest", page=1)
    assert ReadPosition.objects.get(user=reader).read_through == replies[-1].pk


def test_replies_that_arrive_on_an_open_page_are_read(client, reader, other_member, question):
    read(client, question)
    since = question.opening_post.created_at
    live = build_reply(other_member, question.opening_post, body="Arrives while the page is open")

    client.get(reverse("community:replies_since", args=[question.pk]), {"since": since.isoformat()})

    assert reading.pending(reader.pk, [question.pk]) == {question.pk: live.pk}


def test_a_thread_page_with_a_read_position_costs_no_more_queries(client, reader, other_member, question):
    for i in range(10):
        build_reply(other_member, question.opening_post, body=f"Reply number {i}")
    read(client, question)
    flush()
    build_reply(other_member, question.opening_post, body="One more, unread")
    read(client, question)  # a position in the row, and a later one in the cache

    count, response = queries_for(client, question.get_absolute_url())

    assert count == MEMBER_PAGE_QUERIES["small"]
    assert "read_through" in viewer_state(response.content.decode())


def overlay_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "community_readposition" in q["sql"]]


def test_the_overlay_costs_one_query_however_many_threads_and_none_until_something_moves(
    client, reader, other_member, category, django_capture_on_commit_callbacks
):
    def list_with_unread(n):
        with django_capture_on_commit_callbacks(execute=True):
            threads = [build_thread(other_member, category=category, title=f"Thread {i} to follow") for i in range(n)]
        for thread in threads:
            read(client, thread)
        with django_capture_on_commit_callbacks(execute=True):
            for thread in threads:
                build_reply(other_member, thread.opening_post, body="New since the reader looked")
        client.get(reverse("home"))  # the shared page is cached
        read(client, threads[-1])  # and the member has read since

    counts = []
    for n in (2, 23):
        list_with_unread(n)
        with CaptureQueriesContext(connection) as moved:
            response = client.get(reverse("home"))
        with CaptureQueriesContext(connection) as still:
            again = client.get(reverse("home"))
        counts.append((len(moved), len(overlay_queries(moved)), len(unread(response))))
        assert len(overlay_queries(still)) == 0 and unread(again) == unread(response)

    # The second list shows 25 threads: the first two (one read since) and 23 more (one read since).
    assert counts == [(counts[0][0], 1, 1), (counts[0][0], 1, 23)]
