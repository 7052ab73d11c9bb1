"""Reads for recognition's pages: each returns what its page shows, with its joins done.

What a reader sees of a member's posts is decided by community.permissions
(`visible_threads`, `visible_posts`), so a held, hidden or removed post, or a
thread the reader may not see, never shows on a profile or counts in its figures.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import SHOWN_FIELDS, active_users
from community import permissions
from community.models import Category, Post, Thread
from community.selectors import public_answer
from recognition import badges
from recognition.models import Award, PointsEntry

# Profiles ----------------------------------------------------------------------

# What the profile shows of its member, beyond what every page shows of an author; never the
# email address or anything moderation keeps about them.
PROFILE_FIELDS = (*SHOWN_FIELDS, "bio", "date_joined", "reputation", "super_user", "staff_role")
PROFILE_THREADS_PER_PAGE = 10
PROFILE_POSTS_PER_PAGE = 10
ACCEPTED_SHOWN = 5
TOP_CATEGORIES = 5
RECENT_ACTIVITY = 8


def profile_member(username: str) -> User | None:
    """An active member by username (any case), with the fields the profile shows.

    Suspended members keep their profile (a suspension is between them and the
    moderators); banned and deactivated ones have none.
    """
    return active_users().filter(username__iexact=username).only(*PROFILE_FIELDS).first()


def last_points_id(member: User) -> int | None:
    """The member's newest ledger line: the reputation chart is drawn again after it."""
    return PointsEntry.objects.filter(member=member).order_by("-pk").values_list("pk", flat=True).first()


def reputation_by_day(member: User) -> list[tuple[datetime.date, int]]:
    """The points the member gained or lost on each day they had any, oldest first (days in the site's time zone)."""
    rows = (
        PointsEntry.objects.filter(member=member)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Sum("amount"))
        .order_by("day")
    )
    return [(row["day"], row["total"]) for row in rows]


def visible_threads_by(viewer, member: User) -> QuerySet[Thread]:
    """The member's threads the viewer may see, newest first, with `answered` as the thread lists have it."""
    threads = (
        Thread.objects.filter(author=member, is_deleted=False)
        .select_related("category")
        .annotate(answered=public_answer())
    )
    return permissions.visible_threads(viewer, threads).order_by("-created_at", "-pk")


def visible_posts_by(viewer, member: User) -> QuerySet[Post]:
    """The member's posts (opening posts included) that the viewer may see, in threads they may see.

    Removed posts and threads are left out even for moderators: a profile lists what the member contributed.
    """
    shown_threads = permissions.visible_threads(viewer, Thread.objects.filter(is_deleted=False)).values("pk")
    posts = Post.objects.filter(author=member, is_deleted=False, thread__in=shown_threads)
    return permissions.visible_posts(viewer, posts)


def visible_replies_by(viewer, member: User) -> QuerySet[Post]:
    """The member's answers and replies the viewer may see, newest first, with their threads."""
    return (
        visible_posts_by(viewer, member)
        .filter(level__gt=0)
        .select_related("thread", "thread__category")
        .only(
            "pk",
            "created_at",
            "helpful_count",
            "is_verified",
            "review",
            "body_html",
            "thread__id",
            "thread__title",
            "thread__slug",
            "thread__kind",
            "thread__accepted_answer_id",
            "thread__category__name",
            "thread__category__slug",
            "thread__category__colour",
        )
        .order_by("-created_at", "-pk")
    )


def accepted_answers_by(viewer, member: User) -> QuerySet[Thread]:
    """Threads whose accepted answer the member wrote, both visible to the viewer, most recent first."""
    answers = visible_posts_by(viewer, member).values("pk")
    threads = Thread.objects.filter(accepted_answer__in=answers, is_deleted=False).select_related("category")
    return permissions.visible_threads(viewer, threads).order_by("-last_activity_at", "-pk")


@dataclass(frozen=True)
class HeldBadge:
    slug: str
    name: str
    tier: str
    rule: str
    count: int
    last_awarded_at: datetime.datetime


def badges_held(member: User) -> dict[str, list[HeldBadge]]:
    """The member's badges by tier, gold first, each with how many times they hold it."""
    rows = (
        Award.objects.filter(member=member)
        .values("badge")
        .annotate(count=Count("pk"), last=Max("awarded_at"))
        .order_by("-last", "badge")
    )
    by_tier: dict[str, list[HeldBadge]] = {tier: [] for tier in reversed(badges.TIERS)}
    for row in rows:
        badge = badges.get(row["badge"])
        if badge is None:
            continue  # retired from the catalogue
        by_tier[badge.tier].append(
            HeldBadge(badge.slug, badge.name, badge.tier, badge.rule, row["count"], row["last"])
        )
    return {tier: held for tier, held in by_tier.items() if held}


@dataclass(frozen=True)
class CategoryShare:
    name: str
    colour: str
    url: str
    points: int
    answers: int


