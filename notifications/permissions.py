"""Who may hear of what: the one place the notification rules are decided.

What a member may see is community.permissions' decision, asked here and
never restated, so a notification or email can't leak a held, hidden or
removed post.
"""

from community import permissions as community
from community.models import Post, Subscription, Thread
from notifications.models import Kind

# About the member's own post or account: told whoever did it, and whatever the member muted.
PERSONAL_KINDS = frozenset({Kind.MODERATION, Kind.SANCTION, Kind.STAFF_REPLY, Kind.CONVERSATION})


def may_hear(
    user,
    *,
    kind: str,
    actor_id: int | None,
    thread: Thread | None,
    post: Post | None,
    mutes_actor: bool = False,
    watch_level: str | None = None,
) -> bool:
    """Whether `user` is told of something of `kind` that `actor_id` did to `thread` or `post`.

    Nobody hears of their own actions; suspended and banned members hear of
    their sanctions only (and the suspended, of the team's answers to their
    appeals); a muted member, thread or category is silent; and nobody is
    told of what they can't see.
    """
    if user is None or user.pk == actor_id:
        return False
    if kind == Kind.SANCTION:
        return True
    # A suspended member appeals in their conversation with the team, so they hear the team's answers.
    if kind == Kind.STAFF_REPLY and community.is_member(user):
        return True
    if not community.is_member(user) or community.posting_refusal(user):
        return False
    if kind in PERSONAL_KINDS:
        return True
    if mutes_actor or watch_level == Subscription.Level.MUTED:
        return False
    if thread is None:
        return True
    # A flag's outcome names the thread, not the post: the post the flag hid is no longer the flagger's to see.
    if post is None or kind == Kind.FLAG:
        return community.can_view_thread(user, thread)
    return community.can_view_post(user, post, thread)


def can_mute(user, member) -> bool:
    return community.is_member(user) and member is not None and member.pk != user.pk


def can_receive_digest(user) -> bool:
    """A summary of the community is for members who may take part in it: not the suspended or banned."""
    return community.is_member(user) and not community.posting_refusal(user)


def can_see_unanswered(user) -> bool:
    """The unanswered questions and their owners are the team's worklist."""
    return community.is_staff(user)


def can_assign_owner(user) -> bool:
    """Giving an unanswered question to a team member is the team's own call."""
    return community.is_staff(user)


def owner_refusal(owner, thread: Thread) -> str | None:
    """Why `owner` can't own `thread`: an owner is an active staff member who can read the question."""
    if owner is None or not owner.is_active or not community.is_staff(owner):
        return "Questions can only be given to a member of the team."
    if not community.can_view_thread(owner, thread):
        return f"{owner.name} can't see this question."
    return None
