"""Who may do what in moderation: one function per action, with queryset twins.

Scoped moderators act only inside the categories they moderate (and their
sub-categories); staff and global moderators act everywhere. Account-wide
sanctions that lock someone out (bans, spam purges) need a global moderator,
and nobody sanctions a role as high as their own.
"""

from django.db.models import QuerySet

from community.models import Category, Post, Review, Thread
from community.permissions import is_member, is_moderator, is_staff, moderated_category_filter, posting_refusal
from moderation.models import Sanction


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


# Sanctions -----------------------------------------------------------------------
#
# Every role acts only on roles below its own: staff on anyone but staff, a
# global moderator on members and scoped moderators, a scoped moderator on
# members alone, and only for what they posted in the scoped moderator's
# categories. Lifting a sanction shortens it, so it needs the same right over
# the member and a role at least as high as the one that imposed it.

MEMBER, SCOPED_MODERATOR, GLOBAL_MODERATOR, STAFF = range(4)


def role_rank(user) -> int:
    """The role `user` holds, whatever their state: a suspended or banned moderator is still one."""
    if user.is_staff_member or user.is_superuser:
        return STAFF
    if user.moderates_everywhere:
        return GLOBAL_MODERATOR
    return SCOPED_MODERATOR if user.moderated_categories else MEMBER


def acting_rank(user) -> int:
    """The role `user` may act with now: none while signed out, banned or suspended (staff excepted)."""
    if not is_moderator(user):
        return MEMBER
    return role_rank(user)


def posted_in_scope(user, member, post: Post | None = None) -> bool:
    """Whether `member` wrote `post` in a category `user` moderates or, with no post, anything there.

    Removed and held posts count: they are often what the sanction is for.
    """
    if post is not None:
        return post.author_id == member.pk and is_moderator(user, post.thread.category)
    scope = moderated_category_filter(user, "thread__")
    posts = Post.objects.filter(author_id=member.pk)
    return (posts if scope is None else posts.filter(scope)).exists()


def sanction_refusal(user, member, *, post: Post | None = None) -> str | None:
    """Why `user` may not warn or suspend `member`, or None when they may.

    `post` is the content in question when the caller has it (a queue item);
    without it, any post of the member's in the moderator's categories will do.
    """
    rank = acting_rank(user)
    if rank == MEMBER:
        return "Only moderators can warn or suspend members."
    if member.pk == user.pk:
        return "You can't sanction yourself."
    if role_rank(member) == STAFF:
        return "Staff members can't be sanctioned."
    if role_rank(member) >= rank:
        above = "staff" if rank == GLOBAL_MODERATOR else "global moderators and staff"
        return f"Only {above} can sanction this moderator."
    if rank == SCOPED_MODERATOR and not posted_in_scope(user, member, post):
        return "You can sanction only members who posted in the categories you moderate."
    return None


def can_warn(user, member, *, post: Post | None = None) -> bool:
    return sanction_refusal(user, member, post=post) is None


def can_suspend(user, member, *, post: Post | None = None) -> bool:
    return sanction_refusal(user, member, post=post) is None


def ban_refusal(user, member) -> str | None:
    """Why `user` may not ban `member`, or None: global moderators and staff only, below their own role."""
    if acting_rank(user) < GLOBAL_MODERATOR:
        return "Only global moderators and staff can ban members."
    return sanction_refusal(user, member)


def can_ban(user, member) -> bool:
    return ban_refusal(user, member) is None


def purge_refusal(user, member) -> str | None:
    """Why `user` may not clean up `member`'s account (remove everything and ban), or None."""
    if acting_rank(user) < GLOBAL_MODERATOR:
        return "Only global moderators and staff can clean up spam accounts."
    return sanction_refusal(user, member)


def can_purge_spammer(user, member) -> bool:
    return purge_refusal(user, member) is None


def unpurge_refusal(user, member, ban: Sanction | None) -> str | None:
    """Why `user` may not undo the clean-up of `member` that gave `ban`, or None.

    Undoing lifts the ban if it still runs, so a higher role's clean-up stays theirs to undo.
    """
    refusal = purge_refusal(user, member)
    if refusal or ban is None or ban.lifted_at or ban.expired_at:
        return refusal
    return _imposer_refusal(user, ban)


def can_unpurge(user, member, ban: Sanction | None) -> bool:
    return unpurge_refusal(user, member, ban) is None


def lift_refusal(user, sanction: Sanction, member) -> str | None:
    """Why `user` may not lift (or withdraw) `sanction` on `member`, or None when they may."""
    refusal = ban_refusal(user, member) if sanction.kind == Sanction.Kind.BAN else sanction_refusal(user, member)
    return refusal or _imposer_refusal(user, sanction)


def _imposer_refusal(user, sanction: Sanction) -> str | None:
    if role_rank(sanction.created_by) > acting_rank(user):
        return "A higher role imposed this, so only someone in that role or above can lift it."
    return None


def liftable_sanctions(user, member, sanctions: list[Sanction]) -> set[int]:
    """The ids of the running `sanctions` on `member` that `user` may lift: what the member page offers.

    Each member-wide check runs once, not once per sanction; `created_by` should be joined.
    """
    sanctionable = sanction_refusal(user, member) is None
    may_lift: dict[str, bool] = {
        Sanction.Kind.BAN: sanctionable and can_ban(user, member),
        Sanction.Kind.SUSPENSION: sanctionable,
        Sanction.Kind.WARNING: sanctionable,
    }
    return {
        sanction.pk
        for sanction in sanctions
        if sanction.lifted_at is None
        and sanction.expired_at is None
        and may_lift[sanction.kind]
        and _imposer_refusal(user, sanction) is None
    }


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
