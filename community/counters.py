"""Denormalised community counters: the live changes services make, and `recount`, which rebuilds them all.

Services change counters only through the named deltas below, each one a fact
about the community ("a reply became visible", "a thread moved"), called inside
the service's own transaction on rows it has locked. The deltas move the counts
with F() expressions, so the arithmetic lives here once and agrees with
`recount`, which stays the reference:

- `Thread.reply_count` counts published, non-removed replies;
- a category counts its live threads (published, not removed, not merged) and
  their published, non-removed posts, and its last activity is that of its
  latest live thread.

A delta also keeps the reply count and listing of the locked copy it is given
up to date, so a later delta in the same step sees them (a purge takes a
thread down, then its spammer's replies in it). The page versions that caches key on are not theirs to
change: `community.caching` moves them on the events.
"""

from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from community.models import Category, HelpfulVote, IdeaVote, MeToo, Post, Review, Thread

LIVE_THREAD = Q(is_deleted=False, review=Review.PUBLISHED, merged_into=None)

ThreadVoteCounter = Literal["vote_count", "me_too_count"]


# Posts appearing and disappearing ---------------------------------------------


def reply_became_visible(
    thread: Thread, *, replies: int = 1, moment: datetime | None = None, poster_id: int | None = None
) -> None:
    """`replies` published, non-removed replies joined `thread` (posted, approved or restored).

    With `moment`, they are also the thread's and its category's latest activity.
    """
    _change_replies(thread, replies, moment=moment, poster_id=poster_id)


def reply_left_view(thread: Thread, *, replies: int = 1) -> None:
    """`replies` published, non-removed replies of `thread` were removed, held or hidden."""
    _change_replies(thread, -replies)


def thread_started(thread: Thread) -> None:
    """A thread was opened with its opening post; a published one is its category's latest activity."""
    if _listed(thread):
        _change_category(thread.category_id, threads=1, posts=1, last_activity_at=thread.last_activity_at)


def thread_removed(thread: Thread) -> None:
    """The thread's opening post was removed, and the whole thread with it."""
    _relist(thread, "is_deleted", True)


def thread_restored(thread: Thread) -> None:
    """A removed thread's opening post came back, and the thread with it."""
    _relist(thread, "is_deleted", False)


def thread_reviewed(thread: Thread, review: str) -> None:
    """The thread's opening post was published, held or hidden, and the whole thread with it."""
    _relist(thread, "review", review)


# Threads changing place -------------------------------------------------------


def thread_moved(thread: Thread, *, category: Category) -> None:
    """The thread left its category for `category`, taking its counted posts along."""
    source_id = thread.category_id
    Thread.objects.filter(pk=thread.pk).update(category=category)
    thread.category, thread.category_id = category, category.pk
    if _listed(thread):
        _transfer(source_id, category.pk, posts=thread.reply_count + 1, threads_out=1, threads_in=1)


def thread_merged(source: Thread, *, into: Thread) -> None:
    """`source`'s posts became replies of `into`, under its opening post, and `source` stopped counting anywhere.

    Both threads were live (the merge refuses others) and the posts have moved
    already, so `into` can read its verification from them. `into` takes the
    later activity of the two.
    """
    moved = source.reply_count + 1
    later = source if source.last_activity_at > into.last_activity_at else into
    Thread.objects.filter(pk=into.pk).update(
        reply_count=F("reply_count") + moved,
        has_team_verified=_any_verified(),
        last_activity_at=later.last_activity_at,
        last_poster_id=later.last_poster_id,
    )
    Thread.objects.filter(pk=source.pk).update(merged_into=into, reply_count=0, has_team_verified=False)
    into.reply_count += moved
    source.merged_into, source.reply_count, source.has_team_verified = into, 0, False
    _transfer(source.category_id, into.category_id, posts=moved, threads_out=1, threads_in=0)


def thread_split(original: Thread, *, new: Thread, posts: int) -> None:
    """`posts` counted posts of `original` became `new`, a live thread: the first of them its opening post.

    The posts have moved already, so both threads read their verification from them.
    """
    Thread.objects.filter(pk=new.pk).update(
        reply_count=F("reply_count") + posts - 1, has_team_verified=_any_verified()
    )
    Thread.objects.filter(pk=original.pk).update(
        reply_count=F("reply_count") - posts, has_team_verified=_any_verified()
    )
    new.reply_count += posts - 1
    original.reply_count -= posts
    _transfer(original.category_id, new.category_id, posts=posts, threads_out=0, threads_in=1)


