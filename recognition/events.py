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


@dataclass(frozen=True)
class ReputationMoved(Event):
    """The ledger moved a member's reputation by `delta` (an entry earned, reversed or restored)."""

    member_id: int
    delta: int
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class RankEarned(Event):
    """A member's reputation lifted them to a higher rank (`rank`, its title); a drop publishes none."""

    member_id: int
    rank: str
    event_id: str = field(default_factory=_new_id)


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
