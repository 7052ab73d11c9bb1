"""Who may do what in moderation: one function per action, with queryset twins.

Scoped moderators act only inside the categories they moderate (and their
sub-categories); staff and global moderators act everywhere. Account-wide
sanctions that lock someone out (bans, spam purges) need a global moderator.
"""

from django.db.models import QuerySet

from community.models import Category, Post, Review, Thread
from community.permissions import is_member, is_moderator, is_staff, moderated_category_filter, posting_refusal


def is_global_moderator(user) -> bool:
    return is_member(user) and (is_staff(user) or user.moderates_everywhere)


def flag_refusal(user, post: Post, thread: Thread) -> str | None:
    """Why `user` may not flag `post`, or None when they may."""
    if not is_member(user):
        return "Sign in to flag posts."
    if refusal := posting_refusal(user):
        return refusal
    if post.is_deleted or thread.is_deleted:
        return "That post was removed, so it can't be flagged."
    if post.author_id == user.pk:
        return "You can't flag your own post. Edit or remove it instead."
    if post.review == Review.PENDING:
        return "That post is already waiting for a moderator."
    return None


def can_review(user, category: Category) -> bool:
    """Act on queue items, posts and threads in `category`."""
    return is_moderator(user, category)


def can_view_queue(user) -> bool:
    return is_moderator(user)


def visible_items(user, items: QuerySet) -> QuerySet:
    if not is_moderator(user):
        return items.none()
    scope = moderated_category_filter(user)
    return items if scope is None else items.filter(scope)


def can_warn(user, member) -> bool:
    return is_moderator(user) and member.pk != user.pk and not is_staff(member)


def can_suspend(user, member) -> bool:
    return can_warn(user, member)


def can_ban(user, member) -> bool:
    """Locking an account out is for global moderators and staff."""
    return is_global_moderator(user) and member.pk != user.pk and not is_staff(member)


def can_purge_spammer(user, member) -> bool:
    return can_ban(user, member)


def can_view_member_notes(user) -> bool:
    return is_moderator(user)


def can_view_audit_log(user) -> bool:
    return is_staff(user)


def can_manage_roles(user) -> bool:
    return is_staff(user)


def can_handle_conversations(user) -> bool:
    """Staff answer the "contact the team" inbox."""
    return is_staff(user)


def can_view_conversation(user, conversation) -> bool:
    return is_member(user) and (conversation.member_id == user.pk or is_staff(user))
