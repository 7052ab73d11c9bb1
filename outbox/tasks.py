from datetime import timedelta

from celery import shared_task
from django.conf import settings

from outbox import bus


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=12,
    acks_late=True,
)
def deliver(event_id: str, subscriber: str) -> bool:
    """One subscriber's handling of one event; retried with backoff, and harmless to repeat."""
    return bus.deliver(event_id, subscriber)


@shared_task
def sweep() -> int:
    return bus.sweep()


@shared_task
def redrive() -> int:
    """Deliveries still missing once the broker would have given a dead worker's tasks back.

    A worker killed at the moment Redis hands it a task loses that task (the
    transport takes it off the queue before recording it as unacknowledged),
    and a subscriber may exhaust its retries; both leave an event without its
    delivery row, which this finds. Only recent events: older ones are for
    `manage.py outbox_redrive`.
    """
    return bus.redrive(older_than=settings.OUTBOX_REDRIVE_AFTER, within=timedelta(days=2))


@shared_task
def prune() -> int:
    """Delivered events are kept for a while to answer "was this sent?", then dropped."""
    return bus.prune(older_than=timedelta(days=30))
