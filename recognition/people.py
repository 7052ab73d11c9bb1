"""Reads for the pages about people: the team, and the super users with where they help."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q

from accounts.models import User
from accounts.selectors import SHOWN_FIELDS, active_users
from community.models import Post, Review

# How many categories the super-users page names for each of them.
TOP_CATEGORIES = 3
# An accepted answer says more about where someone helps than a reply does.
ACCEPTED_WEIGHT = 3


def team_members() -> list[User]:
    """Staff members with what the Meet the team page shows of them: one query."""
    return list(
        active_users()
        .filter(is_staff_member=True)
        .only(*SHOWN_FIELDS, "bio", "team_focus")
        .order_by("display_name", "username")
    )


@dataclass(frozen=True)
class HelpedIn:
    name: str
    slug: str
    colour: str
    replies: int
    accepted: int


@dataclass
class SuperUserRow:
    member: User
    categories: list[HelpedIn] = field(default_factory=list)


def super_users() -> list[SuperUserRow]:
    """Active super users, most reputation first, each with the categories they help most: two queries.

    Where they help is counted from their published replies in threads every reader
    can see, an accepted answer weighing ACCEPTED_WEIGHT replies.
    """
    members = list(
        active_users()
        .filter(super_user__in=[User.SuperUser.EARNED, User.SuperUser.NOMINATED])
        .only(*SHOWN_FIELDS)
        .order_by("-reputation", "username")
    )
    rows = {member.pk: SuperUserRow(member) for member in members}
    if not rows:
        return []
    counts = (
        Post.objects.filter(
            author_id__in=rows,
            parent__isnull=False,
            is_deleted=False,
            review=Review.PUBLISHED,
            thread__is_deleted=False,
            thread__review=Review.PUBLISHED,
        )
        .values("author_id", "thread__category__name", "thread__category__slug", "thread__category__colour")
        .annotate(replies=Count("pk"), accepted=Count("pk", filter=Q(thread__accepted_answer=F("pk"))))
        .order_by()
    )
    found = defaultdict(list)
    for row in counts:
        found[row["author_id"]].append(
            HelpedIn(
                name=row["thread__category__name"],
                slug=row["thread__category__slug"],
                colour=row["thread__category__colour"],
                replies=row["replies"],
                accepted=row["accepted"],
            )
        )
    for author_id, helped in found.items():
        helped.sort(key=lambda h: (-(h.replies + (ACCEPTED_WEIGHT - 1) * h.accepted), h.name))
        rows[author_id].categories = helped[:TOP_CATEGORIES]
    return list(rows.values())
