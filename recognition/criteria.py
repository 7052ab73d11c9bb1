"""How each automatic badge is decided, read from the community's own rows.

A criterion answers one question: which of these members have earned the
badge now? It takes member ids and returns the (member id, category id)
pairs that qualify (the category is None except for per-category badges), in
one query whatever the number of members, so checking one member after an
event and sweeping thousands at night are the same code.

What counts is what other members can still see: published replies in
published threads that were not removed, in someone else's thread; votes,
acceptances and verifications by someone other than the author. The ledger
is not read, except for the FAQ promotion that only the ledger records, and
the serial votes that only the ledger's reversals mark.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from community.models import HelpfulVote, IdeaVote, Post, Review, Thread
from moderation.models import Flag
from recognition.models import PointsEntry

Holders = set[tuple[int, int | None]]

HELPFUL_BRONZE, HELPFUL_SILVER, HELPFUL_GOLD = 10, 50, 250
ACCEPTED_SILVER = 10
CATEGORY_EXPERT_ACCEPTED = 25
GOOD_FLAGS = 10
HELPING_DAYS = 7
IDEA_VOTES = 10
MEMBER_FOR = timedelta(days=365)


@dataclass(frozen=True)
class Criterion:
    badge: str  # its slug in recognition.badges
    holders: Callable[[Collection[int]], Holders]
    # The number the badge's rule states, when it states one; a test keeps the two in step.
    threshold: int | None = None


# The rows that count ------------------------------------------------------------------


def visible_replies() -> QuerySet[Post]:
    """Replies every reader can see: published, not removed, in a published thread that wasn't removed."""
    return Post.objects.filter(
        parent__isnull=False,
        is_deleted=False,
        review=Review.PUBLISHED,
        thread__is_deleted=False,
        thread__review=Review.PUBLISHED,
    )


def answers() -> QuerySet[Post]:
    """Visible replies to someone else's question: answering yourself helps nobody."""
    return visible_replies().filter(thread__kind=Thread.Kind.QUESTION).exclude(thread__author_id=F("author_id"))


def helping_replies() -> QuerySet[Post]:
    """Visible replies in someone else's thread, of any kind."""
    return visible_replies().exclude(thread__author_id=F("author_id"))


def accepted_threads() -> QuerySet[Thread]:
    """Visible questions whose accepted answer someone other than the asker wrote."""
    return Thread.objects.filter(
        accepted_answer__isnull=False,
        accepted_answer__is_deleted=False,
        is_deleted=False,
        review=Review.PUBLISHED,
    ).exclude(author_id=F("accepted_answer__author_id"))


def received_helpful_votes() -> QuerySet[HelpfulVote]:
    """Helpful votes on posts that weren't removed, by members who weren't banned and are past trust
    level 0 (as for points: a fresh account is too cheap to make), and not caught as serial voting:
    the vote stays on the post, but the nightly check judged it no sign of help."""
    serial = PointsEntry.objects.filter(
        source_type=PointsEntry.Source.POST,
        source_id=OuterRef("post_id"),
        actor_id=OuterRef("voter_id"),
        reason__in=(PointsEntry.Reason.HELPFUL_ANSWER, PointsEntry.Reason.HELPFUL_QUESTION),
        cause=PointsEntry.Cause.SERIAL_VOTING,
    )
    return HelpfulVote.objects.filter(
        post__is_deleted=False, voter__is_active=True, voter__trust_level__gt=User.TrustLevel.NEW
    ).exclude(Q(voter_id=F("post__author_id")) | Exists(serial))


# Shapes of criteria ---------------------------------------------------------------------


def _members(ids) -> Holders:
    return {(member_id, None) for member_id in ids}


def having(rows: Callable[[], QuerySet], member: str) -> Callable[[Collection[int]], Holders]:
    """Members with at least one row."""

    def holders(member_ids: Collection[int]) -> Holders:
        found = rows().filter(**{f"{member}__in": member_ids}).order_by().values_list(member, flat=True).distinct()
        return _members(found)

    return holders


