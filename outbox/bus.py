"""Domain events through a transactional outbox: the one way anything leaves the process.

`publish` writes an `Event` row in the caller's transaction and runs the
in-transaction subscribers there, for what must never be lost or doubled
(queue items, points). After commit, `relay` hands the event to Celery, one
`outbox.tasks.deliver` per after-commit subscriber (mail, notifications,
pushes). When the broker is unreachable at that moment, the row keeps
`relayed_at` empty and the beat `sweep` re-drives it. A delivery writes its
`Delivery` row in the same transaction as the subscriber's own writes, under
a unique (event, subscriber) constraint, so a redelivery does nothing twice.
"""

import dataclasses
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from outbox.models import Delivery, Event

logger = logging.getLogger(__name__)

# A row this old that was never handed over is the sweep's; younger ones are still the relay's.
SWEEP_AFTER = timedelta(seconds=10)


@dataclasses.dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Callable
    in_transaction: bool


_event_types: dict[str, type] = {}
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(event_type: type, handler: Callable, *, in_transaction: bool = False, name: str = "") -> None:
    """Call `handler(event)` for every `event_type` published, inside the transaction or after commit.

    After-commit subscribers are known by `name` (their dotted path by default),
    which their delivery rows record, so renaming one redelivers old events to it.
    """
    type_name = event_type.__name__
    _event_types[type_name] = event_type
    name = name or f"{handler.__module__}.{handler.__qualname__}"
    if any(s.name == name for s in _subscribers[type_name]):
        return
    _subscribers[type_name].append(Subscriber(name, handler, in_transaction))


def unsubscribe(event_type: type, handler: Callable) -> None:
    _subscribers[event_type.__name__] = [s for s in _subscribers[event_type.__name__] if s.handler is not handler]


def subscribers(type_name: str, *, in_transaction: bool) -> list[Subscriber]:
    return [s for s in _subscribers.get(type_name, ()) if s.in_transaction == in_transaction]


def payload_of(event) -> dict:
    """The event as JSON values; anything that wouldn't survive the trip to a worker fails here, loudly."""
    return json.loads(json.dumps(dataclasses.asdict(event)))


def rebuild(type_name: str, payload: dict):
    """The event a worker hands its subscriber: the same dataclass, lists turned back into tuples."""
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in payload.items()}
    return _event_types[type_name](**values)


def stored(event_id: str):
    """The event recorded as `event_id`, rebuilt; None once it was pruned."""
    row = Event.objects.filter(pk=event_id).values_list("type", "payload").first()
    return None if row is None else rebuild(*row)


def publish(event) -> None:
    """Record `event` in the caller's transaction, run its in-transaction subscribers, relay the rest on commit."""
    type_name = type(event).__name__
    later = subscribers(type_name, in_transaction=False)
    with transaction.atomic():
        Event.objects.create(
            id=event.event_id,
            type=type_name,
            payload=payload_of(event),
            relayed_at=None if later else timezone.now(),
        )
        for subscriber in subscribers(type_name, in_transaction=True):
            subscriber.handler(event)
    if later:
        # robust: a failing hand-over must not break the request that already committed; the sweep retries it.
        transaction.on_commit(lambda: hand_over(event.event_id, type_name), robust=True)


def hand_over(event_id, type_name: str) -> bool:
    """Queue one delivery per after-commit subscriber; True once all were accepted by the broker."""
    from outbox.tasks import deliver

    for subscriber in subscribers(type_name, in_transaction=False):
        try:
            deliver.delay(str(event_id), subscriber.name)
        except Exception:
            logger.warning("could not hand event %s to %s; the sweep will retry", event_id, subscriber.name)
            return False
    Event.objects.filter(pk=event_id).update(relayed_at=timezone.now())
    return True


def sweep(*, limit: int = 500) -> int:
    """Re-drive events that were committed but never handed over; returns how many were.

    Rows are taken with select_for_update(skip_locked=True), so two sweeps
    never hand over the same row at once. It stops at the first refusal: the
    broker is still away, and the next sweep tries again.
    """
    handed = 0
    with transaction.atomic():
        pending = (
            Event.objects.select_for_update(skip_locked=True)
            .filter(relayed_at=None, created_at__lt=timezone.now() - SWEEP_AFTER)
            .order_by("created_at")
            .values_list("pk", "type")[:limit]
        )
        for event_id, type_name in pending:
            if not hand_over(event_id, type_name):
                break
            handed += 1
    return handed


def deliver(event_id: str, subscriber_name: str) -> bool:
    """Run one after-commit subscriber for one event, once; False when it had already run (or has gone).

    The delivery row and the subscriber's own writes commit together: when the
    subscriber fails, both roll back and the task retries. A concurrent second
    delivery waits on the unique row and then finds it taken.
    """
    row = Event.objects.filter(pk=event_id).values_list("type", "payload").first()
    if row is None:
        logger.warning("event %s is gone; nothing to deliver to %s", event_id, subscriber_name)
        return False
    type_name, payload = row
    subscriber = next((s for s in subscribers(type_name, in_transaction=False) if s.name == subscriber_name), None)
    if subscriber is None:
        logger.warning("no subscriber %s for %s any more", subscriber_name, type_name)
        return False
    with transaction.atomic():
        try:
            with transaction.atomic():
                Delivery.objects.create(event_id=event_id, subscriber=subscriber_name)
        except IntegrityError:
            return False
        subscriber.handler(rebuild(type_name, payload))
    return True


def undelivered(
    *, older_than: timedelta, within: timedelta | None = None, limit: int = 10_000
) -> list[tuple[str, str]]:
    """(event id, subscriber) for every after-commit delivery still missing for an event handed over
    more than `older_than` ago (and, given `within`, published less than `within` ago): a subscriber
    whose retries ran out, or a task the broker lost."""
    now = timezone.now()
    handed_over = Event.objects.filter(relayed_at__lt=now - older_than)
    if within is not None:
        handed_over = handed_over.filter(created_at__gte=now - within)
    missing: list[tuple[str, str]] = []
    for type_name in handed_over.order_by().values_list("type", flat=True).distinct():
        for subscriber in subscribers(type_name, in_transaction=False):
            events = handed_over.filter(type=type_name).exclude(deliveries__subscriber=subscriber.name)
            missing += [
                (str(pk), subscriber.name) for pk in events.values_list("pk", flat=True)[: limit - len(missing)]
            ]
            if len(missing) >= limit:
                return missing
    return missing


def redrive(*, older_than: timedelta, within: timedelta | None = None) -> int:
    """Hand every missing delivery to Celery again; returns how many. Deliveries run once, so a
    delivery that was only slow is not doubled.

    Each event re-driven counts as handed over now, so the next redrive leaves
    it alone for another `older_than`: a subscriber that keeps failing gets one
    new round of retries per period, not one per run.
    """
    from outbox.tasks import deliver

    missing = undelivered(older_than=older_than, within=within)
    for event_id, subscriber in missing:
        deliver.delay(event_id, subscriber)
    Event.objects.filter(pk__in={event_id for event_id, _ in missing}).update(relayed_at=timezone.now())
    return len(missing)


def prune(*, older_than: timedelta) -> int:
    """Forget handed-over events (and their deliveries) older than `older_than`."""
    deleted, _ = Event.objects.filter(relayed_at__lt=timezone.now() - older_than).delete()
    return deleted