# Marks and votes --------------------------------------------------------------


def verified_changed(thread: Thread) -> None:
    """A post of the thread gained or lost the team's verification, or was removed or restored."""
    Thread.objects.filter(pk=thread.pk).update(has_team_verified=_any_verified())


def helpful_vote_counted(post: Post, delta: Literal[1, -1]) -> None:
    """A member marked the post helpful (1) or took the mark back (-1)."""
    Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + delta)


def thread_vote_counted(thread: Thread, counter: ThreadVoteCounter, delta: Literal[1, -1]) -> None:
    """A member voted for an idea or confirmed a problem (1), or took it back (-1)."""
    change: dict[str, Any] = {counter: F(counter) + delta}
    Thread.objects.filter(pk=thread.pk).update(**change)


# The arithmetic ---------------------------------------------------------------


def _listed(thread: Thread) -> bool:
    """Whether the thread is one of its category's live threads, as LIVE_THREAD has it."""
    return not thread.is_deleted and thread.review == Review.PUBLISHED and thread.merged_into_id is None


def _any_verified() -> Exists:
    """For an update of threads: whether each has a verified, non-removed post, as `recount` has it."""
    return Exists(Post.objects.filter(thread=OuterRef("pk"), is_verified=True, is_deleted=False))


def _latest_live_activity() -> Subquery:
    """For an update of categories: each one's latest live thread's activity."""
    latest = Thread.objects.filter(LIVE_THREAD, category_id=OuterRef("pk")).order_by("-last_activity_at")
    return Subquery(latest.values("last_activity_at")[:1])


def _change_replies(
    thread: Thread, delta: int, *, moment: datetime | None = None, poster_id: int | None = None
) -> None:
    if not delta:
        return
    activity = {"last_activity_at": moment, "last_poster_id": poster_id} if moment else {}
    Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + delta, **activity)
    thread.reply_count += delta
    # The posts of a thread outside its category's live threads were never counted there.
    if _listed(thread):
        _change_category(thread.category_id, posts=delta, last_activity_at=moment)


def _relist(thread: Thread, field: Literal["is_deleted", "review"], value: bool | str) -> None:
    """Write a change that may move the thread into or out of its category's live threads.

    The thread's posts go with it: its opening post and its counted replies.
    """
    was_listed = _listed(thread)
    setattr(thread, field, value)
    change: dict[str, Any] = {field: value}
    Thread.objects.filter(pk=thread.pk).update(**change)
    step = int(_listed(thread)) - int(was_listed)
    if step:
        _change_category(
            thread.category_id,
            threads=step,
            posts=step * (thread.reply_count + 1),
            last_activity_at=_latest_live_activity(),
        )


def _transfer(source_id: int, target_id: int, *, posts: int, threads_out: int, threads_in: int) -> None:
    """Counted posts (and a thread) leave one category for another; both read their latest activity again.

    Categories are written lower pk first, the lock order `thread_actions`
    keeps; within one category the changes net out in one write.
    """
    changes = {source_id: (-threads_out, -posts)}
    threads, total = changes.get(target_id, (0, 0))
    changes[target_id] = (threads + threads_in, total + posts)
    for pk in sorted(changes):
        threads, total = changes[pk]
        _change_category(pk, threads=threads, posts=total, last_activity_at=_latest_live_activity())


def _change_category(
    category_id: int, *, threads: int = 0, posts: int = 0, last_activity_at: datetime | Subquery | None = None
) -> None:
    fields: dict[str, Any] = {}
    if threads:
        fields["thread_count"] = F("thread_count") + threads
    if posts:
        fields["post_count"] = F("post_count") + posts
    if last_activity_at is not None:
        fields["last_activity_at"] = last_activity_at
    if fields:
        Category.objects.filter(pk=category_id).update(**fields)


# Rebuilding from the rows -----------------------------------------------------


def refresh_latest_activity(category_id: int) -> None:
    Category.objects.filter(pk=category_id).update(last_activity_at=_latest_live_activity())


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
