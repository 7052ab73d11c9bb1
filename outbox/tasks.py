from datetime import timedelta

from celery import shared_task

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
def prune() -> int:
    """Delivered events are kept for a while to answer "was this sent?", then dropped."""
    return bus.prune(older_than=timedelta(days=30))
