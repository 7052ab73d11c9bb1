"""Moderators' thread actions: check, act, audit, all in one transaction.

Each function locks the thread rows it acts on (select_for_update, lower pk
first), checks `can_review` against the categories as they are under the
lock, calls one community mechanic, writes its audit record and publishes
`ThreadChanged` before the transaction commits. Moves, merges, splits and duplicate marks first take the
locks that `community.services.thread_actions` says must come before any row.

A refusal raises PermissionDenied; a rule broken (merging a thread into
itself, locking a locked thread) raises ValidationError, keyed by the form
field it concerns where there is one.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from community import events
from community import permissions as community_permissions
from community.models import Category, Post, Thread
from community.services import thread_actions
from moderation import audit, permissions
from moderation.models import AuditEntry, ReviewItem

Action = AuditEntry.Action
State = Thread.State


def _check(actor, thread: Thread, *, field: str | None = None) -> Thread:
    """The thread, locked and re-read, if `actor` moderates its category."""
    current = thread_actions.lock_thread(thread.pk)
    if not permissions.can_review(actor, current.category):
        raise PermissionDenied(f"You don't moderate {current.category.name}, where “{current.title}” is.")
    if current.merged_into_id:
        message = f"“{current.title}” was merged into another thread (#{current.merged_into_id}); act on that one."
        raise ValidationError({field: message} if field else message)
    return current


def _check_pair(actor, first: Thread, second: Thread) -> tuple[Thread, Thread]:
    """Lock two threads, lower pk first, and check the actor moderates both categories."""
    ordered = sorted([first, second], key=lambda t: t.pk)
    locked = {t.pk: thread_actions.lock_thread(t.pk) for t in ordered}
    first, second = locked[first.pk], locked[second.pk]
    _check(actor, first)
    if not permissions.can_review(actor, second.category):
        raise PermissionDenied(f"You don't moderate {second.category.name}, where “{second.title}” is.")
    return first, second


def _check_category(actor, category: Category) -> None:
    if not permissions.can_review(actor, category):
        raise PermissionDenied(f"You don't moderate {category.name}.")


def _follow_posts(thread_ids) -> None:
    """Queue items copy their post's category, so the queue filters without joins."""
    for thread_id, category_id in Thread.objects.filter(pk__in=thread_ids).values_list("pk", "category_id"):
        ReviewItem.objects.filter(post__thread_id=thread_id).exclude(category_id=category_id).update(
            category_id=category_id
        )


def _label(thread: Thread) -> str:
    return f"#{thread.pk} {thread.title}"


def _record(
    actor,
    thread: Thread,
    *,
    change: str,
    action: str,
    reason: str,
    before: dict,
    after: dict,
    categories: tuple[int, ...] = (),
    other: Thread | None = None,
) -> None:
    """The audit record and the event of one thread action, in the action's transaction."""
    audit.thread_changed(actor, thread, action=action, reason=reason, before=before, after=after)
    events.publish(
        events.ThreadChanged(
            thread_id=thread.pk,
            actor_id=actor.pk,
            action=change,
            categories=categories or (thread.category_id,),
            other_thread_id=other.pk if other else None,
        )
    )


# Open, close, lock and pin ---------------------------------------------------


def _set_state(
    actor, thread: Thread, *, state: str, allowed: tuple[str, ...], refusal: str, reason: str, change: str
) -> Thread:
    with transaction.atomic():
        current = _check(actor, thread)
        if current.state not in allowed:
            raise ValidationError(refusal)
        before = {"state": current.state}
        thread = thread_actions.set_state(current, state=state)
        _record(
            actor,
            thread,
            change=change,
            action=Action.THREAD_STATE,
            reason=reason,
            before=before,
            after={"state": state},
        )
    return thread


def lock_thread(actor, *, thread: Thread, reason: str = "") -> Thread:
    """No more replies, votes or member edits."""
    return _set_state(
        actor,
        thread,
        state=State.LOCKED,
        allowed=(State.OPEN, State.CLOSED),
        refusal="The thread is already locked.",
        reason=reason,
        change="locked",
    )


def unlock_thread(actor, *, thread: Thread, reason: str = "") -> Thread:
    return _set_state(
        actor,
        thread,
        state=State.OPEN,
        allowed=(State.LOCKED,),
        refusal="The thread isn't locked.",
        reason=reason,
        change="unlocked",
    )


def close_thread(actor, *, thread: Thread, reason: str = "") -> Thread:
    """No more replies; votes and edits go on."""
    return _set_state(
        actor,
        thread,
        state=State.CLOSED,
        allowed=(State.OPEN,),
        refusal="Only an open thread can be closed.",
        reason=reason,
        change="closed",
    )


def reopen_thread(actor, *, thread: Thread, reason: str = "") -> Thread:
    return _set_state(
        actor,
        thread,
        state=State.OPEN,
        allowed=(State.CLOSED,),
        refusal="The thread isn't closed.",
        reason=reason,
        change="reopened",
    )


def _set_pinned(actor, thread: Thread, *, pinned: bool, reason: str) -> Thread:
    with transaction.atomic():
        current = _check(actor, thread)
        if current.is_pinned == pinned:
            raise ValidationError("The thread is already pinned." if pinned else "The thread isn't pinned.")
        thread = thread_actions.set_pinned(current, pinned=pinned)
        _record(
            actor,
            thread,
            change="pinned" if pinned else "unpinned",
            action=Action.THREAD_PINNED,
            reason=reason,
            before={"pinned": not pinned},
            after={"pinned": pinned},
        )
    return thread


