import re
import time
import uuid

import pytest
from django.db import transaction
from django.urls import reverse

from outbox import tasks
from outbox.mail import queue_mail
from outbox.models import Delivery, Event

# The worker reads the outbox rows these tests commit, so they must really commit.
pytestmark = pytest.mark.django_db(transaction=True)


def mail(**overrides):
    return {
        "message_id": f"<{uuid.uuid4().hex}@concierge>",
        "subject": "Worker check",
        "body": "Delivered by a real worker.",
        "to": ["maria@example.com"],
        **overrides,
    }


def with_id(message_id):
    return lambda m: m["Message-ID"] == message_id


def delivered(message_id) -> Event:
    """The mail's outbox event, once the worker has recorded its delivery (which commits after SMTP accepts)."""
    event = Event.objects.get(type="MailQueued", payload__message_id=message_id)
    deadline = time.monotonic() + 10
    while not Delivery.objects.filter(event=event).exists():
        assert time.monotonic() < deadline, "the worker never recorded the delivery"
        time.sleep(0.1)
    event.refresh_from_db()
    return event


def test_real_worker_delivers_queued_mail_from_redis_through_smtp(broker, celery_worker_process, smtp_sink):
    inbox, _ = smtp_sink
    payload = mail()

    with transaction.atomic():
        queue_mail(**payload)

    (received,) = inbox.wait_until(with_id(payload["message_id"]))
    assert received["Subject"] == "Worker check"
    assert "Delivered by a real worker." in received.get_payload()
    assert delivered(payload["message_id"]).relayed_at is not None


def test_redelivered_event_sends_no_duplicate(broker, celery_worker_process, smtp_sink):
    inbox, _ = smtp_sink
    payload, marker = mail(subject="Only once"), mail(subject="Marker")
    with transaction.atomic():
        queue_mail(**payload)
    inbox.wait_until(with_id(payload["message_id"]))
    event_id = str(delivered(payload["message_id"]).pk)

    tasks.deliver.apply_async(args=[event_id, "outbox.mail.send"], queue=celery_worker_process)
    with transaction.atomic():
        queue_mail(**marker)

    # The solo worker takes tasks in order: once the marker is in, the repeated delivery has run as well.
    inbox.wait_until(with_id(marker["message_id"]))
    assert len([m for m in inbox.messages if m["Message-ID"] == payload["message_id"]]) == 1
    delivered(marker["message_id"])


def test_signup_verification_mail_travels_through_the_worker(client, broker, celery_worker_process, smtp_sink):
    inbox, _ = smtp_sink

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
    (received,) = inbox.wait_until(lambda m: m["To"] == "worker-check@example.com")
    parts = received.get_payload() if received.is_multipart() else [received]
    text = parts[0].get_payload(decode=True).decode()
    assert re.search(r"/accounts/confirm-email/[-:\w]+/", text)
