import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import uuid4

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app
from outbox import bus, tasks
from outbox.mail import queue_mail
from outbox.models import Delivery, Event

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class SomethingHappened:
    what: str
    ids: tuple[int, ...] = ()
    event_id: str = field(default_factory=lambda: uuid4().hex)


@pytest.fixture
def seen():
    """Two after-commit subscribers and one in-transaction subscriber to SomethingHappened."""
    calls = {"steady": [], "flaky": [], "inside": []}
    failures = {"flaky": 0}

    def steady(event):
        calls["steady"].append(event)

    def flaky(event):
        if failures["flaky"]:
            failures["flaky"] -= 1
            raise ConnectionError("the other end is away")
        calls["flaky"].append(event)

    def inside(event):
        calls["inside"].append(event)

    bus.subscribe(SomethingHappened, steady, name="test.steady")
    bus.subscribe(SomethingHappened, flaky, name="test.flaky")
    bus.subscribe(SomethingHappened, inside, in_transaction=True, name="test.inside")
    yield calls, failures
    for handler in (steady, flaky, inside):
        bus.unsubscribe(SomethingHappened, handler)


@pytest.fixture
def broker_queue(monkeypatch):
    """Stand in for the broker: keep what is handed over, so a test decides when each delivery runs."""
    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", lambda event_id, subscriber: queued.append((event_id, subscriber)))
    return queued


def test_published_event_runs_in_transaction_subscribers_at_once_and_the_rest_after_commit(
    seen, django_capture_on_commit_callbacks
):
    calls, _ = seen
    event = SomethingHappened(what="reply", ids=(1, 2))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        bus.publish(event)
        assert [e.event_id for e in calls["inside"]] == [event.event_id]
        assert calls["steady"] == []

    # The worker's copy came through JSON and is the same event again.
    assert calls["steady"] == [event]
    assert calls["flaky"] == [event]
    row = Event.objects.get(pk=event.event_id)
    assert row.relayed_at is not None
    assert set(row.deliveries.values_list("subscriber", flat=True)) == {"test.steady", "test.flaky"}


def test_rolled_back_transaction_delivers_nothing(seen, django_capture_on_commit_callbacks):
    calls, _ = seen

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        bus.publish(SomethingHappened(what="reply"))
        queue_mail(message_id="<rolled-back@concierge>", to=["maria@example.com"], subject="No", body="No")
        raise RuntimeError("the service failed after publishing")

    assert callbacks == []
    assert not Event.objects.exists()
    assert calls["steady"] == calls["flaky"] == []
    assert mail.outbox == []


def test_event_left_behind_by_an_unreachable_broker_is_delivered_by_the_sweep(
    seen, monkeypatch, django_capture_on_commit_callbacks
):
    calls, _ = seen

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        bus.publish(event := SomethingHappened(what="reply"))

    assert Event.objects.get(pk=event.event_id).relayed_at is None
    assert bus.sweep() == 0  # too young: the relay may still be handing it over

    Event.objects.filter(pk=event.event_id).update(created_at=timezone.now() - timedelta(minutes=1))
    assert bus.sweep() == 0  # the broker is still away; the row waits
    assert calls["steady"] == []

    monkeypatch.undo()
    assert bus.sweep() == 1
    assert calls["steady"] == calls["flaky"] == [event]
    assert bus.sweep() == 0


def test_failing_subscriber_is_retried_and_does_not_hold_up_the_others(
    seen, broker_queue, django_capture_on_commit_callbacks
):
    calls, failures = seen
    failures["flaky"] = 1
    with django_capture_on_commit_callbacks(execute=True):
        bus.publish(event := SomethingHappened(what="reply"))
    assert sorted(name for _, name in broker_queue) == ["test.flaky", "test.steady"]

    outcomes = {}
    for event_id, name in broker_queue:
        try:
            outcomes[name] = bus.deliver(event_id, name)
        except ConnectionError:
            outcomes[name] = "failed"

    assert outcomes == {"test.steady": True, "test.flaky": "failed"}
    assert calls["steady"] == [event]
    # The failed delivery left no record, so its retry runs it for real.
    assert list(Delivery.objects.values_list("subscriber", flat=True)) == ["test.steady"]
    assert bus.deliver(event.event_id, "test.flaky") is True
    assert calls["flaky"] == [event]


def test_delivery_task_retries_with_backoff(seen):
    _, failures = seen
    failures["flaky"] = 1
    with transaction.atomic():
        bus.publish(event := SomethingHappened(what="reply"))

    with pytest.raises(Retry) as retry:
        tasks.deliver.apply(args=[event.event_id, "test.flaky"], throw=True)

    assert isinstance(retry.value.exc, ConnectionError)
    assert tasks.deliver.retry_backoff and tasks.deliver.max_retries >= 5
    assert not Delivery.objects.filter(subscriber="test.flaky").exists()


