import re
import uuid

import pytest
from django.urls import reverse

from accounts.tasks import send_email_message

pytestmark = pytest.mark.django_db


def message(**overrides):
    return {
        "message_id": f"<{uuid.uuid4().hex}@concierge>",
        "subject": "Worker check",
        "body": "Delivered by a real worker.",
        "to": ["maria@example.com"],
        **overrides,
    }


def with_id(message_id):
    return lambda m: m["Message-ID"] == message_id


def test_real_worker_runs_task_from_redis_and_mails_through_smtp(broker, celery_worker_process, smtp_sink):
    inbox, _ = smtp_sink
    payload = message()

    send_email_message.apply_async(kwargs=payload, queue=celery_worker_process)

    (received,) = inbox.wait_until(with_id(payload["message_id"]))
    assert received["Subject"] == "Worker check"
    assert "Delivered by a real worker." in received.get_payload()


def test_redelivered_task_sends_no_duplicate(broker, celery_worker_process, smtp_sink):
    inbox, _ = smtp_sink
    payload, marker = message(subject="Only once"), message(subject="Marker")
    send_email_message.apply_async(kwargs=payload, queue=celery_worker_process)
    inbox.wait_until(with_id(payload["message_id"]))

    send_email_message.apply_async(kwargs=payload, queue=celery_worker_process)
    send_email_message.apply_async(kwargs=marker, queue=celery_worker_process)

    # The solo worker takes tasks in order: once the marker is in, the
    # repeated task has run as well.
    inbox.wait_until(with_id(marker["message_id"]))
    assert len([m for m in inbox.messages if m["Message-ID"] == payload["message_id"]]) == 1


def test_signup_verification_mail_travels_through_the_worker(
    client, broker, celery_worker_process, smtp_sink, django_capture_on_commit_callbacks
):
    inbox, _ = smtp_sink

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "worker-check@example.com",
                "username": "workercheck",
                "password1": "violet-harbour-lantern",
                "password2": "violet-harbour-lantern",
            },
        )

    assert response.status_code == 302
    (mail,) = inbox.wait_until(lambda m: m["To"] == "worker-check@example.com")
    parts = mail.get_payload() if mail.is_multipart() else [mail]
    text = parts[0].get_payload(decode=True).decode()
    assert re.search(r"/accounts/confirm-email/[-:\w]+/", text)
