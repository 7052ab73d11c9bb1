"""Trust levels 0-4, earned from activity and held down by recent sanctions.

A member reaches a level when they meet every threshold of it and of the
levels below (settings.TRUST_LEVEL_THRESHOLDS). A suspension or ban that is in
force, or ended within settings.TRUST_SANCTION_DAYS, holds them at level 0; a
warning given within that window caps them at 1. Lifted sanctions don't count:
lifting one says it should not have been given.

Levels are recalculated nightly for everyone recently active, which is where
they fall. They rise sooner: recognition asks for a raise in the transaction
that moves a member's reputation past a level's threshold (`crossed_a_level`),
so the trust earned by help given today counts today.
"""

import logging
import operator
from dataclasses import asdict, dataclass
from datetime import timedelta
from functools import reduce

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from community.models import HelpfulVote, Post, Review, Thread
from community.permissions import is_moderator, is_staff
from moderation import audit
from moderation.models import Flag, Sanction

logger = logging.getLogger(__name__)

TOP_LEVEL = max(User.TrustLevel.values)


@dataclass(frozen=True)
class Activity:
    """What a member did, as the trust rules and the member moderation page count it."""

    days_active: int = 0
    posts: int = 0
    threads: int = 0
    accepted_answers: int = 0
    # The points ledger's sum, which recognition keeps on the member's row:
    # helpful votes, accepted answers, shipped ideas and upheld flags, net of
    # what was taken back (self-dealing, serial votes, removed posts).
    reputation: int = 0
    helpful_received: int = 0
    flags_raised: int = 0
    flags_upheld: int = 0
    flags_declined: int = 0

    @property
    def flag_accuracy(self) -> int | None:
        """Upheld flags as a percentage of the decided ones, or None before any was decided."""
        decided = self.flags_upheld + self.flags_declined
        return round(100 * self.flags_upheld / decided) if decided else None

    def as_dict(self) -> dict:
        return asdict(self)


def member_activity(member) -> Activity:
    """Count a member's published posts, active days, answers, helpful votes and flags: three queries.

    Reputation is read from `member` itself: recognition keeps it on the row.
    """
    posts = Post.objects.filter(author=member, is_deleted=False, review=Review.PUBLISHED, thread__is_deleted=False)
    counted = posts.aggregate(
        posts=Count("pk"),
        threads=Count("pk", filter=Q(parent__isnull=True)),
        days_active=Count(TruncDate("created_at"), distinct=True),
        helpful_received=Sum("helpful_count", default=0),
    )
    accepted = Thread.objects.filter(
        accepted_answer__author=member, accepted_answer__is_deleted=False, is_deleted=False
    ).count()
    flags = Flag.objects.filter(flagger=member).aggregate(
        raised=Count("pk"),
        upheld=Count("pk", filter=Q(outcome=Flag.Outcome.HELPFUL)),
        declined=Count("pk", filter=Q(outcome=Flag.Outcome.DECLINED)),
    )
    return Activity(
        days_active=counted["days_active"],
        posts=counted["posts"],
        threads=counted["threads"],
        accepted_answers=accepted,
        reputation=member.reputation,
        helpful_received=counted["helpful_received"],
        flags_raised=flags["raised"],
        flags_upheld=flags["upheld"],
        flags_declined=flags["declined"],
    )


def sanction_cap(member, *, now=None) -> int | None:
    """The highest level a member's recent sanctions allow, or None when nothing holds them back."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.TRUST_SANCTION_DAYS)
    holding = Q(kind__in=[Sanction.Kind.SUSPENSION, Sanction.Kind.BAN]) & (
        Q(ends_at=None) | Q(ends_at__gte=since) | Q(created_at__gte=since)
    )
    capping = Q(kind=Sanction.Kind.WARNING, created_at__gte=since)
    kinds = set(
        Sanction.objects.filter(holding | capping, member=member, lifted_at=None).values_list("kind", flat=True)
    )
    if kinds & {Sanction.Kind.SUSPENSION, Sanction.Kind.BAN}:
        return 0
    if Sanction.Kind.WARNING in kinds:
        return 1
    return None


def level_for(activity: Activity, *, cap: int | None = None) -> int:
    """The highest level whose thresholds, and those of every level below, the activity meets."""
    thresholds = settings.TRUST_LEVEL_THRESHOLDS
    values = activity.as_dict()
    level = 0
    for candidate in sorted(thresholds):
        if all(values.get(name, 0) >= needed for name, needed in thresholds[candidate].items()):
            level = candidate
        else:
            break
    level = min(level, TOP_LEVEL)
    return level if cap is None else min(level, cap)


def crossed_a_level(old_reputation: int, new_reputation: int) -> bool:
    """Whether reputation rising from `old_reputation` to `new_reputation` reached a level's reputation threshold."""
    return any(
        old_reputation < needed["reputation"] <= new_reputation
        for needed in settings.TRUST_LEVEL_THRESHOLDS.values()
        if "reputation" in needed
    )


