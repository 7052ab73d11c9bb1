"""Notifications' reactions to domain events, after commit.

Each subscription rides on the event's outbox row, written in the event's
transaction: a rolled-back change tells nobody, and a committed one is handed
to Celery by the outbox's relay (or its sweep), which runs `announce` once.
`announce` only works out who might hear of it and publishes them in batches
(`AudienceBatched`, outbox events too); `tell` decides for each batch, in its
own transaction, who really does.
"""

from notifications import events, plans, services
from outbox import bus


def connect() -> None:
    for event_type in plans.EVENT_TYPES:
        bus.subscribe(event_type, announce)
    bus.subscribe(events.AudienceBatched, tell)


def announce(event) -> int:
    return services.fan_out(event, plans.audience(event))


def tell(batch: events.AudienceBatched) -> int:
    """Tell one batch of an event's audience; harmless to repeat, as every delivery is made once."""
    source = bus.stored(batch.source_id)
    if source is None:  # pruned long after it happened: too late to tell anyone
        return 0
    return services.notify(source, [(user_id, kind) for user_id, kind in batch.audience])
