"""Notification mail: one message per delivery, through the outbox, with a one-click unsubscribe.

Every link is absolute, built from SITE_URL (config.site), as a worker has no
request to take the host from. The Message-ID is the delivery's key, so a
message sent twice by a broken connection is one message to the reader's
mail program, and the unsubscribe link is signed, so it works without signing in.

A sanction's notice is about the member's account, not news they chose: it is
emailed whatever their settings, without an unsubscribe link, as the account
emails (verification, password reset) are.
"""

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse

from config.site import absolute_url
from notifications.models import Kind
from outbox import mail

UNSUBSCRIBE_SALT = "notifications.unsubscribe"

SUBJECTS = {
    Kind.REPLY: "{actor} replied to you in “{thread}”",
    Kind.ANSWER: "{actor} answered your question “{thread}”",
    Kind.ACCEPTED: "Your answer in “{thread}” was accepted",
    Kind.VERIFIED: "The team verified your answer in “{thread}”",
    Kind.MENTION: "{actor} mentioned you in “{thread}”",
    Kind.NEW_THREAD: "New thread: “{thread}”",
    Kind.WATCHED_REPLY: "New reply in “{thread}”",
    Kind.STATUS: "“{thread}” is now {detail}",
    Kind.MODERATION: "About your post in “{thread}”",
    Kind.FLAG: "Your flag in “{thread}”: {detail}",
    Kind.SANCTION: "A {detail} from the moderators",
    Kind.PROMOTED: "Your answer in “{thread}” is now in the FAQ",
    Kind.BADGE: "You earned the “{badge}” badge",
    Kind.RANK: "You are now a {badge} in the community",
    Kind.THREAD_MOVED: "A thread you follow was {detail}: “{thread}”",
    Kind.STAFF_REPLY: "{actor} from the team wrote to you",
    Kind.CONVERSATION: "{actor} wrote in a conversation assigned to you",
    Kind.INVITED: "Can you help? “{thread}” is waiting for an answer",
    Kind.ESCALATED: "Unanswered question for the team: “{thread}”",
    Kind.REMINDER: "Did an answer solve “{thread}”?",
}
# Kinds about a conversation with the team, whose id the notification's detail holds.
CONVERSATION_KINDS = frozenset({Kind.STAFF_REPLY, Kind.CONVERSATION})
# Emailed whatever the member chose, and never with an unsubscribe link: a banned member can't sign in to read it.
REQUIRED_KINDS = frozenset({Kind.SANCTION})


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(member id, kind) from a token this site signed and that has not expired; None for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=settings.NOTIFICATION_UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:  # expired ones too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or data.get("k") not in Kind.values:
        return None
    return data["u"], data["k"]


def message_id(event_id: str, recipient_id: int) -> str:
    """The email delivery's key (event, recipient, channel) as a Message-ID."""
    return mail.message_id(f"{event_id}.{recipient_id}.email")


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def queue(
    *,
    event_id: str,
    recipient,
    kind: str,
    actor,
    thread,
    post,
    detail: str,
    detail_label: str,
    reason: str,
    extra: dict | None = None,
) -> None:
    """Queue one notification email in the caller's transaction (outbox.mail): sent after commit, or never.

    `extra` is what the kind's template says beyond the notification (plans.email_context).
    """
    extra = extra or {}
    required = kind in REQUIRED_KINDS
    unsubscribe = (
        ""
        if required
        else absolute_url(reverse("notifications:unsubscribe", args=[unsubscribe_token(recipient.pk, kind)]))
    )
    if kind in CONVERSATION_KINDS:
        link = absolute_url(reverse("moderation:conversation", args=[detail]))
    elif extra.get("conversation_id"):
        link = absolute_url(reverse("moderation:conversation", args=[extra["conversation_id"]]))
    elif thread is None:
        link = absolute_url(reverse("notifications:list"))
    else:
        link = absolute_url(f"{thread.get_absolute_url()}#post-{post.pk}" if post else thread.get_absolute_url())
    context = {
        **extra,
        "recipient": recipient,
        "actor_name": actor.name if actor else "Someone",
        "thread_title": thread.title if thread else "",
        "kind_label": Kind(kind).label,
        "detail": detail_label,
        "detail_text": detail,
        "reason": reason,
        "link": link,
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute_url(reverse("notifications:preferences")),
        "contact_url": absolute_url(reverse("moderation:conversations")),
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    subject = SUBJECTS[kind].format(
        actor=context["actor_name"], thread=context["thread_title"], detail=detail_label, badge=detail
    )
    mail.queue_mail(
        message_id=message_id(event_id, recipient.pk),
        to=[recipient.email],
        subject=one_line(subject)[:200],
        body=render_to_string(f"notifications/email/{kind}.txt", context),
        html=render_to_string(f"notifications/email/{kind}.html", context),
        headers={}
        if required
        else {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
