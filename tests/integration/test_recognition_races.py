"""Concurrent votes and accepts never count points twice or past a cap (PostgreSQL).

Each job runs in its own thread with its own database connection, released
together by a barrier, so the member-row locks in recognition.ledger are what
keep reputation equal to the ledger's sum and the caps exact.
"""

import pytest
from django.db import connection

from accounts.models import User
from community.models import Post, Thread
from community.services import posts, votes
from recognition.ledger import reputation_disagreements
from recognition.models import PointsEntry
from tests.builders import build_member, build_reply, build_thread
from tests.integration.test_queue_races import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

VOTERS = 50


def reputation(user) -> int:
    return User.objects.values_list("reputation", flat=True).get(pk=user.pk)


@pytest.fixture
def thread_with_answer(category):
    asker, helper = build_member(username="asker"), build_member(username="helper")
    thread = build_thread(asker, category=category, title="Why does the hub keep rebooting?")
    answer = build_reply(helper, thread.opening_post, body="Its power supply is failing.")
    return asker, helper, thread, answer


def test_fifty_concurrent_helpful_votes_count_each_once(settings, thread_with_answer):
    assert connection.vendor == "postgresql"
    settings.RECOGNITION_DAILY_CAP = 10_000
    _, helper, _, answer = thread_with_answer
    voters = [build_member(username=f"voter{n}") for n in range(VOTERS)]

    results = run_concurrently([lambda voter=voter: votes.mark_helpful(voter, post=answer) for voter in voters])

    assert all(isinstance(result, Post) for result in results), [r for r in results if not isinstance(r, Post)]
    assert Post.objects.get(pk=answer.pk).helpful_count == VOTERS
    entries = PointsEntry.objects.filter(member=helper)
    assert entries.count() == VOTERS
    assert len(set(entries.values_list("actor_id", flat=True))) == VOTERS
    assert reputation(helper) == 10 * VOTERS
    assert reputation_disagreements() == []


def test_fifty_concurrent_votes_on_one_authors_posts_stop_exactly_at_the_daily_cap(
    settings, category, thread_with_answer
):
    # Posts in different threads, so nothing but the ledger's lock on the author's row orders the
    # votes (votes in one thread queue on the thread row, whose version each of them bumps).
    settings.RECOGNITION_DAILY_CAP = 205  # not a multiple of 10: one vote is granted the last 5
    asker, helper, _, _ = thread_with_answer
    answers = [
        build_reply(helper, build_thread(asker, category=category, title=f"Hub question number {n}").opening_post)
        for n in range(VOTERS)
    ]
    voters = [build_member(username=f"voter{n}") for n in range(VOTERS)]

    results = run_concurrently(
        [
            lambda voter=voter, post=post: votes.mark_helpful(voter, post=post)
            for voter, post in zip(voters, answers, strict=True)
        ]
    )

    assert all(isinstance(result, Post) for result in results), [r for r in results if not isinstance(r, Post)]
    amounts = sorted(PointsEntry.objects.filter(member=helper).values_list("amount", flat=True))
    assert sum(amounts) == 205 and amounts.count(5) == 1 and amounts.count(10) == 20
    assert reputation(helper) == 205
    assert reputation_disagreements() == []


def test_two_concurrent_accepts_of_one_answer_count_once(thread_with_answer, staff):
    asker, helper, thread, answer = thread_with_answer

    results = run_concurrently(
        [lambda: posts.accept_answer(asker, post=answer), lambda: posts.accept_answer(staff, post=answer)]
    )

    assert all(isinstance(result, Thread) for result in results), results
    assert Thread.objects.get(pk=thread.pk).accepted_answer_id == answer.pk
    assert reputation(helper) == 15
    assert PointsEntry.objects.filter(member=helper).count() == 1
    # The asker's +2 only if it was the asker's accept that counted.
    assert reputation(asker) in (0, 2)
    assert reputation_disagreements() == []


def test_two_concurrent_accepts_of_different_answers_leave_one_answer_with_the_points(thread_with_answer):
    asker, helper, thread, answer = thread_with_answer
    rival = build_member(username="rival")
    other = build_reply(rival, thread.opening_post, body="Update the firmware.")

    results = run_concurrently(
        [lambda: posts.accept_answer(asker, post=answer), lambda: posts.accept_answer(asker, post=other)]
    )

    assert all(isinstance(result, Thread) for result in results), results
    accepted = Thread.objects.get(pk=thread.pk).accepted_answer_id
    winner, loser = (helper, rival) if accepted == answer.pk else (rival, helper)
    assert (reputation(winner), reputation(loser), reputation(asker)) == (15, 0, 2)
    assert PointsEntry.objects.live().filter(reason=PointsEntry.Reason.ANSWER_ACCEPTED).count() == 1
    assert reputation_disagreements() == []


def test_concurrent_votes_and_unvotes_leave_reputation_equal_to_the_live_votes(settings, thread_with_answer):
    settings.RECOGNITION_DAILY_CAP = 10_000
    _, helper, _, answer = thread_with_answer
    voters = [build_member(username=f"voter{n}") for n in range(20)]
    for voter in voters[:10]:
        votes.mark_helpful(voter, post=answer)

    jobs = [lambda voter=voter: votes.unmark_helpful(voter, post=answer) for voter in voters[:10]]
    jobs += [lambda voter=voter: votes.mark_helpful(voter, post=answer) for voter in voters[10:]]
    results = run_concurrently(jobs)

    assert all(isinstance(result, Post) for result in results), results
    assert reputation(helper) == 10 * Post.objects.get(pk=answer.pk).helpful_count == 100
    assert reputation_disagreements() == []
