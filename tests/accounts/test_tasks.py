import pytest
from celery.exceptions import Retry
from django.core import mail

from accounts.tasks import send_email_message

MESSAGE = {
    "message_id": "<welcome-1@concierge>",
    "subject": "Welcome",
    "body": "Hello",
    "to": ["maria@example.com"],
    "html": "<p>Hello</p>",
}


def test_mail_task_sends_text_and_html():
    assert send_email_message(**MESSAGE) is True

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.extra_headers["Message-ID"] == "<welcome-1@concierge>"
    assert sent.alternatives[0][1] == "text/html"


def test_retried_mail_task_does_not_send_twice():
    send_email_message(**MESSAGE)

    assert send_email_message(**MESSAGE) is False
    assert len(mail.outbox) == 1


def test_mail_task_retries_when_smtp_fails(monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)

    with pytest.raises(Retry) as retry:
        send_email_message.apply(kwargs=MESSAGE, throw=True)

    assert isinstance(retry.value.exc, ConnectionRefusedError)
    assert mail.outbox == []
    # Nothing was marked sent, so the retry will really send it.
    monkeypatch.undo()
    assert send_email_message(**MESSAGE) is True