def counting(
    rows: Callable[[], QuerySet], member: str, at_least: int, *, per: str | None = None, count=None
) -> Callable[[Collection[int]], Holders]:
    """Members with at least `at_least` rows (of `count` distinct values, when given), or, with `per`,
    the (member, category) pairs that reach it within one category."""

    def holders(member_ids: Collection[int]) -> Holders:
        grouped = rows().filter(**{f"{member}__in": member_ids}).order_by().values(member, *([per] if per else []))
        counted = grouped.annotate(n=count if count is not None else Count("pk")).filter(n__gte=at_least)
        if per:
            return set(counted.values_list(member, per))
        return _members(counted.values_list(member, flat=True))

    return holders


# The criteria ---------------------------------------------------------------------------


def _welcomed_answers() -> QuerySet[Post]:
    """Answers to the asker's first question ever."""
    earlier = Thread.objects.filter(
        author_id=OuterRef("thread__author_id"),
        kind=Thread.Kind.QUESTION,
        created_at__lt=OuterRef("thread__created_at"),
    )
    return answers().filter(~Exists(earlier))


def _shipped_ideas() -> QuerySet[Thread]:
    return Thread.objects.filter(
        kind=Thread.Kind.IDEA, idea_status=Thread.IdeaStatus.SHIPPED, is_deleted=False, review=Review.PUBLISHED
    )


def _team_verified() -> QuerySet[Post]:
    # A staff member verifying their own answer earns nothing.
    return visible_replies().filter(is_verified=True).exclude(verified_by_id=F("author_id"))


def _upheld_flags() -> QuerySet[Flag]:
    return Flag.objects.filter(outcome=Flag.Outcome.HELPFUL)


def _faq_promotions() -> QuerySet[PointsEntry]:
    """Promotions the FAQ recorded in the ledger and didn't take back."""
    return PointsEntry.objects.filter(
        reason=PointsEntry.Reason.FAQ_PROMOTED, reverses__isnull=True, reversal__isnull=True
    )


def _idea_votes() -> QuerySet[IdeaVote]:
    return IdeaVote.objects.filter(thread__is_deleted=False)


def _members_for_a_year(member_ids: Collection[int]) -> Holders:
    joined_before = timezone.now() - MEMBER_FOR
    return _members(
        User.objects.filter(pk__in=member_ids, date_joined__lte=joined_before).values_list("pk", flat=True)
    )


CRITERIA: tuple[Criterion, ...] = (
    Criterion("first-answer", having(answers, "author")),
    Criterion("first-accepted", having(accepted_threads, "accepted_answer__author")),
    Criterion("first-question", having(answers, "thread__author")),
    Criterion("helpful-10", counting(received_helpful_votes, "post__author", HELPFUL_BRONZE), HELPFUL_BRONZE),
    Criterion("helpful-50", counting(received_helpful_votes, "post__author", HELPFUL_SILVER), HELPFUL_SILVER),
    Criterion("helpful-250", counting(received_helpful_votes, "post__author", HELPFUL_GOLD), HELPFUL_GOLD),
    Criterion("accepted-10", counting(accepted_threads, "accepted_answer__author", ACCEPTED_SILVER), ACCEPTED_SILVER),
    Criterion(
        "category-expert",
        counting(accepted_threads, "accepted_answer__author", CATEGORY_EXPERT_ACCEPTED, per="category"),
        CATEGORY_EXPERT_ACCEPTED,
    ),
    Criterion("faq-promoted", having(_faq_promotions, "member")),
    Criterion("good-flagger", counting(_upheld_flags, "flagger", GOOD_FLAGS), GOOD_FLAGS),
    Criterion("welcomer", having(_welcomed_answers, "author")),
    Criterion(
        "regular-helper",
        counting(helping_replies, "author", HELPING_DAYS, count=Count(TruncDate("created_at"), distinct=True)),
        HELPING_DAYS,
    ),
    Criterion("idea-shipped", having(_shipped_ideas, "author")),
    Criterion("idea-supporter", counting(_idea_votes, "voter", IDEA_VOTES), IDEA_VOTES),
    Criterion("one-year", _members_for_a_year),
    Criterion("team-verified", having(_team_verified, "author")),
)

BY_BADGE = {criterion.badge: criterion for criterion in CRITERIA}
