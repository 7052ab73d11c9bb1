"""Awarding automatic badges: after the events that may earn one, and in a nightly sweep.

Each event is handled after commit, by the outbox's delivery task (a Celery
task that retries, and runs each subscriber once per event), and checks only
the badges that event can change, for the members it concerns. The nightly
`backfill` checks every badge for every member, and catches what no event
announces: a year of membership, an FAQ promotion.

An award's key ("<badge>:<member>[:<category>]") is unique, so awarding
twice, in a retry or in two workers at once, leaves one award and one
`BadgeAwarded` event. Badges are kept once earned: unaccepting an answer
later doesn't take "Problem solver" away. The one exception is "In the FAQ",
which lasts while an article credits the member (`settle`).
"""

import logging
from collections.abc import Collection, Iterable

from django.db import transaction

from accounts.models import User
from community import events as community_events
from community.models import Review, StatusChange, Thread
from moderation import events as moderation_events
from moderation.models import Flag
from outbox import bus
from recognition import badges, criteria
from recognition.events import BadgeAwarded
from recognition.models import Award

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500

# The badges each kind of event can change.
ANSWERING = ("first-answer", "welcomer", "regular-helper")
ASKING = ("first-question",)
ACCEPTED = ("first-accepted", "accepted-10", "category-expert")
HELPFUL = ("helpful-10", "helpful-50", "helpful-250")
VERIFIED = ("team-verified",)
FLAGGING = ("good-flagger",)
IDEA_VOTING = ("idea-supporter",)
IDEA_SHIPPED = ("idea-shipped",)


def automatic() -> tuple[str, ...]:
    return tuple(badge.slug for badge in badges.CATALOGUE if not badge.manual)


def award_key(badge: str, member_id: int, category_id: int | None = None) -> str:
    return f"{badge}:{member_id}" if category_id is None else f"{badge}:{member_id}:{category_id}"


def earned(badge: str, member: User, category=None) -> bool:
    """Whether `member` has earned the automatic `badge` now (in `category`, for a per-category badge;
    in any category without one). One query."""
    holders = criteria.BY_BADGE[badge].holders([member.pk])
    if category is None:
        return any(member_id == member.pk for member_id, _ in holders)
    return (member.pk, category.pk) in holders


def award(badge: str, member_id: int, *, category_id: int | None = None, swept: bool = False) -> Award | None:
    """Give `member_id` the automatic `badge` unless they hold it; the new award, or None.

    The award and its `BadgeAwarded` event commit together. A concurrent award
    of the same key waits on the unique index and then finds it taken.
    """
    with transaction.atomic():
        new, created = Award.objects.get_or_create(
            key=award_key(badge, member_id, category_id),
            defaults={"badge": badge, "member_id": member_id, "category_id": category_id},
        )
        if not created:
            return None
        bus.publish(
            BadgeAwarded(award_id=new.pk, member_id=member_id, badge=badge, category_id=category_id, swept=swept)
        )
    return new


def check_badges(
    member_ids: Iterable[int],
    badge_slugs: Collection[str] | None = None,
    *,
    skip_failures: bool = False,
    swept: bool = False,
) -> list[Award]:
    """Award each of `badge_slugs` (every automatic badge by default) that these members have earned
    and don't hold yet; the new awards.

    One query per badge, plus one per new award, whatever the number of
    members. Banned members earn nothing. With `skip_failures`, a badge or a
    member that fails is logged and skipped and the rest carry on.
    """
    ids = list(User.objects.filter(pk__in=set(member_ids), is_active=True).values_list("pk", flat=True))
    if not ids:
        return []
    wanted: dict[str, tuple[str, int, int | None]] = {}
    for slug in badge_slugs or automatic():
        try:
            holders = criteria.BY_BADGE[slug].holders(ids)
        except Exception:
            if not skip_failures:
                raise
            logger.exception("could not decide badge %s for %d members; skipped", slug, len(ids))
            continue
        for member_id, category_id in holders:
            wanted[award_key(slug, member_id, category_id)] = (slug, member_id, category_id)
    held = set(Award.objects.filter(key__in=list(wanted)).values_list("key", flat=True))
    new = []
    for key, (slug, member_id, category_id) in wanted.items():
        if key in held:
            continue
        try:
            given = award(slug, member_id, category_id=category_id, swept=swept)
        except Exception:
            if not skip_failures:
                raise
            logger.exception("could not award %s; skipped", key)
            continue
        if given is not None:
            new.append(given)
    return new


