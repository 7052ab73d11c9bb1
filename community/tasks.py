"""The community's periodic work: thin tasks, each safe to run twice."""

from celery import shared_task

from community import reading


@shared_task(acks_late=True)
def flush_read_positions() -> int:
    """Write the read positions gathered in the cache; how many. A failed run leaves them for the next."""
    return reading.flush()
