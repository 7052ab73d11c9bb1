"""Trust levels read the reputation the points ledger keeps, not a count of helpful votes."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import Post
from community.services import posts, votes
from moderation.services import trust
from recognition import tasks
from recognition.models import PointsEntry
from tests.builders import build_member, build_reply

pytestmark = pytest.mark.django_db

SMALL = {
    1: {"days_active": 1, "posts": 1},
    2: {"days_active": 1, "posts": 2, "reputation": 20},
}


@pytest.fixture
def small_thresholds(settings):
    settings.TRUST_LEVEL_THRESHOLDS = SMALL


@pytest.fixture
def helper_replies(other_member, question):
    return [build_reply(other_member, question.opening_post, body=f"Try step {n}.") for n in range(5)]


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def test_activity_reports_the_members_reputation(member, other_member, answer):
    posts.accept_answer(member, post=answer)

    assert trust.member_activity(fresh(other_member)).reputation == 15


def test_reputation_lifts_a_member_to_the_next_level(small_thresholds, member, other_member, helper_replies):
    assert trust.recalculate_trust(fresh(other_member)) == 1

    votes.mark_helpful(member, post=helper_replies[0])
    votes.mark_helpful(build_member(username="second"), post=helper_replies[1])

    assert trust.recalculate_trust(fresh(other_member)) == 2


def test_helpful_votes_that_earn_no_reputation_earn_no_trust(small_thresholds, other_member, helper_replies):
    # Newcomers' votes count on the post but earn no points, so they can't lift anyone's trust either.
    for n, reply in enumerate(helper_replies[:3]):
        votes.mark_helpful(build_member(username=f"new{n}", trust_level=User.TrustLevel.NEW), post=reply)

    assert Post.objects.get(pk=helper_replies[0].pk).helpful_count == 1
    assert trust.member_activity(fresh(other_member)).helpful_received == 3
    assert trust.recalculate_trust(fresh(other_member)) == 1


def test_serial_votes_taken_back_take_the_trust_they_gave(
    settings, small_thresholds, monkeypatch, other_member, helper_replies
):
    settings.RECOGNITION_DAILY_CAP_PER_MEMBER = 1000
    field = PointsEntry._meta.get_field("created_at")
    monkeypatch.setattr(field, "_get_default", lambda: timezone.now() - timedelta(hours=2))
    ring = build_member(username="ring")
    for reply in helper_replies:
        votes.mark_helpful(ring, post=reply)
    monkeypatch.undo()
    assert trust.recalculate_trust(fresh(other_member)) == 2

    tasks.reverse_serial_votes()

    assert fresh(other_member).reputation == 0
    assert trust.recalculate_trust(fresh(other_member)) == 1


def test_the_member_page_shows_reputation_and_what_the_next_level_needs(
    client, small_thresholds, moderator, member, other_member, answer
):
    posts.accept_answer(member, post=answer)
    client.force_login(moderator)

    response = client.get(reverse("moderation:member", kwargs={"username": other_member.username}))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<dt>Reputation</dt><dd>15</dd>" in html
    assert '<tr><th scope="row">Reputation</th><td>15</td><td>20</td></tr>' in html
