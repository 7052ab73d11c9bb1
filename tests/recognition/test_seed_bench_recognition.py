from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import F, Sum
from django.utils import timezone

from accounts.models import User
from community.models import HelpfulVote, Thread
from recognition.awarding import backfill
from recognition.ledger import CAPPED, day_start, reputation_disagreements
from recognition.management.commands.seed_bench_recognition import EVENT_PREFIX, SUPER_USERS_AT_LEAST
from recognition.models import Award, PointsEntry, SuperUserChange
from tests.helpers import assert_consistent

pytestmark = pytest.mark.django_db

SCALE = "0.002"


def seed_recognition():
    out = StringIO()
    call_command("seed_bench_recognition", stdout=out)
    return out.getvalue()


@pytest.fixture
def bench():
    call_command("seed_bench", "--scale", SCALE, stdout=StringIO())


def snapshot():
    return (
        list(PointsEntry.objects.order_by("pk").values_list("member_id", "amount", "reason", "source_event_id")),
        list(Award.objects.order_by("key").values_list("key", flat=True)),
        list(SuperUserChange.objects.order_by("pk").values_list("member_id", "status")),
        list(User.objects.order_by("pk").values_list("pk", "reputation", "super_user", "staff_role")),
    )


def test_without_bench_data_nothing_is_written():
    assert "run seed_bench first" in seed_recognition()
    assert not PointsEntry.objects.exists()


def test_reputation_is_each_members_ledger_sum(bench):
    output = seed_recognition()

    assert "recognition data ready" in output
    assert reputation_disagreements() == []
    assert_consistent()
    top = User.objects.order_by("-reputation").first()
    assert top.reputation > 0
    assert top.reputation == PointsEntry.objects.filter(member=top).aggregate(total=Sum("amount"))["total"]


def test_the_ledger_comes_from_the_seeded_votes_and_accepted_answers(bench):
    seed_recognition()

    entries = PointsEntry.objects.filter(source_event_id__startswith=EVENT_PREFIX)
    reasons = set(entries.values_list("reason", flat=True))
    assert {PointsEntry.Reason.HELPFUL_ANSWER, PointsEntry.Reason.ANSWER_ACCEPTED} <= reasons
    answered_by_others = Thread.objects.filter(
        accepted_answer__isnull=False, accepted_answer__is_deleted=False, is_deleted=False
    ).exclude(accepted_answer__author=F("author"))
    assert answered_by_others.exists()
    assert entries.filter(reason=PointsEntry.Reason.ANSWER_ACCEPTED).count() == answered_by_others.count()
    points = settings.RECOGNITION_POINTS
    uncapped = entries.exclude(reason__in=CAPPED)
    assert all(amount == points[reason] for reason, amount in uncapped.values_list("reason", "amount"))
    # Each counted vote is a seeded vote, and no member earns from their own vote.
    votes = set(HelpfulVote.objects.values_list("pk", flat=True))
    helpful = entries.filter(reason__in=[PointsEntry.Reason.HELPFUL_ANSWER, PointsEntry.Reason.HELPFUL_QUESTION])
    assert {int(event.rsplit("-", 1)[1]) for event in helpful.values_list("source_event_id", flat=True)} <= votes
    assert not entries.exclude(reason=PointsEntry.Reason.ACCEPTED_AN_ANSWER).filter(actor_id=F("member_id"))


def test_votes_by_new_members_earn_nothing_and_the_daily_caps_hold(bench):
    seed_recognition()

    new_members = User.objects.filter(trust_level=User.TrustLevel.NEW, username__startswith="bench")
    assert new_members.exists()
    assert not PointsEntry.objects.filter(reason__in=CAPPED, actor__in=new_members).exists()
    per_day, per_actor = defaultdict(int), defaultdict(int)
    for member, actor, amount, at in PointsEntry.objects.filter(reason__in=CAPPED).values_list(
        "member_id", "actor_id", "amount", "created_at"
    ):
        per_day[member, day_start(at)] += amount
        per_actor[member, actor, day_start(at)] += amount
    assert max(per_day.values()) <= settings.RECOGNITION_DAILY_CAP
    assert max(per_actor.values()) <= settings.RECOGNITION_DAILY_CAP_PER_MEMBER


def test_entries_spread_over_the_last_year_so_short_boards_have_lines(bench):
    seed_recognition()

    now = timezone.now()
    times = list(PointsEntry.objects.values_list("created_at", flat=True))
    assert min(times) >= now - timedelta(days=366)
    assert max(times) <= now
    assert any(at >= now - timedelta(days=31) for at in times)


def test_members_hold_the_badges_their_rows_earn(bench):
    seed_recognition()

    badges = set(Award.objects.values_list("badge", flat=True))
    assert {"first-answer", "one-year"} <= badges
    assert all(key.startswith(f"{badge}:") for key, badge in Award.objects.values_list("key", "badge"))
    # The sweep that runs nightly finds nothing left to award.
    assert backfill() == 0


def test_staff_get_roles_and_some_members_become_super_users(bench):
    seed_recognition()

    staff = User.objects.filter(is_staff_member=True, username__startswith="bench")
    assert staff.exists()
    assert not staff.filter(staff_role="").exists()
    assert not staff.filter(team_focus="").exists()
    supers = User.objects.filter(super_user__in=[User.SuperUser.EARNED, User.SuperUser.NOMINATED])
    assert supers.count() >= SUPER_USERS_AT_LEAST
    assert not supers.filter(is_staff_member=True).exists()
    assert SuperUserChange.objects.count() == supers.count()
    threshold = settings.RECOGNITION_SUPER_USER_REPUTATION
    assert not supers.filter(super_user=User.SuperUser.EARNED, reputation__lt=threshold).exists()


def test_running_it_again_adds_nothing(bench):
    seed_recognition()
    before = snapshot()

    output = seed_recognition()

    assert "already present" in output
    assert snapshot() == before


def test_remove_takes_it_all_away_so_the_bench_can_be_rebuilt(bench):
    seed_recognition()
    call_command("seed_bench_recognition", "--remove", stdout=StringIO())

    assert not PointsEntry.objects.exists()
    assert not Award.objects.exists()
    assert not SuperUserChange.objects.exists()
    assert not User.objects.exclude(reputation=0).exists()
    assert not User.objects.exclude(staff_role="").exists()
    call_command("seed_bench", "--scale", SCALE, "--force", stdout=StringIO())
    assert "recognition data ready" in seed_recognition()
    assert reputation_disagreements() == []
