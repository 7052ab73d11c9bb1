"""What the FAQ publishes (through outbox.bus): articles published or otherwise changed, and whom they credit.

Published inside the service's transaction. Recognition settles the points of
`ArticleCreditsChanged` there, and the badge after commit; community.caching
moves the versions of the pages that show an article (its own page, the FAQ's
lists, and its source thread's banner) and of those that name a section.
"""

import uuid
from dataclasses import dataclass, field

from community.events import Event


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class ArticleCreditsChanged(Event):
    """Whom an article credits may have changed: it was published, unpublished or archived, or its audience changed.

    `author_ids` are every author of the posts it was built from; `credited_ids`
    those it credits now (faq.permissions.earns_credit): while it is published,
    the authors who may read it, so an internal article credits only the team.
    """

    article_id: int
    actor_id: int
    author_ids: tuple[int, ...]
    credited_ids: tuple[int, ...]
    category_id: int | None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ArticlePublished(Event):
    """An article was published for the first time: its credited authors hear of it once, not at every re-publish."""

    article_id: int
    actor_id: int
    source_thread_id: int | None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ArticleChanged(Event):
    """An article was created, edited, published again, unpublished or archived; `action` says which."""

    article_id: int
    actor_id: int
    action: str  # "promoted", "edited", "republished", "unpublished" or "archived"
    source_thread_id: int | None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class SectionChanged(Event):
    """A section was added, renamed, moved or removed (in the admin); the pages that name it changed."""

    section_id: int
    event_id: str = field(default_factory=_new_id)
