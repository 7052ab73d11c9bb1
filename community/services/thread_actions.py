"""Moving, renaming, merging, splitting and linking threads: the tree and counter mechanics.

Nothing here checks permissions: `moderation.services.threads` decides who may
act, calls one of these, writes the audit record and publishes the event in
the same transaction. It is the only caller; `lock_thread` is public here for
it too.

Every function runs in one transaction and takes its locks in one order:
1. `lock_structure()`, for the actions that touch two threads or two
   categories (move, merge, split, duplicate marks). `lock_thread` locks the
   thread's category row along with it (its query joins the category), so two
   such actions crossing categories in opposite directions would otherwise
   deadlock; this serialises them instead. They are rare; replies never wait
   on it.
2. The new-tree lock, for a split, before any row: `start_thread` holds it
   while it updates its category, so taking it after a thread (and so its
   category) could deadlock with a new thread.
3. The thread rows, with `lock_thread`, lower pk first.
4. Category counters, lower pk first (`community.counters` writes them so).
Callers that lock rows before calling in (moderation's services) take 1 and 2
first themselves.

Trees move through mptt's own `move_node`, never by hand-written lft/rght.
Counters move through `community.counters` (`thread_moved`, `thread_merged`,
`thread_split`), which keep them as `recount` has them.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery

from community import counters, search
from community.models import Category, HelpfulVote, Post, Review, Subscription, Thread
from community.services._common import (
    clean_title,
    lock_new_tree,
    lock_thread,
    thread_slug,
)
from community.services.subscriptions import auto_follow

# What mptt needs to move a node. Loading only these keeps `move_node`'s save
# from writing back any other column it read (bodies, search vectors).
TREE_FIELDS = ("pk", "thread", "parent", "tree_id", "lft", "rght", "level")
LIVE_POST = Q(is_deleted=False, review=Review.PUBLISHED)
# Any constant will do; it names "changing which thread or category posts belong to".
STRUCTURE_LOCK = 7_341_002


def lock_structure(*, new_tree: bool = False) -> None:
    """Serialise the actions that move posts or threads between threads and categories.

    A transaction-scoped PostgreSQL advisory lock, taken before any row lock
    (SQLite already serialises writers). With `new_tree`, the new-tree lock
    follows, in that order. Taking either again in the same transaction is
    harmless.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STRUCTURE_LOCK])
    if new_tree:
        lock_new_tree()


def _lock_threads(*ids: int) -> dict[int, Thread]:
    """Lock several thread rows, lower pk first."""
    return {pk: lock_thread(pk) for pk in sorted(set(ids))}


def _refuse_merged(thread: Thread, field: str | None = None) -> None:
    if thread.merged_into_id:
        message = f"“{thread.title}” was merged into another thread (#{thread.merged_into_id}); act on that one."
        raise ValidationError({field: message} if field else message)


def _refuse_unlisted(thread: Thread, field: str | None = None) -> None:
    """Merge and split move posts between counted threads only."""
    _refuse_merged(thread, field)
    if thread.is_deleted:
        message = f"“{thread.title}” was removed. Restore it first."
    elif thread.review != Review.PUBLISHED:
        message = f"“{thread.title}” is not published. Approve it first."
    else:
        return
    raise ValidationError({field: message} if field else message)


def _subtree(node: Post) -> QuerySet[Post]:
    return Post.objects.filter(tree_id=node.tree_id, lft__gte=node.lft, rght__lte=node.rght)


def _tree_node(pk: int | None) -> Post:
    return Post.objects.only(*TREE_FIELDS).get(pk=pk)


def _votes_follow_posts(thread: Thread) -> None:
    """Helpful votes keep their post's thread: after posts moved into `thread`, theirs move too."""
    HelpfulVote.objects.filter(post__thread=thread).exclude(thread=thread).update(thread=thread)


def _set_branches(tree_id: int) -> None:
    """Point every post below the top level at the top-level reply it sits under.

    The opening post and top-level replies have no branch, as `reply` leaves them.
    """
    top = Post.objects.filter(
        tree_id=OuterRef("tree_id"), level=1, lft__lt=OuterRef("lft"), rght__gt=OuterRef("rght")
    ).values("pk")[:1]
    Post.objects.filter(tree_id=tree_id, level__gte=2).update(branch=Subquery(top))
    Post.objects.filter(tree_id=tree_id, level__lte=1).update(branch=None)


# Actions ---------------------------------------------------------------------


