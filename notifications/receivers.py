"""Notifications' reactions to domain events, after commit.

Each subscription rides on the event's outbox row, written in the event's
transaction: a rolled-back change tells nobody, and a committed one is handed
to Celery by the outbox's relay (or its sweep), which runs `announce` once.
`announce` only works out who might hear of it and queues them in batches;
the batches decide, each in its own transaction, who really does.
"""

from notifications import plans, tasks
from outbox import bus


def connect() -> None:
    for event_type in plans.EVENT_TYPES:
        bus.subscribe(event_type, announce)


def announce(event) -> int:
    return tasks.fan_out(event, plans.audience(event))