def pin_thread(actor, *, thread: Thread, reason: str = "") -> Thread:
    """Keep the thread at the top of its category."""
    return _set_pinned(actor, thread, pinned=True, reason=reason)


def unpin_thread(actor, *, thread: Thread, reason: str = "") -> Thread:
    return _set_pinned(actor, thread, pinned=False, reason=reason)


# Move, rename, merge, split, duplicates --------------------------------------


def move_thread(actor, *, thread: Thread, category: Category, reason: str = "") -> Thread:
    """Move the thread to `category`; the actor must moderate both the old and the new one."""
    with transaction.atomic():
        thread_actions.lock_structure()
        current = _check(actor, thread)
        _check_category(actor, category)
        before = {"category": current.category.name}
        old_category_id = current.category_id
        thread = thread_actions.move_thread(current, category=category)
        _follow_posts([thread.pk])
        _record(
            actor,
            thread,
            change="moved",
            action=Action.THREAD_MOVED,
            reason=reason,
            before=before,
            after={"category": category.name},
            categories=(old_category_id, category.pk),
        )
    return thread


def rename_thread(actor, *, thread: Thread, title: str, reason: str = "") -> Thread:
    with transaction.atomic():
        current = _check(actor, thread)
        before = {"title": current.title}
        thread = thread_actions.rename_thread(current, title=title)
        _record(
            actor,
            thread,
            change="renamed",
            action=Action.THREAD_RENAMED,
            reason=reason,
            before=before,
            after={"title": thread.title},
        )
    return thread


def merge_threads(actor, *, thread: Thread, into: Thread, reason: str = "") -> Thread:
    """Merge `thread` into `into` and return `into`; the actor must moderate both threads' categories.

    The audit record is about the merged thread, which keeps its row.
    """
    with transaction.atomic():
        thread_actions.lock_structure()
        if thread.pk == into.pk:
            _check(actor, thread)
            raise ValidationError({"into": "A thread can't be merged into itself. Pick another thread."})
        source, target = _check_pair(actor, thread, into)
        before = {"thread": _label(source), "category": source.category.name, "replies": source.reply_count}
        target = thread_actions.merge_threads(source, into=target)
        _follow_posts([target.pk])
        source.refresh_from_db()
        _record(
            actor,
            source,
            change="merged",
            action=Action.THREAD_MERGED,
            reason=reason,
            before=before,
            after={"merged_into": _label(target), "category": target.category.name},
            categories=tuple({source.category_id, target.category_id}),
            other=target,
        )
    return target


def split_thread(actor, *, post: Post, title: str, category: Category | None = None, reason: str = "") -> Thread:
    """Make a reply and the replies under it a new thread, and return the new thread.

    The actor must moderate the original thread's category and, when given, the new one.
    """
    with transaction.atomic():
        thread_actions.lock_structure(new_tree=True)
        current = _check(actor, Thread(pk=post.thread_id))
        if category is not None:
            _check_category(actor, category)
        before = {"thread": _label(current), "replies": current.reply_count}
        new = thread_actions.split_thread(post, title=title, category=category)
        _follow_posts([new.pk])
        current.refresh_from_db()
        _record(
            actor,
            current,
            change="split",
            action=Action.THREAD_SPLIT,
            reason=reason,
            before=before,
            after={"new_thread": _label(new), "category": new.category.name, "replies": current.reply_count},
            categories=tuple({current.category_id, new.category_id}),
            other=new,
        )
    return new


def mark_duplicate(actor, *, thread: Thread, original: Thread, reason: str = "") -> Thread:
    """Point the thread at `original` and close it; the actor moderates the thread and can see `original`."""
    with transaction.atomic():
        thread_actions.lock_structure()
        current = _check(actor, thread)
        if original.pk != current.pk and not community_permissions.can_view_thread(actor, original):
            raise ValidationError({"original": "No thread has that address."})
        before = {"duplicate_of": None, "state": current.state}
        if current.duplicate_of_id:
            before["duplicate_of"] = _label(Thread.objects.only("title").get(pk=current.duplicate_of_id))
        thread = thread_actions.mark_duplicate(current, original=original)
        _record(
            actor,
            thread,
            change="marked_duplicate",
            other=original,
            action=Action.THREAD_DUPLICATE,
            reason=reason,
            before=before,
            after={"duplicate_of": _label(original), "state": thread.state},
        )
    return thread


def unmark_duplicate(actor, *, thread: Thread, reason: str = "") -> Thread:
    with transaction.atomic():
        current = _check(actor, thread)
        if current.duplicate_of_id is None:
            raise ValidationError("This thread isn't marked as a duplicate.")
        original = Thread.objects.only("title").get(pk=current.duplicate_of_id)
        before = {"duplicate_of": _label(original), "state": current.state}
        thread = thread_actions.unmark_duplicate(current)
        _record(
            actor,
            thread,
            change="unmarked_duplicate",
            other=original,
            action=Action.THREAD_DUPLICATE,
            reason=reason,
            before=before,
            after={"duplicate_of": None, "state": thread.state},
        )
    return thread