def set_state(thread: Thread, *, state: str) -> Thread:
    """Open, close or lock the thread. Locks the thread row (select_for_update)."""
    if state not in Thread.State.values:
        raise ValidationError({"state": "Unknown thread state."})
    with transaction.atomic():
        thread = lock_thread(thread.pk)
        _refuse_merged(thread)
        thread.state = state
        Thread.objects.filter(pk=thread.pk).update(state=state)
    return thread


def set_pinned(thread: Thread, *, pinned: bool) -> Thread:
    """Keep the thread at the top of its category, or stop. Locks the thread row (select_for_update)."""
    with transaction.atomic():
        thread = lock_thread(thread.pk)
        _refuse_merged(thread)
        thread.is_pinned = pinned
        Thread.objects.filter(pk=thread.pk).update(is_pinned=pinned)
    return thread


def move_thread(thread: Thread, *, category: Category) -> Thread:
    """Put the thread in another category, carrying its counts along.

    Takes the structure lock, then locks the thread row (select_for_update).
    """
    with transaction.atomic():
        lock_structure()
        thread = lock_thread(thread.pk)
        _refuse_merged(thread)
        if category.pk == thread.category_id:
            raise ValidationError({"category": f"The thread is already in {category.name}."})
        counters.thread_moved(thread, category=category)
    return thread


def rename_thread(thread: Thread, *, title: str) -> Thread:
    """Give the thread a new title (and slug), and re-index its opening post.

    Locks the thread row (select_for_update).
    """
    title = clean_title(title)
    with transaction.atomic():
        thread = lock_thread(thread.pk)
        _refuse_merged(thread)
        if title == thread.title:
            raise ValidationError({"title": "That is already the title."})
        thread.title, thread.slug = title, thread_slug(title)
        Thread.objects.filter(pk=thread.pk).update(title=thread.title, slug=thread.slug)
        if thread.opening_post_id:
            search.index_post(_tree_node(thread.opening_post_id), title=title)
    return thread


def merge_threads(source: Thread, *, into: Thread) -> Thread:
    """Move `source`'s whole tree under `into`'s opening post and return `into`.

    The old opening post becomes a top-level reply of `into`, with its replies
    under it. `source` keeps its row, empty, locked and pointing at `into`
    (`merged_into`), so old links can redirect; it no longer counts in its
    category. Its votes, status history and followers' rows stay with it, and
    its followers also follow `into`. Takes the structure lock, then locks both
    thread rows, lower pk first.
    """
    if source.pk == into.pk:
        raise ValidationError({"into": "A thread can't be merged into itself. Pick another thread."})
    with transaction.atomic():
        lock_structure()
        locked = _lock_threads(source.pk, into.pk)
        source, into = locked[source.pk], locked[into.pk]
        _refuse_unlisted(source)
        if into.merged_into_id:
            raise ValidationError(
                {
                    "into": f"“{into.title}” was itself merged into another thread (#{into.merged_into_id}). "
                    "Merge into that one instead."
                }
            )
        _refuse_unlisted(into, "into")
        root, target = _tree_node(source.opening_post_id), _tree_node(into.opening_post_id)

        Post.objects.move_node(root, target, "last-child")
        Post.objects.filter(pk=root.pk).update(thread=into, branch=None)
        _subtree(root).exclude(pk=root.pk).update(thread=into, branch=root.pk)
        _votes_follow_posts(into)
        # The old opening post carried the title in its search vector; as a reply it no longer does.
        search.index_post(root)

        counters.thread_merged(source, into=into)
        if into.duplicate_of_id == source.pk:
            # It would point at itself once `source` redirects here.
            Thread.objects.filter(pk=into.pk).update(duplicate_of=None)
        Thread.objects.filter(pk=source.pk).update(
            state=Thread.State.LOCKED, is_pinned=False, opening_post=None, accepted_answer=None, solving_post=None
        )
        # Each follower keeps their level; one who muted `source` was not following it.
        followers = (
            Subscription.objects.filter(thread=source)
            .exclude(level=Subscription.Level.MUTED)
            .values_list("user_id", "level")
        )
        Subscription.objects.bulk_create(
            [Subscription(user_id=user_id, thread=into, level=level) for user_id, level in followers],
            ignore_conflicts=True,
        )
    into.refresh_from_db()
    return into