def settle(badge: str, member_ids: Iterable[int]) -> None:
    """Award `badge` to those of `member_ids` who earned it and take it from those who no longer have.

    Only for a badge that lasts while its cause does (an FAQ article credits
    the member). Locks the members' rows first, as the ledger does, so it reads
    what the last change to their points left, whichever commits first.
    """
    with transaction.atomic():
        ids = list(
            User.objects.select_for_update().filter(pk__in=set(member_ids)).order_by("pk").values_list("pk", flat=True)
        )
        holders = {member_id for member_id, _ in criteria.BY_BADGE[badge].holders(ids)}
        Award.objects.filter(
            key__in=[award_key(badge, member_id) for member_id in ids if member_id not in holders]
        ).delete()
        check_badges(ids, (badge,))


def backfill(*, chunk_size: int = CHUNK_SIZE) -> int:
    """Check every automatic badge for every active member, a chunk at a time; how many were awarded.

    A chunk that fails as a whole is logged and skipped, like a member that
    fails: the next night tries again. Running it twice awards nothing new.
    """
    awarded, after = 0, 0
    while True:
        ids = list(
            User.objects.filter(is_active=True, pk__gt=after).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            return awarded
        after = ids[-1]
        try:
            awarded += len(check_badges(ids, skip_failures=True, swept=True))
        except Exception:
            logger.exception("badge sweep of members %d to %d failed; skipped", ids[0], ids[-1])


# Events -------------------------------------------------------------------------------


def connect() -> None:
    """After commit: a badge is never worth failing or slowing the action that earned it."""
    bus.subscribe(community_events.ReplyPosted, on_reply_posted)
    bus.subscribe(community_events.PostReviewed, on_post_reviewed)
    bus.subscribe(community_events.AnswerAccepted, on_answer_accepted)
    bus.subscribe(community_events.AnswerVerified, on_answer_verified)
    bus.subscribe(community_events.PostVoted, on_post_voted)
    bus.subscribe(community_events.IdeaVoted, on_idea_voted)
    bus.subscribe(community_events.StatusChanged, on_status_changed)
    bus.subscribe(moderation_events.FlagResolved, on_flag_resolved)


def _thread_author(thread_id: int) -> list[int]:
    return list(Thread.objects.filter(pk=thread_id).values_list("author_id", flat=True))


def on_reply_posted(event: community_events.ReplyPosted) -> None:
    check_badges([event.author_id], ANSWERING)
    check_badges(_thread_author(event.thread_id), ASKING)


def on_post_reviewed(event: community_events.PostReviewed) -> None:
    """A held reply published counts as posted."""
    if event.new_review == Review.PUBLISHED:
        check_badges([event.author_id], ANSWERING + ACCEPTED + VERIFIED)
        check_badges(_thread_author(event.thread_id), ASKING)


def on_flag_resolved(event: moderation_events.FlagResolved) -> None:
    """Every decision that upholds a flag announces it: the queue, a moderator removing the post, a spam purge."""
    if event.outcome == Flag.Outcome.HELPFUL:
        check_badges([event.flagger_id], FLAGGING)


def on_answer_accepted(event: community_events.AnswerAccepted) -> None:
    check_badges([event.answer_author_id], ACCEPTED)


def on_answer_verified(event: community_events.AnswerVerified) -> None:
    if event.verified:
        check_badges([event.answer_author_id], VERIFIED)


def on_post_voted(event: community_events.PostVoted) -> None:
    if event.helpful:
        check_badges([event.post_author_id], HELPFUL)


def on_idea_voted(event: community_events.IdeaVoted) -> None:
    if event.voted:
        check_badges([event.voter_id], IDEA_VOTING)


def on_status_changed(event: community_events.StatusChanged) -> None:
    if event.field == StatusChange.Field.IDEA and event.new_status == Thread.IdeaStatus.SHIPPED:
        check_badges(_thread_author(event.thread_id), IDEA_SHIPPED)
