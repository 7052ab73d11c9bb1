"""What recognition publishes (through outbox.bus), for notifications and pages to react to."""

import uuid
from dataclasses import asdict, dataclass, field


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Event:
    def as_dict(self) -> dict:
        return {"type": type(self).__name__, **asdict(self)}


@dataclass(frozen=True)
class BadgeAwarded(Event):
    """A member earned a badge, or staff gave them one (then `awarded_by_id` names who)."""

    award_id: int
    member_id: int
    badge: str  # its slug in recognition.badges
    category_id: int | None = None  # for per-category badges
    awarded_by_id: int | None = None
    # Found by the nightly sweep rather than right after the action: on a first sweep of an old
    # community these come by the thousand, so a notifier may want to be quieter about them.
    swept: bool = False
    event_id: str = field(default_factory=_new_id)
