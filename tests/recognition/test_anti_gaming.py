"""The rules that keep reputation honest: nothing from your own actions, daily caps, no points from
suspended or brand-new voters, serial voting taken back nightly, and a banned member's votes undone."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community import events
from community.models import Thread
from community.services import posts, threads, votes
from moderation.models import AuditEntry
from moderation.services import sanctions, spam
from outbox import bus
from recognition import ledger, tasks
from recognition.awarding import earned
from recognition.models import Award, PointsEntry
from tests.builders import build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db


def reputation(user) -> int:
    return User.objects.values_list("reputation", flat=True).get(pk=user.pk)


def amounts(user) -> list[int]:
    return list(PointsEntry.objects.filter(member=user).order_by("pk").values_list("amount", flat=True))


@pytest.fixture
def voters(db):
    return [build_member(username=f"voter{n}") for n in range(6)]


@pytest.fixture
def replies(other_member, question):
    return [build_reply(other_member, question.opening_post, body=f"Idea number {n}.") for n in range(6)]


@pytest.fixture
def clock(monkeypatch):
    """Set when the ledger's next entries are written (the ledger never lets a row's time change later)."""
    field = PointsEntry._meta.get_field("created_at")

    def set_to(moment):
        # Django reads a field's default through this cached callable.
        monkeypatch.setattr(field, "_get_default", lambda: moment)

    return set_to


# Your own actions ---------------------------------------------------------------


def test_accepting_your_own_answer_earns_nothing(member, question):
    own = build_reply(member, question.opening_post, body="Never mind, I found it: reset the hub.")

    posts.accept_answer(member, post=own)

    assert reputation(member) == 0
    assert not PointsEntry.objects.exists()


def test_a_vote_on_your_own_post_earns_nothing(other_member, answer):
    with transaction.atomic():
        bus.publish(events.PostVoted(answer.thread_id, answer.pk, other_member.pk, other_member.pk, helpful=True))

    assert reputation(other_member) == 0


def test_staff_shipping_their_own_idea_earn_nothing(staff, category):
    idea = build_thread(staff, category=category, kind="idea", title="A dark mode for the app")

    threads.set_idea_status(staff, thread=idea, status=Thread.IdeaStatus.SHIPPED)

    assert reputation(staff) == 0


# Who votes -------------------------------------------------------------------------


def test_votes_by_members_at_trust_level_zero_earn_nothing(other_member, answer, category):
    newcomer = build_member(username="newcomer", trust_level=User.TrustLevel.NEW)
    idea = build_thread(other_member, category=category, kind="idea", title="Let the hub dim at sunset")

    votes.mark_helpful(newcomer, post=answer)
    votes.vote_idea(newcomer, thread=idea)

    assert reputation(other_member) == 0
    assert Thread.objects.get(pk=idea.pk).vote_count == 1  # the vote itself still counts


def test_votes_by_suspended_members_earn_nothing(other_member, answer, voters):
    suspended = voters[0]
    User.objects.filter(pk=suspended.pk).update(suspended_until=timezone.now() + timedelta(days=3))

    with transaction.atomic():
        bus.publish(events.PostVoted(answer.thread_id, answer.pk, other_member.pk, suspended.pk, helpful=True))
        bus.publish(events.IdeaVoted(answer.thread_id, other_member.pk, suspended.pk, voted=True))

    assert reputation(other_member) == 0


def test_a_suspension_that_ended_does_not_hold_votes_back(other_member, answer, voters):
    User.objects.filter(pk=voters[0].pk).update(suspended_until=timezone.now() - timedelta(days=1))

    votes.mark_helpful(User.objects.get(pk=voters[0].pk), post=answer)

    assert reputation(other_member) == 10


# Daily caps -------------------------------------------------------------------------


def test_votes_stop_earning_at_the_daily_cap_but_accepted_answers_do_not(
    settings, member, other_member, replies, voters
):
    settings.RECOGNITION_DAILY_CAP = 25
    for voter in voters[:4]:
        votes.mark_helpful(voter, post=replies[0])

    # Exempt from the cap, as on Stack Overflow: an accepted answer is one asker's considered choice.
    posts.accept_answer(member, post=replies[0])

    assert amounts(other_member) == [10, 10, 5, 0, 15]
    assert reputation(other_member) == 40


def test_the_daily_cap_starts_again_the_next_day(settings, clock, other_member, replies, voters):
    settings.RECOGNITION_DAILY_CAP = 20
    clock(timezone.now() - timedelta(days=1))
    votes.mark_helpful(voters[0], post=replies[0])
    votes.mark_helpful(voters[1], post=replies[0])
    clock(timezone.now())

    votes.mark_helpful(voters[2], post=replies[0])
    votes.mark_helpful(voters[3], post=replies[0])
    votes.mark_helpful(voters[4], post=replies[0])

    assert amounts(other_member) == [10, 10, 10, 10, 0]


def test_one_member_can_give_another_only_the_per_member_cap_in_a_day(settings, other_member, replies, voters):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 30
    for reply in replies[:4]:
        votes.mark_helpful(voters[0], post=reply)
    votes.mark_helpful(voters[1], post=replies[0])

    assert amounts(other_member) == [10, 10, 10, 0, 10]


def test_undoing_a_vote_does_not_give_its_share_of_the_cap_back(settings, other_member, replies, voters):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 20
    votes.mark_helpful(voters[0], post=replies[0])
    votes.mark_helpful(voters[0], post=replies[1])
    votes.unmark_helpful(voters[0], post=replies[1])

    votes.mark_helpful(voters[0], post=replies[1])

    assert reputation(other_member) == 10


def test_a_capped_vote_undone_takes_back_nothing_more(settings, other_member, replies, voters):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 10
    votes.mark_helpful(voters[0], post=replies[0])
    votes.mark_helpful(voters[0], post=replies[1])

    votes.unmark_helpful(voters[0], post=replies[1])

    assert reputation(other_member) == 10


# Serial voting ------------------------------------------------------------------------


def test_serial_votes_are_taken_back_nightly_with_an_audit_entry(settings, clock, other_member, replies, voters):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 1000
    start = timezone.now() - timedelta(hours=3)
    for minutes, reply in zip((0, 5, 10, 15, 20), replies, strict=False):
        clock(start + timedelta(minutes=minutes))
        votes.mark_helpful(voters[0], post=reply)
    votes.mark_helpful(voters[1], post=replies[0])
    clock(timezone.now())
    assert reputation(other_member) == 60

    assert tasks.reverse_serial_votes() == 1

    assert reputation(other_member) == 10
    reversals = PointsEntry.objects.filter(cause=PointsEntry.Cause.SERIAL_VOTING)
    assert reversals.count() == 5 and set(reversals.values_list("actor_id", flat=True)) == {voters[0].pk}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VOTES_REVERSED)
    assert (entry.actor, entry.target_type, entry.target_id) == (None, "member", voters[0].pk)
    assert entry.after["votes"] == 5 and entry.after["points"] == 50 and entry.after["author"] == other_member.pk

    # Running again (a retried task) takes nothing more.
    assert tasks.reverse_serial_votes() == 0
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VOTES_REVERSED).count() == 1


def test_votes_spread_out_or_too_few_are_not_serial(settings, clock, member, other_member, replies, voters):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 1000
    start = timezone.now() - timedelta(hours=5)
    for minutes, reply in zip((0, 20, 40, 60, 80), replies, strict=False):
        clock(start + timedelta(minutes=minutes))
        votes.mark_helpful(voters[0], post=reply)
    for reply in replies[:4]:
        votes.mark_helpful(voters[1], post=reply)
    clock(timezone.now())

    assert tasks.reverse_serial_votes() == 0

    assert reputation(other_member) == 90
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VOTES_REVERSED).exists()


def test_votes_older_than_the_lookback_are_left_alone(settings, clock, other_member, replies, voters):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 1000
    clock(timezone.now() - timedelta(hours=settings.RECOGNITION_SERIAL_LOOKBACK_HOURS + 1))
    for reply in replies[:5]:
        votes.mark_helpful(voters[0], post=reply)
    clock(timezone.now())

    assert tasks.reverse_serial_votes() == 0
    assert reputation(other_member) == 50


def _serial_burst(clock, voter, posts_voted):
    """`voter` votes for each of `posts_voted` a minute apart, three hours ago: a burst for the nightly check."""
    start = timezone.now() - timedelta(hours=3)
    for minutes, post in enumerate(posts_voted):
        clock(start + timedelta(minutes=minutes))
        votes.mark_helpful(voter, post=post)
    clock(timezone.now())


def test_serial_votes_taken_back_no_longer_count_toward_helpful_badges(settings, clock, other_member, replies):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 1000
    _serial_burst(clock, build_member(username="ring"), replies[:5])
    for n in range(5):
        votes.mark_helpful(build_member(username=f"honest{n}"), post=replies[5])
    assert earned("helpful-10", other_member)

    assert tasks.reverse_serial_votes() == 1

    assert not earned("helpful-10", other_member)
    tasks.award_badges_nightly()
    assert not Award.objects.filter(member=other_member, badge__startswith="helpful").exists()
    for n in range(5, 10):
        votes.mark_helpful(build_member(username=f"honest{n}"), post=replies[5])
    assert earned("helpful-10", other_member)


def test_serial_votes_taken_back_stay_taken_back(settings, clock, moderator, other_member, replies):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 1000
    _serial_burst(clock, build_member(username="ring"), replies[:5])
    tasks.reverse_serial_votes()
    assert reputation(other_member) == 0

    # Neither the next night's checks nor removing the posts and giving them back earns them again.
    assert tasks.reverse_serial_votes() == 0
    tasks.award_badges_nightly()
    spam.purge_spammer(moderator, member=other_member, reason="Looked like spam.")
    spam.unpurge_spammer(moderator, member=other_member, reason="A real customer after all.")
    assert reputation(other_member) == 0
    assert PointsEntry.objects.filter(member=other_member).live().count() == 0


# Bans --------------------------------------------------------------------------------


def test_banning_a_member_takes_back_every_point_they_gave_in_the_ban(
    member, other_member, question, replies, voters, moderator, category
):
    ringleader = voters[0]
    idea = build_thread(member, category=category, kind="idea", title="Let the hub dim at sunset")
    votes.mark_helpful(ringleader, post=replies[0])
    votes.mark_helpful(ringleader, post=question.opening_post)
    votes.vote_idea(ringleader, thread=idea)
    votes.mark_helpful(voters[1], post=replies[1])
    votes.mark_helpful(other_member, post=question.opening_post)
    assert (reputation(other_member), reputation(member)) == (20, 12)

    sanction = sanctions.ban(moderator, member=ringleader, reason="Ran a vote ring.")

    assert (reputation(other_member), reputation(member)) == (10, 5)
    reversals = PointsEntry.objects.filter(cause=PointsEntry.Cause.VOTER_BANNED)
    assert reversals.count() == 3
    # One action: all three reversals come from the ban's one event.
    assert len({r.source_event_id for r in reversals}) == 1
    assert sanction.member_id == ringleader.pk


def test_a_ban_keeps_the_banned_members_own_reputation(other_member, replies, voters, moderator):
    votes.mark_helpful(voters[0], post=replies[0])

    sanctions.ban(moderator, member=other_member, reason="Spam.")

    assert reputation(other_member) == 10


def test_a_banned_members_later_votes_earn_nothing(other_member, answer, voters, moderator):
    sanctions.ban(moderator, member=voters[0], reason="Vote ring.")

    with transaction.atomic():
        bus.publish(events.PostVoted(answer.thread_id, answer.pk, other_member.pk, voters[0].pk, helpful=True))

    assert reputation(other_member) == 0
    assert ledger.vote_counts(User.objects.get(pk=voters[0].pk)) is False


def test_the_audit_log_shows_the_reversal_to_staff_only(client, settings, clock, staff, other_member, replies):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 1000
    ring = build_member(username="ringvoter")
    clock(timezone.now() - timedelta(hours=1))
    for reply in replies[:5]:
        votes.mark_helpful(ring, post=reply)
    clock(timezone.now())
    tasks.reverse_serial_votes()

    client.force_login(other_member)
    assert client.get(reverse("moderation:audit")).status_code == 403
    client.force_login(staff)
    response = client.get(reverse("moderation:audit"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Serial votes reversed" in html and "@ringvoter" in html


def test_a_ban_that_fails_takes_back_nothing(other_member, replies, voters, moderator):
    votes.mark_helpful(voters[0], post=replies[0])

    with pytest.raises(RuntimeError), transaction.atomic():
        sanctions.ban(moderator, member=voters[0], reason="Vote ring.")
        assert reputation(other_member) == 0
        raise RuntimeError("the request failed after the ban")

    assert reputation(other_member) == 10
    assert not PointsEntry.objects.filter(cause=PointsEntry.Cause.VOTER_BANNED).exists()
