"""Votes and accepts in one thread, at once, on PostgreSQL: the in-transaction subscribers take the
thread's row before the members' rows (recognition.apps), so neither waits on the other in a cycle."""

import pytest
from django.db import connection

from accounts.models import User
from community.models import Post, Thread
from community.services import posts, votes
from recognition.ledger import reputation_disagreements
from tests.builders import build_member, build_reply, build_thread
from tests.integration.test_queue_races import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3
VOTERS = 8


def test_helpful_votes_and_accepting_the_same_answer_at_once_neither_deadlock_nor_double(settings, category):
    assert connection.vendor == "postgresql"
    settings.RECOGNITION_DAILY_CAP = 10_000
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 10_000
    helper = build_member(username="helper")
    voters = [build_member(username=f"voter{n}") for n in range(VOTERS)]
    for round_ in range(ROUNDS):
        asker = build_member(username=f"asker{round_}")
        thread = build_thread(asker, category=category, title=f"Why does hub {round_} keep rebooting?")
        answer = build_reply(helper, thread.opening_post, body="Its power supply is failing.")

        jobs = [lambda voter=voter, answer=answer: votes.mark_helpful(voter, post=answer) for voter in voters]
        jobs.insert(VOTERS // 2, lambda asker=asker, answer=answer: posts.accept_answer(asker, post=answer))
        results = run_concurrently(jobs)

        assert all(isinstance(result, Post | Thread) for result in results), [
            r for r in results if not isinstance(r, Post | Thread)
        ]
    helper_reputation = User.objects.values_list("reputation", flat=True).get(pk=helper.pk)
    assert helper_reputation == ROUNDS * (15 + 10 * VOTERS)
    assert reputation_disagreements() == []
