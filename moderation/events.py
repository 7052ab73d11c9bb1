"""Domain events that moderation services publish, in the transaction of their change (see community.events).

Recognition reacts to them: an upheld flag earns its flagger points, and a ban
takes back the points the banned member gave.
"""

import uuid
from dataclasses import dataclass, field

from community.events import Event
from outbox import bus


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class FlagResolved(Event):
    """A moderator (or a spam clean-up) decided a flag: `outcome` is a Flag.Outcome value."""

    flag_id: int
    post_id: int
    thread_id: int
    flagger_id: int
    outcome: str
    actor_id: int | None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class MemberBanned(Event):
    member_id: int
    actor_id: int
    sanction_id: int
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class MemberSanctioned(Event):
    """A member was warned, suspended or banned: `kind` is a Sanction.Kind value, `reason` what they are told."""

    member_id: int
    actor_id: int
    sanction_id: int
    kind: str
    reason: str
    ends_at: str | None = None  # ISO 8601, for suspensions and bans that end
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ConversationMessagePosted(Event):
    """A message in a member's conversation with the team: by staff (`from_staff`) or by the member."""

    conversation_id: int
    message_id: int
    author_id: int
    member_id: int
    assignee_id: int | None
    from_staff: bool
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class QueueChanged(Event):
    """The open review items of these categories changed: a post held, a flag raised, an item decided."""

    category_ids: tuple[int, ...]
    event_id: str = field(default_factory=_new_id)


def queue_changed(*category_ids: int | None) -> None:
    """Publish QueueChanged for the categories named (in the caller's transaction)."""
    ids = tuple(sorted({pk for pk in category_ids if pk is not None}))
    if ids:
        bus.publish(QueueChanged(category_ids=ids))


def publish(event: Event) -> None:
    """Record `event` in the outbox within the caller's transaction (see outbox.bus)."""
    bus.publish(event)