def test_redelivery_does_nothing_twice(seen, broker_queue, django_capture_on_commit_callbacks):
    calls, _ = seen
    with django_capture_on_commit_callbacks(execute=True):
        bus.publish(event := SomethingHappened(what="reply"))

    for event_id, name in broker_queue * 3:
        bus.deliver(event_id, name)

    assert calls["steady"] == calls["flaky"] == [event]
    assert Delivery.objects.count() == 2


def test_queued_mail_is_sent_once_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(
            message_id="<welcome-1@concierge>",
            to=["maria@example.com"],
            subject="Welcome",
            body="Hello",
            html="<p>Hello</p>",
        )

    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == "<welcome-1@concierge>"
    assert sent.alternatives[0][1] == "text/html"
    event_id = Event.objects.get(type="MailQueued").pk
    assert bus.deliver(str(event_id), "outbox.mail.send") is False
    assert len(mail.outbox) == 1


def test_mail_sent_by_eager_celery_logs_no_broker_warning(caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.WARNING):
        # What the broker pools do for every connection they open, the first of them on the first mail.
        with app.connection_for_write() as connection:
            connection.clone()
        with django_capture_on_commit_callbacks(execute=True):
            queue_mail(message_id="<welcome-2@concierge>", to=["maria@example.com"], subject="Welcome", body="Hello")

    assert len(mail.outbox) == 1
    assert "No hostname" not in caplog.text


def test_event_that_does_not_survive_json_is_refused_before_anything_is_written(seen):
    with pytest.raises(TypeError):
        bus.publish(SomethingHappened(what=timezone.now()))

    assert not Event.objects.exists()


def test_prune_forgets_old_handed_over_events_only(seen, broker_queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bus.publish(old := SomethingHappened(what="old"))
        bus.publish(recent := SomethingHappened(what="recent"))
    Event.objects.filter(pk=old.event_id).update(relayed_at=timezone.now() - timedelta(days=40))

    bus.prune(older_than=timedelta(days=30))

    assert [pk.hex for pk in Event.objects.values_list("pk", flat=True)] == [recent.event_id]


def test_redrive_hands_over_only_the_deliveries_that_never_happened(
    seen, broker_queue, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    calls, failures = seen
    failures["flaky"] = 99  # its retries run out
    with django_capture_on_commit_callbacks(execute=True):
        bus.publish(old := SomethingHappened(what="old"))
        bus.publish(recent := SomethingHappened(what="recent"))
    for event_id, name in list(broker_queue):
        with contextlib.suppress(ConnectionError):  # the flaky subscriber's last attempt
            bus.deliver(event_id, name)
    Event.objects.filter(pk=old.event_id).update(relayed_at=timezone.now() - timedelta(hours=2))
    broker_queue.clear()

    listed = StringIO()
    call_command("outbox_redrive", "--dry-run", stdout=listed)
    assert f"{old.event_id} test.flaky" in listed.getvalue().replace("-", "")
    assert broker_queue == []

    call_command("outbox_redrive", stdout=StringIO())
    # Only the old event's failed subscriber: the steady one was delivered, the recent event may still be retrying.
    assert [(event_id.replace("-", ""), name) for event_id, name in broker_queue] == [(old.event_id, "test.flaky")]

    failures["flaky"] = 0
    for event_id, name in broker_queue:
        assert bus.deliver(event_id, name) is True
    assert calls["flaky"] == [old] and calls["steady"] == [old, recent]
    assert bus.undelivered(older_than=timedelta(hours=1)) == []


def test_the_beat_redrive_hands_a_lost_delivery_over_again_once_per_period(
    seen, broker_queue, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_REDRIVE_AFTER = timedelta(hours=1)
    calls, _ = seen
    with django_capture_on_commit_callbacks(execute=True):
        bus.publish(lost := SomethingHappened(what="lost"))
        bus.publish(ancient := SomethingHappened(what="ancient"))
        bus.publish(recent := SomethingHappened(what="recent"))
    broker_queue.clear()  # the broker lost every task it was handed
    two_hours_ago = timezone.now() - timedelta(hours=2)
    Event.objects.exclude(pk=recent.event_id).update(relayed_at=two_hours_ago)
    Event.objects.filter(pk=ancient.event_id).update(created_at=timezone.now() - timedelta(days=3))

    assert tasks.redrive() == 2
    # The recent one may still be on its way; the ancient one is left to `manage.py outbox_redrive`.
    assert sorted((e.replace("-", ""), name) for e, name in broker_queue) == [
        (lost.event_id, "test.flaky"),
        (lost.event_id, "test.steady"),
    ]
    # Handed over again just now: the next runs leave it its period to be delivered in.
    redriven = list(broker_queue)
    broker_queue.clear()
    assert tasks.redrive() == 0

    for event_id, name in redriven:
        assert bus.deliver(event_id, name) is True
    Event.objects.filter(pk=lost.event_id).update(relayed_at=two_hours_ago)
    assert tasks.redrive() == 0
    assert calls["steady"] == calls["flaky"] == [lost]
