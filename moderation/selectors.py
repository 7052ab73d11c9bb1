"""Reads for flags and the review queue, with their joins applied.

A queue page costs the same few queries however many items, flags and notes
it shows: the items with their post, thread, category and author in one;
the authors' history as subqueries of that same query; then one query each
for the flags (with their flaggers) and the moderators' notes on the authors.
"""

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from community.models import Category, Post
from community.permissions import is_member, is_staff, moderated_category_filter
from moderation import permissions
from moderation.models import Flag, MemberNote, ReviewItem, Sanction

ITEMS_PER_PAGE = 25
FLAGS_PER_PAGE = 25
# Reasons the queue filters on besides the flag reasons.
PENDING, FILTERED = "pending", "filtered"


def _count(queryset: QuerySet, by: str) -> Coalesce:
    """COUNT(*) of `queryset` as a correlated subquery; 0 when it matches nothing."""
    counted = queryset.order_by().values(by).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def review_items(user) -> QuerySet[ReviewItem]:
    """Items `user` may see, open or resolved, with all that the queue shows about them."""
    author = OuterRef("post__author")
    items = ReviewItem.objects.select_related(
        "post__thread__category",
        "post__author",
        "category",
        "claimed_by",
        "resolved_by",
    ).defer("post__body", "post__search_vector")
    return (
        permissions.visible_items(user, items)
        .annotate(
            author_posts=_count(Post.objects.filter(author=author, is_deleted=False), "author"),
            author_upheld_flags=_count(
                Flag.objects.filter(post__author=author, outcome=Flag.Outcome.HELPFUL), "post__author"
            ),
            author_sanctions=_count(Sanction.objects.filter(member=author), "member"),
        )
        .prefetch_related(
            Prefetch("flags", queryset=Flag.objects.select_related("flagger").order_by("created_at", "pk")),
            Prefetch("post__author__moderator_notes", queryset=MemberNote.objects.select_related("author")),
        )
    )


def queue_items(user, *, category: Category | None = None, reason: str = "") -> QuerySet[ReviewItem]:
    """The open queue, oldest first: one row per post, filtered by category (with its children) and reason."""
    items = review_items(user).filter(status=ReviewItem.Status.OPEN)
    if category is not None:
        items = items.filter(Q(category=category) | Q(category__parent=category))
    if reason == PENDING:
        items = items.filter(is_pending=True, held_by="")
    elif reason == FILTERED:
        items = items.exclude(held_by="")
    elif reason in Flag.Reason.values:
        items = items.filter(Exists(Flag.objects.filter(item=OuterRef("pk"), reason=reason)))
    return items.order_by("created_at", "pk")


def reviewable_categories(user) -> QuerySet[Category]:
    """The categories whose items `user` sees in the queue, for its category filter."""
    categories = Category.objects.select_related("parent").order_by("position", "name")
    if not permissions.can_view_queue(user):
        return categories.none()
    if is_staff(user) or user.moderates_everywhere:
        return categories
    ids = list(user.moderated_categories)
    return categories.filter(Q(pk__in=ids) | Q(parent__in=ids))


def open_counts(user) -> dict[int, int]:
    """Category id -> open review items there, for the categories whose queue `user` sees (one query)."""
    items = permissions.visible_items(user, ReviewItem.objects.filter(status=ReviewItem.Status.OPEN))
    return dict(items.order_by().values("category_id").annotate(n=Count("pk")).values_list("category_id", "n"))


def category_open_counts(category_ids) -> dict[int, int]:
    """Open review items in each of these categories, zero included: what a live push tells their moderators."""
    counted = dict(
        ReviewItem.objects.filter(status=ReviewItem.Status.OPEN, category_id__in=category_ids)
        .order_by()
        .values("category_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "n")
    )
    return {pk: counted.get(pk, 0) for pk in category_ids}


def queue_scope(user) -> list[int] | None:
    """The categories whose queue `user` sees, by id: None for all of them, empty for none."""
    if not permissions.can_view_queue(user):
        return []
    if moderated_category_filter(user) is None:
        return None
    return list(reviewable_categories(user).values_list("pk", flat=True))


def member_flags(member) -> QuerySet[Flag]:
    """A member's own flags, newest first, with the post and thread each one is about."""
    if not is_member(member):
        return Flag.objects.none()
    return (
        Flag.objects.filter(flagger=member)
        .select_related("post__thread", "item")
        .defer("post__body", "post__body_html", "post__search_vector")
        .order_by("-created_at", "-pk")
    )


def flag_accuracy(member) -> dict:
    """How a member's flags turned out: counts per outcome and the share of decided flags that helped.

    `accuracy` is a whole percentage, or None until a moderator has decided one of their flags.
    """
    counts = Flag.objects.filter(flagger=member).aggregate(
        helpful=Count("pk", filter=Q(outcome=Flag.Outcome.HELPFUL)),
        declined=Count("pk", filter=Q(outcome=Flag.Outcome.DECLINED)),
        pending=Count("pk", filter=Q(outcome=Flag.Outcome.PENDING)),
    )
    decided = counts["helpful"] + counts["declined"]
    return {
        **counts,
        "total": decided + counts["pending"],
        "accuracy": round(100 * counts["helpful"] / decided) if decided else None,
    }
