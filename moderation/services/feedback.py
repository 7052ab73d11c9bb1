"""The direct channel between a member and the staff: "contact the team", and appeals.

A conversation belongs to one member; only that member and staff see it
(moderation.permissions.can_view_conversation). A conversation opened by the
team about a sanction carries that sanction, and the member's reply in it is
their appeal.

Nothing here sends mail: each message is published as ConversationMessagePosted,
and notifications tells the member (or the assignee), in the community and by
email, through the outbox, as it tells them of everything else.
"""

import math
import time
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community.permissions import is_member, is_staff
from community.rendering import render_markdown
from moderation import audit, events, permissions
from moderation.models import AuditEntry, Conversation, Message
from moderation.screening import RateLimited

SUBJECT_MIN = 3
SUBJECT_MAX: int = Conversation._meta.get_field("subject").max_length or 0
BODY_MAX: int = Message._meta.get_field("body").max_length or 0
# New conversations a member may open per day; replies are not limited.
NEW_CONVERSATIONS_PER_DAY = 5
_DAY = 86_400


def tell_member(actor, *, member, subject: str, body: str, sanction=None, announce: bool = True) -> Conversation:
    """Write to a member from the team, in a private conversation they can answer (and so appeal).

    Used for every sanction and every removal of a member's post, so the member
    always learns the reason and how to appeal. The message is announced to the
    member (notifications) unless `announce` is False: a sanction's notice is
    the sanction's own (MemberSanctioned), and telling it twice would be noise.
    """
    with transaction.atomic():
        conversation = Conversation.objects.create(member=member, subject=subject[:150], sanction=sanction)
        if announce:
            post_team_message(conversation, author=actor, body=body)
        else:
            add_message_unchecked(conversation, author=actor, body=body, from_staff=True)
    return conversation


def post_team_message(conversation: Conversation, *, author, body: str) -> Message:
    """Append a message from the team and announce it to the member; callers have checked `author` may."""
    message = add_message_unchecked(conversation, author=author, body=body, from_staff=True)
    _announce(conversation, message, from_staff=True)
    return message


def _announce(conversation: Conversation, message: Message, *, from_staff: bool) -> None:
    events.publish(
        events.ConversationMessagePosted(
            conversation_id=conversation.pk,
            message_id=message.pk,
            author_id=message.author_id,
            member_id=conversation.member_id,
            assignee_id=conversation.assignee_id,
            from_staff=from_staff,
        )
    )


def add_message_unchecked(conversation: Conversation, *, author, body: str, from_staff: bool) -> Message:
    """Append a message; callers have checked that `author` may write here."""
    moment = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        author=author,
        body=body,
        body_html=render_markdown(body).html,
        from_staff=from_staff,
        created_at=moment,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=moment)
    conversation.last_message_at = moment
    return message


# Member and staff actions ------------------------------------------------------


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if len(subject) < SUBJECT_MIN:
        raise ValidationError({"subject": "Say in a few words what this is about."})
    if len(subject) > SUBJECT_MAX:
        raise ValidationError({"subject": f"Keep the subject under {SUBJECT_MAX} characters."})
    return subject


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write your message first."})
    if len(body) > BODY_MAX:
        raise ValidationError({"body": f"Keep it under {BODY_MAX:,} characters (it has {len(body):,})."})
    return body


def _count_new_conversation(member) -> None:
    """Allow NEW_CONVERSATIONS_PER_DAY per member per day, counted in the shared cache."""
    now = time.time()
    window = int(now // _DAY)
    key = f"contact:new:{member.pk}:{window}"
    if getattr(cache, "unreachable", False):
        # Without the shared count, the member's own conversations of the last day say it (never more leniently).
        since = timezone.now() - timedelta(seconds=_DAY)
        used = Conversation.objects.filter(member=member, created_at__gte=since).count() + 1
    else:
        cache.add(key, 0, _DAY)
        try:
            used = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            cache.add(key, 1, _DAY)
            used = 1
    if used > NEW_CONVERSATIONS_PER_DAY:
        wait = max(1, math.ceil((window + 1) * _DAY - now))
        hours = math.ceil(wait / 3600)
        raise RateLimited(
            f"You have opened {NEW_CONVERSATIONS_PER_DAY} conversations today. "
            f"Please add to one of them, or try again in {hours} hour{'s' if hours != 1 else ''}.",
            wait,
        )


def start_conversation(member, *, subject: str, body: str) -> Conversation:
    """A member writes to the team. Suspended members may too: this is how they appeal."""
    if not is_member(member):
        raise PermissionDenied("Sign in to contact the team.")
    subject, body = _clean_subject(subject), _clean_body(body)
    if not is_staff(member):
        _count_new_conversation(member)
    with transaction.atomic():
        conversation = Conversation.objects.create(member=member, subject=subject)
        add_message_unchecked(conversation, author=member, body=body, from_staff=False)
    return conversation


def _lock(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def reply_to_conversation(author, *, conversation: Conversation, body: str) -> Message:
    """Add a message. A member's reply reopens a closed conversation; the other side is told of it.

    Locks the conversation row (select_for_update), so a reply and a close don't cross.
    """
    body = _clean_body(body)
    with transaction.atomic():
        conversation = _lock(conversation)
        if not permissions.can_view_conversation(author, conversation):
            raise PermissionDenied("You can't write in this conversation.")
        from_staff = permissions.can_handle_conversations(author) and author.pk != conversation.member_id
        message = add_message_unchecked(conversation, author=author, body=body, from_staff=from_staff)
        if not from_staff and conversation.status == Conversation.Status.CLOSED:
            conversation.status = Conversation.Status.OPEN
            conversation.save(update_fields=["status"])
        _announce(conversation, message, from_staff=from_staff)
    return message


def assign_conversation(actor, *, conversation: Conversation, assignee: User | None) -> Conversation:
    """Give a conversation to a staff member, or to nobody."""
    if not permissions.can_handle_conversations(actor):
        raise PermissionDenied("Only staff can assign conversations.")
    if assignee is not None and not is_staff(assignee):
        raise ValidationError({"assignee": "Conversations can only be assigned to staff."})
    with transaction.atomic():
        conversation = _lock(conversation)
        old = conversation.assignee
        if (old.pk if old else None) == (assignee.pk if assignee else None):
            return conversation
        conversation.assignee = assignee
        conversation.save(update_fields=["assignee"])
        audit.conversation_changed(
            actor,
            conversation,
            action=AuditEntry.Action.CONVERSATION_ASSIGNED,
            before={"assignee": old.username if old else None},
            after={"assignee": assignee.username if assignee else None},
        )
    return conversation


def set_conversation_status(actor, *, conversation: Conversation, status: str) -> Conversation:
    """Open or close a conversation (staff)."""
    if not permissions.can_handle_conversations(actor):
        raise PermissionDenied("Only staff can open or close conversations.")
    if status not in Conversation.Status.values:
        raise ValidationError({"status": "Choose open or closed."})
    with transaction.atomic():
        conversation = _lock(conversation)
        old = conversation.status
        if old == status:
            return conversation
        conversation.status = status
        conversation.save(update_fields=["status"])
        audit.conversation_changed(
            actor,
            conversation,
            action=AuditEntry.Action.CONVERSATION_STATUS,
            before={"status": old},
            after={"status": status},
        )
    return conversation
