import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import HelpfulVote, Post, Thread
from moderation.models import AuditEntry
from outbox.models import Event
from recognition import selectors
from recognition.ledger import reputation_disagreements
from recognition.models import Award, PointsEntry, SuperUserChange
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def board(period: str) -> list[tuple[str, int]]:
    return [(member.username, member.score) for member in selectors.leaderboard(period)]


def test_seed_demo_fills_the_week_month_and_all_time_boards_differently():
    seed()

    week, month, all_time = board("week"), board("month"), board("all")

    assert week and month and all_time
    assert week != all_time and month != all_time
    if selectors.period_start("week") != selectors.period_start("month"):
        assert week != month
    assert all_time[0][0] == "sam"


def test_seed_demo_history_spans_weeks_and_reputation_is_the_ledgers_sum():
    seed()

    span = PointsEntry.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["last"] - span["first"] > timedelta(days=35)
    assert span["last"] <= timezone.now()
    sam = User.objects.get(username="sam")
    assert len(selectors.reputation_by_day(sam)) >= 10
    assert sam.rank == "Expert"
    assert reputation_disagreements() == []


def test_seed_demo_makes_one_super_user_on_staffs_word():
    seed()

    super_users = User.objects.filter(super_user__in=[User.SuperUser.EARNED, User.SuperUser.NOMINATED])
    assert list(super_users.values_list("username", flat=True)) == ["sam"]
    change = SuperUserChange.objects.get(member__username="sam")
    assert change.decided_by.username == "tess"
    assert AuditEntry.objects.filter(target_type="member", target_id=change.member_id).exists()


def test_seed_demo_awards_earned_badges_and_a_thank_you_with_its_citation():
    seed()

    held = set(Award.objects.filter(member__username="sam").values_list("badge", flat=True))
    assert {
        "first-answer",
        "first-accepted",
        "helpful-10",
        "accepted-10",
        "regular-helper",
        "thank-you",
        "one-year",
    } <= held
    thanks = Award.objects.get(badge="thank-you")
    assert thanks.awarded_by.username == "tess"
    assert "step-by-step answers" in thanks.citation
    assert Award.objects.exclude(member__username="sam").filter(badge="first-accepted").exists()
    assert Award.objects.filter(member__username="lena", badge="idea-shipped").exists()
    # Earned on the days the history happened, not all at once.
    assert Award.objects.dates("awarded_at", "day").count() >= 5


def test_team_page_shows_the_demo_staff_with_roles_photos_and_what_they_look_after(client):
    seed()

    page = parse_html(client.get(reverse("recognition:team")).content)

    cards = page.find_all("li", cls="team-card")
    assert {card.find("h2").text for card in cards} == {"Tess Nakamura", "Olivia Brown", "Ravi Kapoor"}
    for card in cards:
        assert card.find("p", cls="team-card-role").text != "On the team"
        assert card.find("p", cls="team-card-focus") is not None
        assert card.find("p", cls="team-card-bio") is not None
        assert card.find("img", cls="avatar") is not None


def test_seed_demo_twice_adds_nothing_the_second_time():
    def counts():
        return {
            model.__name__: model.objects.count()
            for model in (User, Thread, Post, HelpfulVote, PointsEntry, Award, SuperUserChange, AuditEntry, Event)
        } | {"reputation": list(User.objects.order_by("pk").values_list("pk", "reputation", "avatar"))}

    seed()
    before = counts()

    seed()

    assert counts() == before
    assert reputation_disagreements() == []
