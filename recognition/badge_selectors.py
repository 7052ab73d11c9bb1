"""Reads for the badge pages and for anything that shows a member's badges."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, QuerySet

from accounts.selectors import unshown_fields
from recognition import badges
from recognition.models import Award


def shown_awards() -> QuerySet[Award]:
    """Awards to members whose profiles are public: a banned member's badges are not listed."""
    return Award.objects.filter(member__is_active=True)


def holder_counts() -> dict[str, int]:
    """How many members hold each badge (a member thanked twice counts once). One query."""
    rows = shown_awards().order_by().values("badge").annotate(n=Count("member", distinct=True))
    return {row["badge"]: row["n"] for row in rows}


def badge_awards(slug: str) -> QuerySet[Award]:
    """A badge's awards, newest first, with what the page shows of each holder (and giver) and nothing else."""
    return (
        shown_awards()
        .filter(badge=slug)
        .select_related("member", "category", "awarded_by")
        .defer(*unshown_fields("member__"), *unshown_fields("awarded_by__"))
        .order_by("-awarded_at", "-pk")
    )


@dataclass(frozen=True)
class HeldBadge:
    badge: badges.Badge
    times: int  # a per-category badge once per category, a thank-you once per citation
    latest: datetime


def member_badges(member_id: int) -> list[HeldBadge]:
    """The badges a member holds, gold first, then newest first. One query."""
    rows = (
        Award.objects.filter(member_id=member_id)
        .order_by()
        .values("badge")
        .annotate(times=Count("pk"), latest=Max("awarded_at"))
    )
    held = [
        HeldBadge(badge=badge, times=row["times"], latest=row["latest"])
        for row in rows
        if (badge := badges.get(row["badge"])) is not None
    ]
    tier = {name: i for i, name in enumerate(reversed(badges.TIERS))}
    return sorted(held, key=lambda h: (tier[h.badge.tier], -h.latest.timestamp()))
