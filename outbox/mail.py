"""Email leaves the process through the outbox: queued in the writer's transaction, sent by a worker."""

import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from outbox import bus


@dataclass(frozen=True)
class MailQueued:
    message_id: str
    subject: str
    body: str
    to: tuple[str, ...]
    from_email: str
    html: str | None = None
    # More headers, e.g. List-Unsubscribe on notification mail.
    headers: dict[str, str] = field(default_factory=dict)
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def message_id(key: str) -> str:
    """A Message-ID made of what the mail is (its delivery's key) on the site's host: the same mail queued
    twice is one message to the reader's mail program."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{key}@{host}>"


def queue_mail(
    *, message_id: str, to: list[str], subject: str, body: str, from_email: str = "", html=None, headers=None
) -> None:
    """Queue one email in the caller's transaction: sent after commit, never if it rolls back.

    `message_id` becomes the Message-ID header, naming what the mail is about.
    """
    bus.publish(
        MailQueued(
            message_id=message_id,
            subject=subject,
            body=body,
            to=tuple(to),
            from_email=from_email or settings.DEFAULT_FROM_EMAIL,
            html=html,
            headers=dict(headers or {}),
        )
    )


def send(event: MailQueued) -> None:
    message = EmailMultiAlternatives(
        subject=event.subject,
        body=event.body,
        from_email=event.from_email,
        to=list(event.to),
        headers={**event.headers, "Message-ID": event.message_id},
    )
    if event.html:
        message.attach_alternative(event.html, "text/html")
    message.send()


def connect() -> None:
    bus.subscribe(MailQueued, send, name="outbox.mail.send")
