"""Who may do what in the community: one function per action.

Views, the API, search and notifications all ask these same functions, so a
private or removed thing cannot leak through a side door. Check functions say
yes or no; the `visible_*` filters are their queryset twins.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from community.models import Category, Post, Review, Thread

TRUST_IMAGES = 1
TRUST_EDIT_OTHERS = 4


def is_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_staff(user) -> bool:
    return is_member(user) and (user.is_staff_member or user.is_superuser)


def is_moderator(user, category: Category | None = None) -> bool:
    """Staff and global moderators moderate everywhere; others only their categories and their children.

    Without a category: whether `user` moderates anything at all. The scope is
    read from the user row (moderation.services keeps it in step with the
    roles), so this costs no query.
    """
    if not is_member(user):
        return False
    if is_staff(user):
        return True
    if posting_refusal(user):
        return False  # a suspended moderator has no rights until the suspension ends
    if user.moderates_everywhere:
        return True
    scope = user.moderated_categories
    if category is None:
        return bool(scope)
    return category.pk in scope or (category.parent_id is not None and category.parent_id in scope)


def moderated_category_filter(user, prefix: str = "") -> Q | None:
    """The categories `user` moderates as a filter on `<prefix>category`; None means all of them."""
    if is_staff(user) or user.moderates_everywhere:
        return None
    ids = list(user.moderated_categories)
    return Q(**{f"{prefix}category__in": ids}) | Q(**{f"{prefix}category__parent__in": ids})


def posting_refusal(user) -> str | None:
    """Why `user` may not write anything right now (a suspension), or None."""
    until = user.suspended_until if is_member(user) else None
    if until and until > timezone.now():
        return f"You are suspended until {timezone.localtime(until):%-d %B %Y, %H:%M}, so you can read but not post."
    return None


def visible_threads(user, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """Published threads for everyone, and every thread in the categories a moderator moderates.

    The same for all members, so lists built from it can be shared between
    them; a member's own held threads appear only in their "my threads" list.
    """
    threads = threads.filter(merged_into=None)
    public = Q(is_deleted=False, review=Review.PUBLISHED)
    if is_moderator(user):
        scope = moderated_category_filter(user)
        if scope is None:
            return threads
        public |= scope
    return threads.filter(public)


def own_threads(user, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """A member's own threads, held ones included: their "my threads" list."""
    if not is_member(user):
        return threads.none()
    return threads.filter(author=user, merged_into=None, is_deleted=False)


def can_view_thread(user, thread: Thread) -> bool:
    if is_moderator(user, thread.category):
        return True
    if thread.is_deleted:
        return False
    return thread.review == Review.PUBLISHED or (is_member(user) and user.pk == thread.author_id)


def can_view_post(user, post: Post, thread: Thread) -> bool:
    """Held and hidden posts are seen by their author and the thread's moderators only."""
    if post.review == Review.PUBLISHED:
        return True
    return is_member(user) and (user.pk == post.author_id or is_moderator(user, thread.category))


def can_start_thread(user, category: Category) -> bool:
    if not is_member(user) or posting_refusal(user):
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
    if refusal := posting_refusal(user):
        return refusal
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
        and not posting_refusal(user)
        and user.pk != post.author_id
        and not post.is_deleted
        and post.review == Review.PUBLISHED
        and not thread.is_deleted
        and thread.state != Thread.State.LOCKED
    )


def can_vote_idea(user, thread: Thread) -> bool:
    return (
        is_member(user)
        and not posting_refusal(user)
        and thread.kind == Thread.Kind.IDEA
        and user.pk != thread.author_id
        and not thread.is_deleted
        and thread.state != Thread.State.LOCKED
    )


def can_confirm_problem(user, thread: Thread) -> bool:
    return (
        is_member(user)
        and not posting_refusal(user)
        and thread.kind == Thread.Kind.PROBLEM
        and user.pk != thread.author_id
        and not thread.is_deleted
        and thread.state != Thread.State.LOCKED
    )


def can_edit_post(user, post: Post, thread: Thread) -> bool:
    if not is_member(user) or post.is_deleted or posting_refusal(user):
        return False
    if is_moderator(user, thread.category):
        return True
    if thread.state == Thread.State.LOCKED or thread.is_deleted:
        return False
    # Leaders (trust level 4) may tidy up others' posts, as on a wiki; every edit keeps a revision.
    return user.pk == post.author_id or user.trust_level >= TRUST_EDIT_OTHERS


def can_delete_post(user, post: Post, thread: Thread) -> bool:
    if not is_member(user) or post.is_deleted or posting_refusal(user):
        return False
    if is_moderator(user, thread.category):
        return True
    return user.pk == post.author_id and thread.state != Thread.State.LOCKED and not thread.is_deleted


def can_upload_images(user) -> bool:
    """New members (trust level 0) can't upload images, a favourite of spammers."""
    return is_member(user) and not posting_refusal(user) and (user.trust_level >= TRUST_IMAGES or is_moderator(user))


def can_view_revisions(user, post: Post, thread: Thread) -> bool:
    return can_view_thread(user, thread) and (not post.is_deleted or is_moderator(user, thread.category))
