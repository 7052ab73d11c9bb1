"""Domain events that community services publish.

Services publish inside their transaction, which writes the event's outbox
row there. Subscribers that must never lose or double a reaction (points,
queue items) run in that same transaction; anything that leaves the process
(mail, pushes) is delivered after commit by the outbox's relay. Other apps
subscribe in their AppConfig.ready() (outbox.bus.subscribe).
"""

import uuid
from dataclasses import asdict, dataclass, field

from outbox import bus


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Event:
    def as_dict(self) -> dict:
        return {"type": type(self).__name__, **asdict(self)}


@dataclass(frozen=True)
class ThreadStarted(Event):
    thread_id: int
    post_id: int
    author_id: int
    category_id: int
    kind: str
    mentioned_user_ids: tuple[int, ...] = ()
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ReplyPosted(Event):
    thread_id: int
    post_id: int
    parent_id: int
    author_id: int
    parent_author_id: int
    mentioned_user_ids: tuple[int, ...] = ()
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class PostHeld(Event):
    """A new thread or reply waits for review; `reason` says why (a new member, a filter)."""

    thread_id: int
    post_id: int
    author_id: int
    category_id: int
    reason: str
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class PostReviewed(Event):
    """A post was published, held or hidden after it was written."""

    thread_id: int
    post_id: int
    author_id: int
    old_review: str
    new_review: str
    # Who decided (None when flags hid it on their own), and why, as the author is told.
    actor_id: int | None = None
    reason: str = ""
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class PostEdited(Event):
    thread_id: int
    post_id: int
    editor_id: int
    revision: int
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class PostDeleted(Event):
    thread_id: int
    post_id: int
    author_id: int
    actor_id: int
    reason: str = ""
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class PostRestored(Event):
    """A removed post was put back (undoing a spam clean-up)."""

    thread_id: int
    post_id: int
    author_id: int
    actor_id: int
    reason: str = ""
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class AnswerAccepted(Event):
    thread_id: int
    post_id: int
    answer_author_id: int
    actor_id: int
    previous_post_id: int | None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class AnswerUnaccepted(Event):
    thread_id: int
    post_id: int
    answer_author_id: int
    actor_id: int
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class AnswerVerified(Event):
    thread_id: int
    post_id: int
    answer_author_id: int
    actor_id: int
    verified: bool
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class PostVoted(Event):
    thread_id: int
    post_id: int
    post_author_id: int
    voter_id: int
    helpful: bool
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class IdeaVoted(Event):
    thread_id: int
    author_id: int
    voter_id: int
    voted: bool
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ProblemConfirmed(Event):
    thread_id: int
    author_id: int
    member_id: int
    confirmed: bool
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class StatusChanged(Event):
    thread_id: int
    field: str
    old_status: str
    new_status: str
    actor_id: int
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ThreadChanged(Event):
    """A moderator locked, closed, pinned, moved, renamed, merged, split or duplicate-marked a thread.

    `categories` are those whose lists changed; `other_thread_id` is the thread
    it was merged into, split into, or marked a duplicate of.
    """

    thread_id: int
    actor_id: int
    action: str
    categories: tuple[int, ...] = ()
    other_thread_id: int | None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class CategoryChanged(Event):
    """Staff edited a category (its name, place, policy, or parent) in the admin."""

    category_id: int
    parent_ids: tuple[int, ...] = ()  # its parent before and after, when it has or had one
    event_id: str = field(default_factory=_new_id)


def publish(event: Event) -> None:
    """Record `event` in the outbox within the caller's transaction (see outbox.bus)."""
    bus.publish(event)
