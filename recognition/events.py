"""What recognition publishes (through outbox.bus), for other apps and its own after-commit work."""

import uuid
from dataclasses import dataclass, field

from community.events import Event


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class StandingChanged(Event):
    """A member's rank or super-user status changed: `fields` names which ("rank", "super_user").

    Published in the transaction that changed it; pages that show the member
    hear of it after commit (recognition.receivers.announce_standing).
    """

    member_id: int
    fields: tuple[str, ...]
    event_id: str = field(default_factory=_new_id)