def top_categories(viewer, member: User, limit: int = TOP_CATEGORIES) -> list[CategoryShare]:
    """Where the member earned most points, then where they answered most (in posts the viewer may see)."""
    points = (
        PointsEntry.objects.filter(member=member, category__isnull=False)
        .values("category_id", "category__name", "category__slug", "category__colour")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    answers = (
        visible_posts_by(viewer, member)
        .filter(level__gt=0)
        .values("thread__category_id", "thread__category__name", "thread__category__slug", "thread__category__colour")
        .annotate(total=Count("pk"))
        .order_by()
    )
    found: dict[int, dict] = {}
    for row in points:
        found[row["category_id"]] = {
            "name": row["category__name"],
            "slug": row["category__slug"],
            "colour": row["category__colour"],
            "points": row["total"],
            "answers": 0,
        }
    for row in answers:
        entry = found.setdefault(
            row["thread__category_id"],
            {
                "name": row["thread__category__name"],
                "slug": row["thread__category__slug"],
                "colour": row["thread__category__colour"],
                "points": 0,
            },
        )
        entry["answers"] = row["total"]
    ranked = sorted(found.values(), key=lambda c: (-c["points"], -c["answers"], c["name"]))
    return [
        CategoryShare(
            name=c["name"],
            colour=c["colour"],
            url=reverse("community:category", kwargs={"slug": c["slug"]}),
            points=c["points"],
            answers=c["answers"],
        )
        for c in ranked
        if c["points"] > 0 or c["answers"] > 0
    ][:limit]


@dataclass(frozen=True)
class Activity:
    kind: str  # "thread", "reply" or "badge"
    at: datetime.datetime
    title: str
    url: str
    tier: str = ""


def recent_activity(viewer, member: User, limit: int = RECENT_ACTIVITY) -> list[Activity]:
    """The member's latest threads, replies and badges, newest first, as the viewer may see them."""
    posts = (
        visible_posts_by(viewer, member)
        .select_related("thread")
        .only("pk", "created_at", "parent_id", "thread__id", "thread__title", "thread__slug")
        .order_by("-created_at", "-pk")[:limit]
    )
    awards = Award.objects.filter(member=member).only("badge", "awarded_at")[:limit]
    items = [
        Activity(
            kind="reply" if post.parent_id else "thread",
            at=post.created_at,
            title=post.thread.title,
            url=post.get_absolute_url() if post.parent_id else post.thread.get_absolute_url(),
        )
        for post in posts
    ]
    for award in awards:
        badge = badges.get(award.badge)
        if badge is not None:
            items.append(Activity(kind="badge", at=award.awarded_at, title=badge.name, url="", tier=badge.tier))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


# Leaderboards ------------------------------------------------------------------

LEADERBOARD_SIZE = 50
PERIODS = {"week": "This week", "month": "This month", "all": "All time"}


def period_start(period: str, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Where a board's window opens: Monday or the 1st, at midnight in the site's time zone; None for all time."""
    now = timezone.localtime(now)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return midnight - datetime.timedelta(days=midnight.weekday())
    if period == "month":
        return midnight.replace(day=1)
    return None


def _ranked_members(include_staff: bool) -> QuerySet[User]:
    # Deactivated and banned members (a ban clears is_active) never rank.
    members = active_users()
    if not include_staff:
        members = members.exclude(Q(is_staff_member=True) | Q(is_superuser=True))
    return members


def _points_filter(period: str, category_ids: list[int] | None, prefix: str = "points__") -> Q:
    where = Q()
    start = period_start(period)
    if start is not None:
        where &= Q(**{f"{prefix}created_at__gte": start})
    if category_ids is not None:
        where &= Q(**{f"{prefix}category_id__in": category_ids})
    return where


def leaderboard(
    period: str, *, category_ids: list[int] | None = None, include_staff: bool = False, limit: int | None = None
) -> QuerySet[User]:
    """The members with most points in the period (and categories), best first, each with `score`.

    All time over every category reads reputation, which the ledger keeps in step;
    anything narrower sums the ledger's lines in its window.
    """
    members = _ranked_members(include_staff).only(*SHOWN_FIELDS, "reputation", "super_user", "staff_role")
    if period == "all" and category_ids is None:
        scored = members.filter(reputation__gt=0).annotate(score=F("reputation"))
    else:
        # The window filters the join itself, so the ledger's time and category indexes bound the rows read.
        scored = (
            members.filter(_points_filter(period, category_ids))
            .annotate(score=Sum("points__amount"))
            .filter(score__gt=0)
        )
    return scored.order_by("-score", "pk")[: limit or LEADERBOARD_SIZE]


def standing(
    member: User, period: str, *, category_ids: list[int] | None = None, include_staff: bool = False
) -> tuple[int, int] | None:
    """The member's (position, score) on a board, or None when they are not on it (no points, or staff hidden)."""
    if not member.is_active or (not include_staff and (member.is_staff_member or member.is_superuser)):
        return None
    if period == "all" and category_ids is None:
        score = member.reputation
        if score <= 0:
            return None
        ahead = _ranked_members(include_staff).filter(reputation__gt=score).count()
        return ahead + 1, score
    where = _points_filter(period, category_ids, prefix="")
    score = PointsEntry.objects.filter(where, member=member).aggregate(total=Sum("amount"))["total"] or 0
    if score <= 0:
        return None
    ahead = (
        _ranked_members(include_staff)
        .filter(_points_filter(period, category_ids))
        .annotate(score=Sum("points__amount"))
        .filter(score__gt=score)
        .count()
    )
    return ahead + 1, score


def category_choices() -> list[tuple[str, str, list[int]]]:
    """(slug, label, ids) for every category, each parent followed by its sub-categories;
    a parent's board counts its sub-categories' points too."""
    rows = list(Category.objects.order_by("position", "name").values_list("pk", "slug", "name", "parent_id"))
    children: dict[int, list[tuple]] = {}
    for row in rows:
        if row[3] is not None:
            children.setdefault(row[3], []).append(row)
    choices: list[tuple[str, str, list[int]]] = []
    for pk, slug, name, parent_id in rows:
        if parent_id is None:
            below = children.get(pk, [])
            choices.append((slug, name, [pk, *(child[0] for child in below)]))
            choices.extend((child[1], f"{name} / {child[2]}", [child[0]]) for child in below)
    return choices
