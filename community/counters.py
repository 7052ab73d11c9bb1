"""Denormalised community counters: the live changes services make, and `recount`, which rebuilds them all.

Services change counters only through `touch_thread` and `touch_category`, with
F() expressions inside their own transaction. The page versions that caches
key on are not theirs to change: `community.caching` moves them on the events.
"""

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from community.models import Category, HelpfulVote, IdeaVote, MeToo, Post, Review, Thread

# A change to any of these moves the thread into or out of its category's live threads.
LISTED_FIELDS = {"is_deleted", "review", "merged_into"}
LIVE_THREAD = Q(is_deleted=False, review=Review.PUBLISHED, merged_into=None)


def touch_thread(thread: Thread, **changes) -> None:
    """Apply counter changes; the page versions follow from the event the service publishes (caching).

    When the thread joins or leaves its category's live threads, the category's
    last activity becomes that of its latest live thread again, as `recount` has it.
    """
    if changes:
        Thread.objects.filter(pk=thread.pk).update(**changes)
    if LISTED_FIELDS & changes.keys():
        refresh_latest_activity(thread.category_id)


def refresh_latest_activity(category_id: int) -> None:
    latest = Thread.objects.filter(LIVE_THREAD, category_id=OuterRef("pk")).order_by("-last_activity_at")
    Category.objects.filter(pk=category_id).update(last_activity_at=Subquery(latest.values("last_activity_at")[:1]))


def touch_category(category_id: int, **changes) -> None:
    if changes:
        Category.objects.filter(pk=category_id).update(**changes)


def _count(model, key, **filters):
    """Rows of `model` whose `key` points at the outer row, as a correlated subquery."""
    related = model.objects.filter(**{key: OuterRef("pk")}, **filters).order_by().values(key)
    return Coalesce(Subquery(related.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)


@transaction.atomic
def recount() -> None:
    Post.objects.update(helpful_count=_count(HelpfulVote, "post"))
    Thread.objects.update(
        reply_count=_count(Post, "thread", parent__isnull=False, is_deleted=False, review=Review.PUBLISHED),
        vote_count=_count(IdeaVote, "thread"),
        me_too_count=_count(MeToo, "thread"),
        has_team_verified=Exists(Post.objects.filter(thread=OuterRef("pk"), is_verified=True, is_deleted=False)),
    )
    live_threads = Q(threads__is_deleted=False, threads__review=Review.PUBLISHED, threads__merged_into=None)
    live_posts = Q(threads__posts__is_deleted=False, threads__posts__review=Review.PUBLISHED)
    for category in Category.objects.annotate(
        live_threads=Count("threads", filter=live_threads, distinct=True),
        live_posts=Count("threads__posts", filter=live_threads & live_posts),
        latest=Max("threads__last_activity_at", filter=live_threads),
    ):
        Category.objects.filter(pk=category.pk).update(
            thread_count=category.live_threads, post_count=category.live_posts, last_activity_at=category.latest
        )
