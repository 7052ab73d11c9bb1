from django.db import transaction
from django.utils import timezone

from community.rendering import render_markdown
from moderation.models import Conversation, Message


def tell_member(actor, *, member, subject: str, body: str, sanction=None) -> Conversation:
    """Write to a member from the team, in a private conversation they can answer (and so appeal).

    Used for every sanction and every removal of a member's post, so the member
    always learns the reason and how to appeal.
    """
    with transaction.atomic():
        conversation = Conversation.objects.create(member=member, subject=subject[:150], sanction=sanction)
        add_message_unchecked(conversation, author=actor, body=body, from_staff=True)
    return conversation


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
    return message
