"""Events earn badges after commit; awarding is idempotent; the nightly sweep catches the rest."""

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community.events import ReplyPosted
from community.models import Thread
from community.services import posts as post_services
from community.services import threads as thread_services
from community.services import votes
from config.celery import app as celery_app
from moderation.services import flags, queue
from outbox import bus
from outbox.models import Event
from recognition import awarding, criteria
from recognition.events import BadgeAwarded
from recognition.models import Award
from recognition.tasks import award_badges_nightly
from tests.builders import build_member, build_reply, build_thread
from tests.recognition.test_badges import members, upheld_flags

pytestmark = pytest.mark.django_db


def held(member) -> set[str]:
    return set(Award.objects.filter(member=member).values_list("badge", flat=True))


def announced() -> list[dict]:
    return sorted(
        (e.payload for e in Event.objects.filter(type="BadgeAwarded")), key=lambda p: (p["member_id"], p["badge"])
    )


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run what a service hands over after commit, as the relay and a worker would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


# Events -> awards -----------------------------------------------------------------------


def test_answering_a_first_question_earns_the_answerer_and_the_asker_their_badges(
    after_commit, member, other_member, question
):
    after_commit(build_reply, other_member, question.opening_post)

    assert held(other_member) == {"first-answer", "welcomer"}
    assert held(member) == {"first-question"}
    assert [(p["member_id"], p["badge"]) for p in announced()] == [
        (member.pk, "first-question"),
        (other_member.pk, "first-answer"),
        (other_member.pk, "welcomer"),
    ]
    assert not any(payload["swept"] for payload in announced())


def test_nothing_is_awarded_before_the_action_commits(member, other_member, question):
    build_reply(other_member, question.opening_post)

    assert not Award.objects.exists()


def test_accepting_an_answer_earns_problem_solver(after_commit, member, other_member, answer):
    after_commit(post_services.accept_answer, member, post=answer)

    assert "first-accepted" in held(other_member)


def test_staff_verifying_an_answer_earns_team_verified(after_commit, staff, other_member, answer):
    after_commit(post_services.verify_answer, staff, post=answer)

    assert held(other_member) == {"team-verified"}


def test_the_tenth_helpful_vote_earns_helpful(after_commit, other_member, answer):
    voters = members(10)
    for voter in voters[:9]:
        after_commit(votes.mark_helpful, voter, post=answer)
    assert "helpful-10" not in held(other_member)

    after_commit(votes.mark_helpful, voters[9], post=answer)

    assert "helpful-10" in held(other_member)


def test_shipping_an_idea_earns_its_author_visionary(after_commit, member, staff, category):
    idea = build_thread(member, category=category, kind="idea", title="Let bulbs follow the sunset")

    after_commit(thread_services.set_idea_status, staff, thread=idea, status=Thread.IdeaStatus.SHIPPED)

    assert held(member) == {"idea-shipped"}


def test_the_tenth_idea_vote_earns_supporter(after_commit, member, other_member, category):
    ideas = [build_thread(member, category=category, kind="idea", title=f"An idea to vote for {i}") for i in range(10)]

    for idea in ideas:
        after_commit(votes.vote_idea, other_member, thread=idea)

    assert held(other_member) == {"idea-supporter"}


def test_the_tenth_flag_upheld_earns_good_flagger(after_commit, other_member, moderator, category):
    upheld_flags(other_member, moderator, build_member(username="spammer"), 9, category=category)
    thread = build_thread(build_member(username="spammer2"), category=category, title="Cheap followers here")
    flags.flag_post(other_member, post=thread.opening_post, reason="spam")

    after_commit(queue.hide_post, moderator, item=thread.opening_post.review_items.get())

    assert held(other_member) == {"good-flagger"}


def test_a_held_answer_earns_its_badges_when_a_moderator_publishes_it(after_commit, moderator, question):
    newcomer = build_member(trust_level=0)
    after_commit(build_reply, newcomer, question.opening_post, body="Held until a moderator approves it")
    assert held(newcomer) == set()
    reply = newcomer.posts.get()

    after_commit(queue.approve_post, moderator, item=reply.review_items.get())

    assert held(newcomer) == {"first-answer", "welcomer"}


def test_an_event_checks_only_the_badges_it_can_change(after_commit, member, other_member, answer):
    User.objects.filter(pk=other_member.pk).update(date_joined=timezone.now() - timedelta(days=400))

    after_commit(post_services.accept_answer, member, post=answer)

    assert "one-year" not in held(other_member)


def test_a_banned_member_earns_nothing(other_member, question):
    build_reply(other_member, question.opening_post)
    User.objects.filter(pk=other_member.pk).update(is_active=False)

    assert awarding.check_badges([other_member.pk]) == []
    awarding.backfill()
    assert held(other_member) == set()


