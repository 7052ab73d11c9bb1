"""Ledger lines and awards written directly, for pages that only read them (profiles, leaderboards).

Both are leaf rows; the reputation a ledger line would bring is kept in step with it,
and announced, as the ledger itself does, so `recount` finds nothing to correct and
the member's profile moves on.
"""

import datetime
import itertools

from django.db.models import F
from django.utils import timezone

from accounts.models import User
from outbox import bus
from recognition.events import ReputationMoved
from recognition.models import Award, PointsEntry

_events = itertools.count(1)


def give_points(member, amount, *, at=None, days_ago=0, category=None, reason=PointsEntry.Reason.HELPFUL_ANSWER):
    """A ledger line `days_ago` (or `at` a time), and the reputation the ledger would keep in step with it."""
    n = next(_events)
    PointsEntry.objects.create(
        member=member,
        amount=amount,
        reason=reason,
        source_type=PointsEntry.Source.POST,
        source_id=n,
        source_event_id=f"test-{n}",
        category=category,
        created_at=at or timezone.now() - datetime.timedelta(days=days_ago),
    )
    User.objects.filter(pk=member.pk).update(reputation=F("reputation") + amount)
    bus.publish(ReputationMoved(member_id=member.pk, delta=amount))


def award(member, badge, *, category=None, **fields):
    key = f"{badge}:{member.pk}:{next(_events)}"
    return Award.objects.create(badge=badge, member=member, category=category, key=key, **fields)
