"""Who may do what in the community: one function per action.

Views, the API, search and notifications all ask these same functions, so a
private or removed thing cannot leak through a side door. Check functions say
yes or no; the `visible_*` filters are their queryset twins.
"""

from django.db.models import QuerySet

from community.models import Category, Post, Thread

MODERATORS_GROUP = "Moderators"


def is_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_staff(user) -> bool:
    return is_member(user) and (user.is_staff_member or user.is_superuser)


def is_moderator(user, category: Category | None = None) -> bool:
    if not is_member(user):
        return False
    if is_staff(user):
        return True
    # Group membership is cached per request object, so lists don't repeat it.
    cached = getattr(user, "_is_moderator", None)
    if cached is None:
        cached = user.groups.filter(name=MODERATORS_GROUP).exists()
        user._is_moderator = cached
    return cached


def visible_threads(user, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    if is_moderator(user):
        return threads
    return threads.filter(is_deleted=False)


def can_view_thread(user, thread: Thread) -> bool:
    return not thread.is_deleted or is_moderator(user, thread.category)


def can_start_thread(user, category: Category) -> bool:
    if not is_member(user):
        return False
    policy = category.who_can_start
    if policy == Category.StartPolicy.STAFF:
        return is_moderator(user, category)
    if policy == Category.StartPolicy.TRUSTED:
        return user.trust_level >= 2 or is_moderator(user, category)
    return True


def reply_refusal(user, thread: Thread) -> str | None:
    """Why `user` may not reply to `thread`, or None when they may."""
    if not is_member(user):
        return "Sign in to reply."
    if thread.is_deleted:
        return "This thread was removed."
    if thread.state == Thread.State.LOCKED and not is_moderator(user, thread.category):
        return "This thread is locked."
    if thread.state == Thread.State.CLOSED and not is_moderator(user, thread.category):
        return "This thread is closed to new replies."
    return None


def can_reply(user, thread: Thread) -> bool:
    return reply_refusal(user, thread) is None


def can_accept_answer(user, thread: Thread) -> bool:
    if not is_member(user) or thread.kind != Thread.Kind.QUESTION or thread.is_deleted:
        return False
    if thread.state == Thread.State.LOCKED:
        return is_moderator(user, thread.category)
    return user.pk == thread.author_id or is_staff(user) or is_moderator(user, thread.category)


def can_verify_answer(user, thread: Thread) -> bool:
    return is_staff(user) and not thread.is_deleted


def can_set_status(user, thread: Thread) -> bool:
    """Staff move ideas and problems through their statuses; other kinds have none."""
    return is_staff(user) and not thread.is_deleted and thread.kind in (Thread.Kind.IDEA, Thread.Kind.PROBLEM)


def can_vote(user, post: Post, thread: Thread) -> bool:
    return (
        is_member(user)
        and user.pk != post.author_id
        and not post.is_deleted
        and not thread.is_deleted
        and thread.state != Thread.State.LOCKED
    )


def can_vote_idea(user, thread: Thread) -> bool:
    return (
        is_member(user)
        and thread.kind == Thread.Kind.IDEA
        and user.pk != thread.author_id
        and not thread.is_deleted
        and thread.state != Thread.State.LOCKED
    )


def can_confirm_problem(user, thread: Thread) -> bool:
    return (
        is_member(user)
        and thread.kind == Thread.Kind.PROBLEM
        and user.pk != thread.author_id
        and not thread.is_deleted
        and thread.state != Thread.State.LOCKED
    )


def can_edit_post(user, post: Post, thread: Thread) -> bool:
    if not is_member(user) or post.is_deleted:
        return False
    if is_moderator(user, thread.category):
        return True
    return user.pk == post.author_id and thread.state != Thread.State.LOCKED and not thread.is_deleted


def can_delete_post(user, post: Post, thread: Thread) -> bool:
    return can_edit_post(user, post, thread)


def can_view_revisions(user, post: Post, thread: Thread) -> bool:
    return can_view_thread(user, thread) and (not post.is_deleted or is_moderator(user, thread.category))
