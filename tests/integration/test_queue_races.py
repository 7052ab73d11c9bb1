"""Moderators and flaggers racing on one review item leave one consistent result (PostgreSQL).

Each job runs in its own thread with its own database connection, released
together by a barrier, so the row locks in moderation.services are what keeps
the outcome whole.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from community.models import Post, Review, Thread
from moderation.models import AuditEntry, Conversation, Flag, ReviewItem
from moderation.services import queue
from moderation.services.flags import flag_post
from tests.builders import build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db(transaction=True)

DECIDED = [AuditEntry.Action.POST_HIDDEN, AuditEntry.Action.POST_DELETED, AuditEntry.Action.FLAGS_DISMISSED]


def run_concurrently(jobs):
    """Start every job at once; return what each returned or raised."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=30)
            return job()
        except Exception as error:  # the test inspects what each racer got
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [future.result(timeout=120) for future in [pool.submit(run, job) for job in jobs]]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 100


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (queue.hide_post, queue.remove_post),
        (queue.remove_post, queue.dismiss_flags),
        (queue.dismiss_flags, queue.hide_post),
    ],
)
def test_two_moderators_deciding_one_item_leave_one_decision(first, second, category):
    assert connection.vendor == "postgresql"
    author = build_member()
    thread = build_thread(author, category=category, title="A thread that drew flags")
    reply = build_reply(author, thread.opening_post, body="Buy cheap watches here")
    build_reply(build_member(), thread.opening_post, body="A fine answer that stays")
    for _ in range(3):
        flag_post(build_member(), post=reply, reason="spam")
    item = ReviewItem.objects.get(post=reply)
    one, two = build_moderator(display_name="Ann One"), build_moderator(display_name="Bo Two")

    results = run_concurrently(
        [lambda: first(one, item=item.pk, reason="first"), lambda: second(two, item=item.pk, reason="second")]
    )

    winners = [result for result in results if isinstance(result, ReviewItem)]
    losers = [result for result in results if isinstance(result, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], queue.ItemHandled) and "Already handled by" in str(losers[0])
    item.refresh_from_db()
    assert item.status == ReviewItem.Status.RESOLVED and item.resolution == winners[0].resolution
    entries = AuditEntry.objects.filter(action__in=DECIDED)
    assert entries.count() == 1 and entries.get().actor_id == item.resolved_by_id
    outcome = Flag.Outcome.DECLINED if item.resolution == "dismissed" else Flag.Outcome.HELPFUL
    assert set(Flag.objects.filter(item=item).values_list("outcome", flat=True)) == {outcome}
    post = Post.objects.get(pk=reply.pk)
    expected = {
        "hidden": (Review.HIDDEN, False),
        "deleted": (Review.PUBLISHED, True),
        "dismissed": (Review.PUBLISHED, False),
    }
    assert (post.review, post.is_deleted) == expected[item.resolution]
    # The counters moved once: only the fine answer is left counted unless the flags were dismissed.
    counted = 2 if item.resolution == "dismissed" else 1
    assert Thread.objects.get(pk=thread.pk).reply_count == counted
    assert Conversation.objects.filter(member=author).count() == (0 if item.resolution == "dismissed" else 1)


def test_concurrent_first_flags_share_one_item_and_hide_once(settings, category):
    settings.MODERATION_AUTO_HIDE_WEIGHT = 9
    thread = build_thread(build_member(), category=category, title="A thread many flag at once")
    flaggers = [build_member(trust_level=3) for _ in range(6)]

    results = run_concurrently(
        [lambda m=member: flag_post(m, post=thread.opening_post, reason="spam") for member in flaggers]
    )

    # Once the third flag hides the thread, members can no longer see it, so later flags are refused.
    flags = [result for result in results if isinstance(result, Flag)]
    assert len(flags) == 3, results
    items = ReviewItem.objects.filter(post=thread.opening_post)
    assert items.count() == 1
    item = items.get()
    assert item.flag_weight == 3 * len(flags) and item.auto_hidden
    assert Flag.objects.filter(item=item).count() == len(flags)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.POST_AUTO_HIDDEN).count() == 1
    assert Thread.objects.get(pk=thread.pk).review == Review.HIDDEN


def test_two_moderators_claiming_at_once_one_wins(category):
    thread = build_thread(build_member(), category=category, title="A thread two moderators want")
    flag_post(build_member(), post=thread.opening_post, reason="spam")
    item = ReviewItem.objects.get()
    one, two = build_moderator(), build_moderator()

    results = run_concurrently(
        [lambda: queue.claim_item(one, item=item.pk), lambda: queue.claim_item(two, item=item.pk)]
    )

    assert sum(isinstance(result, ReviewItem) for result in results) == 1, results
    assert sum(isinstance(result, queue.ItemClaimed) for result in results) == 1, results
    item.refresh_from_db()
    assert item.claimed_by_id in (one.pk, two.pk)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ITEM_CLAIMED).count() == 1