def split_thread(post: Post, *, title: str, category: Category | None = None) -> Thread:
    """Make `post` and the replies under it a new thread, with `post` as its opening post.

    The new thread keeps the original's kind, belongs to the post's author and
    sits in `category` (the original's by default). An accepted answer or a
    solving post that leaves goes back to unset on the original. Takes the
    structure and new-tree locks, then locks the original thread's row.
    """
    title = clean_title(title)
    with transaction.atomic():
        lock_structure(new_tree=True)
        thread = lock_thread(post.thread_id)
        post = Post.objects.only(*TREE_FIELDS, "author", "is_deleted", "review", "created_at").get(pk=post.pk)
        if post.thread_id != thread.pk:
            raise ValidationError({"post": "That post has just moved to another thread. Try again."})
        if post.parent_id is None:
            raise ValidationError({"post": "That is the opening post. Pick a reply to start the new thread."})
        if post.is_deleted:
            raise ValidationError({"post": "That post was removed, so it can't start a thread."})
        if post.review != Review.PUBLISHED:
            raise ValidationError({"post": "That post isn't published. Approve it first."})
        _refuse_unlisted(thread)
        category = category or thread.category

        branch = _subtree(post)
        moved = branch.filter(LIVE_POST).count()
        latest = branch.filter(LIVE_POST).order_by("-created_at").values("created_at", "author_id").first() or {
            "created_at": post.created_at,
            "author_id": post.author_id,
        }
        leaving = set(
            branch.filter(pk__in=[thread.accepted_answer_id, thread.solving_post_id]).values_list("pk", flat=True)
        )
        new = Thread.objects.create(
            category=category,
            author_id=post.author_id,
            kind=thread.kind,
            title=title,
            slug=thread_slug(title),
            problem_status=Thread.ProblemStatus.OPEN if thread.kind == Thread.Kind.PROBLEM else "",
            idea_status=Thread.IdeaStatus.NEW if thread.kind == Thread.Kind.IDEA else "",
            created_at=post.created_at,
            last_activity_at=latest["created_at"],
            last_poster_id=latest["author_id"],
        )

        Post.objects.move_node(post, None)
        Post.objects.filter(tree_id=post.tree_id).update(thread=new)
        _votes_follow_posts(new)
        _set_branches(post.tree_id)
        search.index_post(post, title=title)

        Thread.objects.filter(pk=new.pk).update(opening_post=post)
        counters.thread_split(thread, new=new, posts=moved)
        original_changes: dict[str, Any] = {}
        if thread.accepted_answer_id in leaving:
            original_changes["accepted_answer"] = None
        if thread.solving_post_id in leaving:
            original_changes["solving_post"] = None
            original_changes["problem_status"] = Thread.ProblemStatus.OPEN
        if original_changes:
            Thread.objects.filter(pk=thread.pk).update(**original_changes)
        auto_follow(new.author, new)
    new.refresh_from_db()
    return new


def mark_duplicate(thread: Thread, *, original: Thread) -> Thread:
    """Point the thread at the one that already covers it, and close it to new replies.

    Takes the structure lock, then locks both thread rows, lower pk first, so
    two marks can't make a loop.
    """
    if thread.pk == original.pk:
        raise ValidationError({"original": "A thread can't be a duplicate of itself."})
    with transaction.atomic():
        lock_structure()
        locked = _lock_threads(thread.pk, original.pk)
        thread, original = locked[thread.pk], locked[original.pk]
        _refuse_merged(thread)
        _refuse_merged(original, "original")
        if original.is_deleted:
            raise ValidationError({"original": f"“{original.title}” was removed. Pick a thread people can read."})
        if thread.duplicate_of_id == original.pk:
            raise ValidationError({"original": f"This thread is already marked as a duplicate of “{original.title}”."})
        seen, step = {original.pk}, original.duplicate_of_id
        while step is not None and step not in seen:
            if step == thread.pk:
                raise ValidationError(
                    {
                        "original": f"“{original.title}” is itself marked as a duplicate of this thread. "
                        "Unmark it first, or mark it the other way round."
                    }
                )
            seen.add(step)
            step = Thread.objects.filter(pk=step).values_list("duplicate_of_id", flat=True).first()
        changes: dict[str, Any] = {"duplicate_of": original}
        if thread.state == Thread.State.OPEN:
            changes["state"] = Thread.State.CLOSED
        Thread.objects.filter(pk=thread.pk).update(**changes)
    thread.refresh_from_db()
    return thread


def unmark_duplicate(thread: Thread) -> Thread:
    """Remove the duplicate link; a thread that the mark closed opens again (a locked one stays locked).

    Locks the thread row (select_for_update).
    """
    with transaction.atomic():
        thread = lock_thread(thread.pk)
        _refuse_merged(thread)
        if thread.duplicate_of_id is None:
            raise ValidationError("This thread isn't marked as a duplicate.")
        changes: dict[str, Any] = {"duplicate_of": None}
        if thread.state == Thread.State.CLOSED:
            changes["state"] = Thread.State.OPEN
        Thread.objects.filter(pk=thread.pk).update(**changes)
    thread.refresh_from_db()
    return thread
