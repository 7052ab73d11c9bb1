"""What accounts publish (through outbox.bus): changes that other apps show or react to."""

import uuid
from dataclasses import dataclass, field

# What pages show of a member beside their posts; a change to any of them changes those pages.
DISPLAY_FIELDS = ("username", "display_name", "avatar", "is_staff_member", "rank", "super_user", "staff_role")


@dataclass(frozen=True)
class ProfileChanged:
    member_id: int
    fields: tuple[str, ...]
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def changes_display(self) -> bool:
        return bool(set(self.fields) & set(DISPLAY_FIELDS))
