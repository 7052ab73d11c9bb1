"""A broker that is away when a transaction commits delays what leaves the process; it never loses it."""

import shutil
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from outbox.models import Delivery, Event
from tests.private_redis import PrivateRedis
from tests.services import run_django, start_worker, stop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def private_redis(tmp_path):
    """Started by the test itself, once its first message has met a broker that isn't there."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    redis = PrivateRedis(tmp_path)
    yield redis
    redis.stop()


def test_mail_committed_while_the_broker_is_down_is_sent_once_by_the_sweep(private_redis, smtp_sink, tmp_path):
    inbox, smtp_port = smtp_sink
    message_id = f"<{uuid.uuid4().hex}@concierge>"

    # Given a web process whose broker is unreachable when its transaction commits
    run_django(
        "from django.db import transaction\n"
        "from outbox.mail import queue_mail\n"
        "with transaction.atomic():\n"
        f"    queue_mail(message_id={message_id!r}, to=['maria@example.com'], subject='Held back', body='Hi')\n",
        private_redis.url,
    )
    event = Event.objects.get(type="MailQueued")
    assert event.relayed_at is None
    assert not Delivery.objects.exists()

    # When the broker is back and the beat sweep runs
    private_redis.start()
    worker = start_worker(
        tmp_path / "worker.log",
        "outage",
        CELERY_BROKER_URL=private_redis.url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
    )
    try:
        Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=1))
        assert run_django("from outbox.bus import sweep\nprint(sweep())", private_redis.url) == "1"

        # Then the mail arrives, once, and a second sweep finds nothing left to do
        (received,) = inbox.wait_until(lambda m: m["Message-ID"] == message_id)
        assert received["Subject"].endswith("Held back")
        assert run_django("from outbox.bus import sweep\nprint(sweep())", private_redis.url) == "0"
        deadline = time.monotonic() + 10
        while not Delivery.objects.filter(event=event).exists():
            assert time.monotonic() < deadline, "the delivery was never recorded"
            time.sleep(0.1)
    finally:
        stop(worker)
    assert len([m for m in inbox.messages if m["Message-ID"] == message_id]) == 1
    event.refresh_from_db()
    assert event.relayed_at is not None
