"""One function per kind of audit record.

Every moderator and staff action calls one of these inside its own
transaction, so the action and its record commit or roll back together.
Entries are append-only: the model refuses updates and deletes, and so does a
database trigger.
"""

from community.models import Post, Thread
from moderation.models import AuditEntry

Action = AuditEntry.Action


def _target(obj) -> tuple[str, int, str, int | None]:
    """(type, id, label, category id) for anything an entry can be about."""
    if isinstance(obj, Post):
        thread = obj.thread
        kind = "thread" if obj.parent_id is None else "post"
        return kind, obj.pk, f"{'Thread' if kind == 'thread' else 'Reply'} in “{thread.title}”", thread.category_id
    if isinstance(obj, Thread):
        return "thread", obj.pk, f"“{obj.title}”", obj.category_id
    model = type(obj)._meta.model_name
    if model == "user":
        return "member", obj.pk, f"@{obj.username}", None
    return model, obj.pk, str(obj)[:300], None


def record(actor, action: str, target, *, reason: str = "", before=None, after=None) -> AuditEntry:
    target_type, target_id, label, category_id = _target(target)
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=label[:300],
        category_id=category_id,
        reason=reason,
        before=before or {},
        after=after or {},
    )


def post_reviewed(actor, post: Post, *, action: str, reason: str = "", before=None, after=None) -> AuditEntry:
    """Approve, hide, restore, remove or dismiss flags: one entry per post acted on."""
    return record(actor, action, post, reason=reason, before=before, after=after)


def post_auto_hidden(post: Post, *, weight: int) -> AuditEntry:
    """No actor: the members' flags did it."""
    return record(None, Action.POST_AUTO_HIDDEN, post, after={"flag_weight": weight})


def post_edited(actor, post: Post, *, reason: str, before_body: str) -> AuditEntry:
    return record(
        actor, Action.POST_EDITED, post, reason=reason, before={"body": before_body}, after={"body": post.body}
    )


def item_claimed(actor, post: Post) -> AuditEntry:
    return record(actor, Action.ITEM_CLAIMED, post)


def thread_changed(actor, thread: Thread, *, action: str, reason: str = "", before=None, after=None) -> AuditEntry:
    """State, pin, move, rename, merge, split and duplicate marks on a thread."""
    return record(actor, action, thread, reason=reason, before=before, after=after)


def member_sanctioned(actor, member, *, action: str, reason: str, before=None, after=None) -> AuditEntry:
    """Warnings, suspensions, bans, their lifting and expiry, and spam purges."""
    return record(actor, action, member, reason=reason, before=before, after=after)


def member_noted(actor, member, *, body: str) -> AuditEntry:
    return record(actor, Action.NOTE_ADDED, member, after={"note": body})


def trust_changed(actor, member, *, old: int, new: int, reason: str = "") -> AuditEntry:
    return record(
        actor, Action.TRUST_CHANGED, member, reason=reason, before={"trust_level": old}, after={"trust_level": new}
    )


def votes_reversed(voter, *, author, votes: int, points: int, reason: str) -> AuditEntry:
    """No actor: the nightly serial-voting check took back the points `voter` gave `author`."""
    return record(
        None,
        Action.VOTES_REVERSED,
        voter,
        reason=reason,
        after={"author": author.pk, "author_username": author.username, "votes": votes, "points": points},
    )


def filter_changed(actor, content_filter, *, before=None, after=None) -> AuditEntry:
    return record(actor, Action.FILTER_CHANGED, content_filter, before=before, after=after)


def role_changed(actor, member, *, granted: bool, category=None) -> AuditEntry:
    scope = {"category": category.name if category else "everywhere"}
    return record(actor, Action.ROLE_GRANTED if granted else Action.ROLE_REVOKED, member, after=scope)


def conversation_changed(actor, conversation, *, action: str, before=None, after=None) -> AuditEntry:
    return record(actor, action, conversation, before=before, after=after)


def badge_given(actor, member, *, badge: str, citation: str) -> AuditEntry:
    """Staff thanked a member with a badge; the citation is the reason, as the badge page shows it."""
    return record(actor, Action.BADGE_GIVEN, member, reason=citation, after={"badge": badge})


def super_user_changed(actor, member, *, nominated: bool, note: str = "", before: str, after: str) -> AuditEntry:
    """Staff made a member a super user, or took it away; `before` and `after` are accounts.User.SuperUser values."""
    return record(
        actor,
        Action.SUPER_USER_NOMINATED if nominated else Action.SUPER_USER_REMOVED,
        member,
        reason=note,
        before={"super_user": before},
        after={"super_user": after},
    )


def faq_article_changed(actor, article, *, action: str, reason: str = "", before=None, after=None) -> AuditEntry:
    """Promotions into the FAQ; edits, publishing, unpublishing and archiving of its articles; a candidate
    dismissed (the target is then its thread); a source post's edit taken in or dismissed."""
    return record(actor, action, article, reason=reason, before=before, after=after)


def question_owner_changed(
    actor, thread: Thread, *, before: str | None, after: str | None, reason: str = ""
) -> AuditEntry:
    """An unanswered question given to a staff owner (usernames, None for nobody): by staff, or, with no
    actor, by the escalation ladder."""
    return record(
        actor, Action.QUESTION_OWNER, thread, reason=reason, before={"owner": before}, after={"owner": after}
    )
