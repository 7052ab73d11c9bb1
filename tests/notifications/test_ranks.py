"""News of a rank reached: told when reputation lifts a member to a new rank, never when it drops them."""

import pytest
from django.core import mail

from notifications.models import Kind, Notification
from outbox.models import Event
from recognition import ledger
from recognition.models import PointsEntry

pytestmark = pytest.mark.django_db


def earn_promotion(member, source_id=1):
    # An answer promoted to the FAQ is worth 25 points: from Newcomer (0) to Contributor (25).
    return ledger.earn(
        member.pk, reason="faq_promoted", source_type="post", source_id=source_id, event_id=f"promo-{source_id}"
    )


def test_reaching_a_new_rank_tells_the_member_in_app_and_by_email(after_commit, member, settings):
    settings.NOTIFICATION_DEFAULTS = {**settings.NOTIFICATION_DEFAULTS, "rank": {"in_app": True, "email": True}}

    after_commit(earn_promotion, member)

    note = Notification.objects.get(recipient=member, kind=Kind.RANK)
    assert note.detail == "Contributor"
    [message] = [m for m in mail.outbox if m.to == [member.email]]
    assert "Contributor" in message.subject
    assert "List-Unsubscribe" in message.extra_headers


def test_the_rank_event_is_published_in_the_transaction_that_raised_the_reputation(member, settings):
    settings.NOTIFICATION_DEFAULTS = {**settings.NOTIFICATION_DEFAULTS, "rank": {"in_app": True, "email": False}}

    earn_promotion(member)  # no commit callbacks run: the outbox row is all there is

    [row] = Event.objects.filter(type="RankEarned").values_list("payload", flat=True)
    assert row["member_id"] == member.pk
    assert row["rank"] == "Contributor"


def test_dropping_a_rank_tells_nobody(after_commit, member, settings):
    settings.NOTIFICATION_DEFAULTS = {**settings.NOTIFICATION_DEFAULTS, "rank": {"in_app": True, "email": True}}
    after_commit(earn_promotion, member)
    Notification.objects.all().delete()
    mail.outbox.clear()

    after_commit(
        ledger.reverse, PointsEntry.objects.filter(member=member), cause="post_removed", event_id="undo-promo"
    )

    member.refresh_from_db()
    assert member.reputation == 0
    assert not Notification.objects.filter(recipient=member).exists()
    assert Event.objects.filter(type="RankEarned").count() == 1
    assert mail.outbox == []


def test_points_that_stay_within_a_rank_tell_nobody(after_commit, member):
    after_commit(ledger.earn, member.pk, reason="idea_vote", source_type="thread", source_id=1, event_id="vote-1")

    assert not Event.objects.filter(type="RankEarned").exists()
    assert not Notification.objects.filter(recipient=member, kind="rank").exists()