# Idempotence ----------------------------------------------------------------------------


def test_awarding_a_badge_already_held_does_nothing(member):
    first = awarding.award("one-year", member.pk)

    again = awarding.award("one-year", member.pk)

    assert first is not None and first.key == f"one-year:{member.pk}"
    assert again is None
    assert Award.objects.count() == 1
    assert Event.objects.filter(type="BadgeAwarded").count() == 1


def test_a_per_category_award_is_keyed_by_its_category(member, category):
    award = awarding.award("category-expert", member.pk, category_id=category.pk)

    assert award.key == f"category-expert:{member.pk}:{category.pk}"
    assert award.category == category


def test_handling_the_same_event_twice_awards_once(after_commit, member, other_member, question):
    reply = build_reply(other_member, question.opening_post)

    event = ReplyPosted(
        thread_id=question.pk,
        post_id=reply.pk,
        parent_id=question.opening_post_id,
        author_id=other_member.pk,
        parent_author_id=member.pk,
    )

    awarding.on_reply_posted(event)
    awarding.on_reply_posted(event)

    assert Award.objects.filter(member=other_member).count() == 2
    assert Event.objects.filter(type="BadgeAwarded").count() == 3


def test_an_award_and_its_event_roll_back_together(member):
    with pytest.raises(RuntimeError), transaction.atomic():
        awarding.award("one-year", member.pk)
        raise RuntimeError("the rest of the work failed")

    assert not Award.objects.exists()
    assert not Event.objects.filter(type="BadgeAwarded").exists()


def test_badge_awarded_survives_the_trip_to_a_worker(member, category):
    event = BadgeAwarded(award_id=1, member_id=member.pk, badge="category-expert", category_id=category.pk)

    assert BadgeAwarded(**bus.payload_of(event)) == event


# The nightly sweep ----------------------------------------------------------------------


def test_backfill_awards_what_no_event_announced_and_twice_awards_nothing_new(member, other_member, question):
    build_reply(other_member, question.opening_post)  # its events were never delivered
    User.objects.filter(pk=member.pk).update(date_joined=timezone.now() - timedelta(days=400))

    first = awarding.backfill(chunk_size=1)
    events_after_first = Event.objects.filter(type="BadgeAwarded").count()
    second = awarding.backfill(chunk_size=1)

    assert first == 4
    assert held(member) == {"first-question", "one-year"}
    assert held(other_member) == {"first-answer", "welcomer"}
    assert second == 0
    assert Event.objects.filter(type="BadgeAwarded").count() == events_after_first == 4
    assert all(payload["swept"] for payload in announced())


def test_backfill_skips_a_member_whose_award_fails_and_carries_on(monkeypatch, caplog, member, other_member):
    User.objects.update(date_joined=timezone.now() - timedelta(days=400))
    real_award = awarding.award

    def failing_for_maria(badge, member_id, **kwargs):
        if member_id == member.pk:
            raise RuntimeError("database hiccup")
        return real_award(badge, member_id, **kwargs)

    monkeypatch.setattr(awarding, "award", failing_for_maria)

    with caplog.at_level(logging.ERROR, logger="recognition.awarding"):
        awarded = awarding.backfill()

    assert awarded == 1
    assert held(other_member) == {"one-year"}
    assert held(member) == set()
    assert f"one-year:{member.pk}" in caplog.text


def test_backfill_skips_a_badge_that_cannot_be_decided_and_carries_on(monkeypatch, caplog, member):
    User.objects.update(date_joined=timezone.now() - timedelta(days=400))

    def broken(member_ids):
        raise RuntimeError("bad query")

    monkeypatch.setitem(criteria.BY_BADGE, "first-answer", criteria.Criterion("first-answer", broken))

    with caplog.at_level(logging.ERROR, logger="recognition.awarding"):
        awarded = awarding.backfill()

    assert awarded == 1
    assert held(member) == {"one-year"}
    assert "first-answer" in caplog.text


def test_backfill_queries_per_chunk_do_not_grow_with_members(django_assert_max_num_queries):
    members(3, prefix="early")
    with django_assert_max_num_queries(40) as few:
        awarding.backfill(chunk_size=100)
    members(30, prefix="later")

    with django_assert_max_num_queries(len(few.captured_queries)):
        awarding.backfill(chunk_size=100)


def test_nightly_task_runs_the_backfill_and_is_scheduled(member):
    User.objects.filter(pk=member.pk).update(date_joined=timezone.now() - timedelta(days=400))

    assert award_badges_nightly.delay().get() == 1
    assert held(member) == {"one-year"}
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "recognition.tasks.award_badges_nightly" in scheduled
