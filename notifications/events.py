"""Domain events of notifications, published in the transaction of the change they record.

`UnreadChanged` tells the pages that show members' unread counts (the bell)
that theirs changed.

`AudienceBatched` carries one batch of another event's audience to the
worker that tells it.

`QuestionEscalated` is the one a help-desk integration takes: it names the
question, its category, the staff owner it was given to and how long it has
waited, all as plain values, so a webhook or ticket bridge needs nothing else.
"""

import uuid
from dataclasses import dataclass, field

from community.events import Event
from outbox import bus


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class UnreadChanged(Event):
    """The members' unread notifications changed: new ones arrived, or some were read."""

    member_ids: tuple[int, ...]
    actor_id: None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ExpertsInvited(Event):
    """Members who know the subject were asked to answer an unanswered question."""

    thread_id: int
    invitee_ids: tuple[int, ...]
    actor_id: None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class QuestionEscalated(Event):
    """An unanswered question passed its staff threshold and went to `owner_id` (None if no staff can see it)."""

    thread_id: int
    category_id: int
    owner_id: int | None
    staff_ids: tuple[int, ...]
    hours_waiting: int
    answer_within_hours: int | None
    actor_id: None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class AcceptReminderDue(Event):
    """An asker who got answers but accepted none is reminded to, once."""

    thread_id: int
    author_id: int
    actor_id: None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class AudienceBatched(Event):
    """One batch of the members who may hear of event `source_id`, with the kind each would hear.

    Each batch is an outbox event of its own, so a batch the broker loses is
    re-driven like any other delivery, and each is told in its own transaction.
    """

    source_id: str
    audience: tuple[tuple[int, str], ...]
    actor_id: None = None
    event_id: str = field(default_factory=_new_id)


def publish(event: Event) -> None:
    bus.publish(event)