def recalculate_trust(member, *, only_raise: bool = False, reason: str = "Recalculated from activity.") -> int:
    """Recompute and store `member`'s trust level; audit it when it changes. Returns the level.

    Locks the member's row (select_for_update) so concurrent recalculations and
    sanctions agree on what is stored. Moderators and staff never drop below
    the level they have: their standing comes from their role, not their posts.
    Super users stand at the top level unless a sanction caps it. With
    `only_raise`, a level the member no longer earns is left for the nightly
    sweep to lower.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        old = locked.trust_level
        cap = sanction_cap(locked)
        new = level_for(member_activity(locked), cap=cap)
        if locked.is_super_user:
            # Their flags should weigh the most: the community's and the team's trust outranks
            # the activity counts, and only a sanction holds it down.
            new = TOP_LEVEL if cap is None else min(TOP_LEVEL, cap)
        if only_raise or is_staff(locked) or is_moderator(locked):
            new = max(new, old)
        if new != old:
            User.objects.filter(pk=locked.pk).update(trust_level=new)
            audit.trust_changed(None, locked, old=old, new=new, reason=reason)
    member.trust_level = new
    return new


def recently_active_ids(*, since) -> set[int]:
    """Members whose level may have moved since `since`.

    They posted, had a post marked helpful (the commonest way reputation
    moves), had a flag decided, or a sanction
    of theirs stopped counting (its window of TRUST_SANCTION_DAYS just closed).
    Reputation also falls without leaving a dated row (an unvote, an unaccept,
    a removed post, a banned voter's points taken back), so everyone whose
    reputation is now below what their level needs is included too.
    """
    window_closed = since - timedelta(days=settings.TRUST_SANCTION_DAYS)
    window_end = timezone.now() - timedelta(days=settings.TRUST_SANCTION_DAYS)
    ids = set(Post.objects.filter(created_at__gte=since).values_list("author_id", flat=True).distinct())
    ids |= set(HelpfulVote.objects.filter(created_at__gte=since).values_list("post__author_id", flat=True).distinct())
    ids |= set(Flag.objects.filter(resolved_at__gte=since).values_list("flagger_id", flat=True).distinct())
    if below := _below_their_levels_reputation():
        ids |= set(User.objects.filter(below, is_active=True).values_list("pk", flat=True))
    ids |= set(
        Sanction.objects.filter(
            Q(created_at__range=(window_closed, window_end)) | Q(ends_at__range=(window_closed, window_end))
        )
        .values_list("member_id", flat=True)
        .distinct()
    )
    return ids


def _below_their_levels_reputation() -> Q | None:
    """Members whose reputation no longer reaches what their level needs; super users stand apart from it."""
    conditions = [
        Q(trust_level__gte=level, reputation__lt=needed["reputation"])
        for level, needed in settings.TRUST_LEVEL_THRESHOLDS.items()
        if "reputation" in needed
    ]
    if not conditions:
        return None
    return reduce(operator.or_, conditions) & ~Q(super_user__in=[User.SuperUser.EARNED, User.SuperUser.NOMINATED])


def recalculate_recent(*, since, chunk: int = 500) -> int:
    """Recalculate everyone recently active, in chunks; one member's failure doesn't stop the rest.

    Returns how many levels changed.
    """
    ids = sorted(recently_active_ids(since=since))
    changed = 0
    for start in range(0, len(ids), chunk):
        for member in User.objects.filter(pk__in=ids[start : start + chunk], is_active=True):
            before = member.trust_level
            try:
                after = recalculate_trust(member)
            except Exception:
                logger.exception("trust recalculation failed for member %s", member.pk)
                continue
            changed += after != before
    return changed
