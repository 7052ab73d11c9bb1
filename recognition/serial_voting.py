"""Serial voting: one member voting for many posts of the same author in a short time.

The nightly check looks at the vote points granted in the last
RECOGNITION_SERIAL_LOOKBACK_HOURS. Whenever one voter gave one author
RECOGNITION_SERIAL_VOTES or more votes within RECOGNITION_SERIAL_MINUTES,
every vote in such a burst is taken back, in one transaction per pair with
one audit entry. The votes themselves stay (the posts' helpful counts are the
readers' signal); only the reputation they earned goes.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from moderation import audit
from recognition import ledger
from recognition.models import PointsEntry

logger = logging.getLogger(__name__)


@dataclass
class Burst:
    voter_id: int
    author_id: int
    entry_ids: list[int] = field(default_factory=list)


def find_bursts(*, now=None) -> list[Burst]:
    """Each (voter, author) pair with a burst of votes in the lookback window, with every entry in a burst."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.RECOGNITION_SERIAL_LOOKBACK_HOURS)
    window = timedelta(minutes=settings.RECOGNITION_SERIAL_MINUTES)
    needed = settings.RECOGNITION_SERIAL_VOTES
    rows = (
        PointsEntry.objects.live()
        .filter(reason__in=ledger.VOTES, actor__isnull=False, created_at__gte=since)
        .exclude(cause=PointsEntry.Cause.POST_RESTORED)
        .order_by("actor_id", "member_id", "created_at", "pk")
        .values_list("pk", "actor_id", "member_id", "created_at")
    )
    by_pair: dict[tuple[int, int], list[tuple[int, datetime]]] = defaultdict(list)
    for pk, actor_id, member_id, created_at in rows:
        by_pair[(actor_id, member_id)].append((pk, created_at))
    bursts = []
    for (voter_id, author_id), votes in by_pair.items():
        caught: set[int] = set()
        start = 0
        for end in range(len(votes)):
            while votes[end][1] - votes[start][1] > window:
                start += 1
            if end - start + 1 >= needed:
                caught.update(pk for pk, _ in votes[start : end + 1])
        if caught:
            bursts.append(Burst(voter_id, author_id, sorted(caught)))
    return bursts


def reverse_burst(burst: Burst, *, event_id: str) -> int:
    """Take back one burst's points and audit it, in one transaction; returns the points taken back."""
    with transaction.atomic():
        reversals = ledger.reverse(
            PointsEntry.objects.filter(pk__in=burst.entry_ids),
            cause=PointsEntry.Cause.SERIAL_VOTING,
            event_id=event_id,
            note="Serial voting",
        )
        if not reversals:
            return 0
        points = -sum(r.amount for r in reversals)
        voter = User.objects.get(pk=burst.voter_id)
        author = User.objects.get(pk=burst.author_id)
        audit.votes_reversed(
            voter,
            author=author,
            votes=len(reversals),
            points=points,
            reason=(
                f"{len(reversals)} votes for @{author.username}'s posts within "
                f"{settings.RECOGNITION_SERIAL_MINUTES} minutes of each other."
            ),
        )
    return points


def reverse_serial_votes(*, now=None) -> int:
    """Find and take back every burst; one pair's failure doesn't stop the rest. Returns how many pairs."""
    run = (now or timezone.now()).strftime("serial-%Y%m%d%H%M")
    reversed_pairs = 0
    for burst in find_bursts(now=now):
        try:
            reversed_pairs += reverse_burst(burst, event_id=run) > 0
        except Exception:
            logger.exception("could not reverse serial votes by %s for %s", burst.voter_id, burst.author_id)
    return reversed_pairs
