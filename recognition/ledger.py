"""The points ledger: the one writer of PointsEntry rows and of accounts.User.reputation.

Points are written in the transaction of the action that earns them (by
recognition.receivers, subscribed in that transaction), so they are never
lost and never doubled: a redelivered event finds its entry already there
(one entry per event, member and reason). Undoing never deletes: it appends a
reversal naming the entry it undoes, and reputation moves with F() in the
same transaction.

Lock order: the members' rows, in id order (select_for_update), before
their ledger rows are read or written. The member's row is what serialises
the caps and the reversals, so fifty concurrent votes are counted one after
another and each reads the totals the last one left.

The rules that keep points honest:
- nobody earns from their own action (a vote on their own post, accepting
  their own answer, shipping their own idea, upholding their own flag);
- votes by suspended members and by members at trust level 0 earn nothing;
- votes are capped: RECOGNITION_DAILY_CAP a day in all, and
  RECOGNITION_DAILY_CAP_PER_MEMBER a day from any one other member.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, time

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from accounts.models import User
from outbox import bus
from recognition import standing
from recognition.events import ReputationMoved
from recognition.models import PointsEntry, PointsQuerySet

Reason = PointsEntry.Reason
Source = PointsEntry.Source
Cause = PointsEntry.Cause

VOTES = (Reason.HELPFUL_ANSWER, Reason.HELPFUL_QUESTION, Reason.IDEA_VOTE)
# Only votes count toward the daily caps. Accepted answers are exempt, as on
# Stack Overflow, and so are shipped ideas, FAQ promotions and upheld flags:
# each is one person's considered decision about one thing, which can happen
# only once per thread, answer or flag, whereas votes are many, cheap, and
# what vote rings trade in.
CAPPED = VOTES
# Rewarded for the member's own action: the asker closing their question.
OWN_ACTION = (Reason.ACCEPTED_AN_ANSWER,)


def day_start(moment: datetime | None = None) -> datetime:
    """Midnight UTC of `moment`'s day: the caps' day."""
    moment = moment or timezone.now()
    return datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)


def points_for(reason: str) -> int:
    return int(settings.RECOGNITION_POINTS[reason])


def vote_counts(voter: User) -> bool:
    """Whether a vote by `voter` may earn points: not at trust level 0, not suspended, not banned."""
    suspended = voter.suspended_until is not None and voter.suspended_until > timezone.now()
    return voter.is_active and voter.trust_level > User.TrustLevel.NEW and not suspended


def _lock(member_ids: Iterable[int]) -> dict[int, User]:
    """The members' rows, locked in id order, so that two writers locking several never deadlock."""
    ids = sorted(set(member_ids))
    return {user.pk: user for user in User.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _move(member: User, delta: int) -> None:
    old = member.reputation
    if delta:
        User.objects.filter(pk=member.pk).update(reputation=F("reputation") + delta)
        bus.publish(ReputationMoved(member_id=member.pk, delta=delta))
    member.reputation = old + delta
    standing.reputation_moved(member, old=old, new=member.reputation)


def _capped(member_id: int, actor_id: int | None, amount: int) -> int:
    """What is left of `amount` under the daily caps, counted over what the member was granted today.

    Undoing a vote doesn't give its share of the cap back, so voting and
    unvoting again and again earns no more than voting once a day would.
    """
    today = PointsEntry.objects.filter(
        member_id=member_id, reason__in=CAPPED, reverses=None, created_at__gte=day_start()
    ).exclude(cause=Cause.POST_RESTORED)
    totals = today.aggregate(
        all=Sum("amount", default=0),
        from_actor=Sum("amount", default=0, filter=Q(actor_id=actor_id)),
    )
    left = min(
        settings.RECOGNITION_DAILY_CAP - totals["all"],
        settings.RECOGNITION_DAILY_CAP_PER_MEMBER - totals["from_actor"],
    )
    return max(0, min(amount, left))


def earn(
    member_id: int,
    *,
    reason: str,
    source_type: str,
    source_id: int,
    event_id: str,
    actor_id: int | None = None,
    category_id: int | None = None,
    note: str = "",
) -> PointsEntry | None:
    """Grant `member_id` the points for `reason`, once per event; None when nothing is granted.

    Locks the member's row (select_for_update). A capped entry is still
    written, with what was left of the cap (perhaps 0), so undoing it later
    takes back exactly that.
    """
    if actor_id == member_id and reason not in OWN_ACTION:
        return None
    with transaction.atomic():
        member = _lock([member_id]).get(member_id)
        if member is None:
            return None
        if PointsEntry.objects.filter(
            source_event_id=event_id, member_id=member_id, reason=reason, reverses=None
        ).exists():
            return None
        amount = points_for(reason)
        if reason in CAPPED:
            amount = _capped(member_id, actor_id, amount)
        entry = PointsEntry.objects.create(
            member_id=member_id,
            amount=amount,
            reason=reason,
            source_type=source_type,
            source_id=source_id,
            actor_id=actor_id,
            category_id=category_id,
            source_event_id=event_id,
            note=note[:200],
        )
        _move(member, amount)
    return entry


def reverse(entries: PointsQuerySet, *, cause: str, event_id: str, note: str = "") -> list[PointsEntry]:
    """Append a reversal for each live entry among `entries`; returns the reversals.

    Locks the rows of the entries' members (select_for_update) and reads the
    entries again under those locks, so an entry that a concurrent reversal
    took first is not reversed twice.
    """
    with transaction.atomic():
        members = _lock(entries.values_list("member_id", flat=True).distinct().order_by())
        live = list(entries.live().filter(member_id__in=members).order_by("pk"))
        reversals = [
            PointsEntry.objects.create(
                member_id=entry.member_id,
                amount=-entry.amount,
                reason=entry.reason,
                source_type=entry.source_type,
                source_id=entry.source_id,
                actor_id=entry.actor_id,
                category_id=entry.category_id,
                source_event_id=event_id,
                reverses=entry,
                cause=cause,
                note=note[:200],
            )
            for entry in live
        ]
        moved: dict[int, int] = defaultdict(int)
        for reversal in reversals:
            moved[reversal.member_id] += reversal.amount
        for member_id, delta in sorted(moved.items()):
            _move(members[member_id], delta)
    return reversals


def restore(entries: PointsQuerySet, *, still_stands, event_id: str) -> list[PointsEntry]:
    """Earn again what removing a post took back: each entry among `entries` that a removal reversed
    and for which `still_stands(entry)` holds. Returns the new entries.

    Each is keyed by the entry it restores, so restoring twice, or a
    redelivered event, grants it once; a later removal reverses the restored
    entry in turn. Caps don't apply: these points were granted before.
    """
    with transaction.atomic():
        reversed_by_removal = entries.filter(reversal__cause=Cause.POST_REMOVED)
        members = _lock(reversed_by_removal.values_list("member_id", flat=True).distinct().order_by())
        candidates = list(reversed_by_removal.filter(member_id__in=members).order_by("pk"))
        keys = {entry.pk: f"restored-{entry.pk}" for entry in candidates}
        taken = set(
            PointsEntry.objects.filter(source_event_id__in=keys.values(), reverses=None).values_list(
                "source_event_id", flat=True
            )
        )
        restored = [
            PointsEntry.objects.create(
                member_id=entry.member_id,
                amount=entry.amount,
                reason=entry.reason,
                source_type=entry.source_type,
                source_id=entry.source_id,
                actor_id=entry.actor_id,
                category_id=entry.category_id,
                source_event_id=keys[entry.pk],
                cause=Cause.POST_RESTORED,
                note=f"Restored with the post ({event_id})"[:200],
            )
            for entry in candidates
            if keys[entry.pk] not in taken and still_stands(entry)
        ]
        moved: dict[int, int] = defaultdict(int)
        for entry in restored:
            moved[entry.member_id] += entry.amount
        for member_id, delta in sorted(moved.items()):
            _move(members[member_id], delta)
    return restored


def from_source(source_type: str, source_id: int) -> PointsQuerySet:
    """Every entry earned from one post, thread, flag or article (reversals excluded)."""
    return PointsEntry.objects.filter(source_type=source_type, source_id=source_id, reverses=None)


def settle_faq_credits(
    article_id: int,
    *,
    credited_ids: Iterable[int],
    event_id: str,
    actor_id: int | None = None,
    category_id: int | None = None,
) -> None:
    """Make the ledger hold +RECOGNITION_POINTS["faq_promoted"] from FAQ article `article_id` for exactly
    `credited_ids`: points for each who holds none from it, a reversal for anyone else who does.

    For faq's receiver, in the transaction that published, unpublished or
    archived the article, which holds the article's row, so one article's
    settlements run one after another. Locks every member concerned in id
    order first. Publishing the article again earns anew, under that event,
    what unpublishing took back; a member never holds two live entries for
    one article.
    """
    credited = set(credited_ids)
    with transaction.atomic():
        held = from_source(Source.ARTICLE, article_id).filter(reason=Reason.FAQ_PROMOTED)
        _lock(credited | set(held.values_list("member_id", flat=True)))
        reverse(held.exclude(member_id__in=credited), cause=Cause.UNDONE, event_id=event_id, note="Article withdrawn")
        holding = set(held.live().values_list("member_id", flat=True))
        for member_id in sorted(credited - holding):
            faq_promoted(
                member_id, article_id=article_id, event_id=event_id, actor_id=actor_id, category_id=category_id
            )


def faq_promoted(
    member_id: int, *, article_id: int, event_id: str, actor_id: int | None = None, category_id: int | None = None
) -> PointsEntry | None:
    """An answer of `member_id`'s is in published FAQ article `article_id`: +RECOGNITION_POINTS["faq_promoted"].

    The points belong to the article, so removing the source post later doesn't
    take them back; withdrawing the article does (`settle_faq_credits`).
    """
    return earn(
        member_id,
        reason=Reason.FAQ_PROMOTED,
        source_type=Source.ARTICLE,
        source_id=article_id,
        event_id=event_id,
        actor_id=actor_id,
        category_id=category_id,
    )


# Rebuilding ---------------------------------------------------------------------


def reputation_disagreements() -> list[tuple[int, int, int]]:
    """(member id, stored reputation, sum of their ledger) for every member whose two differ."""
    sums = dict(
        PointsEntry.objects.order_by()
        .values("member_id")
        .annotate(total=Sum("amount"))
        .values_list("member_id", "total")
    )
    return [
        (pk, stored, sums.get(pk, 0))
        for pk, stored in User.objects.order_by("pk").values_list("pk", "reputation")
        if stored != sums.get(pk, 0)
    ]


def recount_reputation() -> int:
    """Set every member's reputation to the sum of their ledger; returns how many were corrected.

    Each correction locks its member's row and re-reads the sum under it, so
    points written meanwhile are not lost.
    """
    corrected = 0
    for member_id, _stored, _sum in reputation_disagreements():
        with transaction.atomic():
            if not _lock([member_id]):
                continue
            total = PointsEntry.objects.filter(member_id=member_id).aggregate(total=Sum("amount", default=0))["total"]
            corrected += User.objects.filter(pk=member_id).exclude(reputation=total).update(reputation=total)
    return corrected
