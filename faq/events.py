"""What the FAQ publishes (through outbox.bus): promotions, and articles published or otherwise changed.

Published inside the service's transaction. Recognition turns `PostPromoted`
into points there, and awards the badge after commit; community.caching moves
the versions of the pages that show an article (its own page, the FAQ's lists,
and its source thread's banner).
"""

import uuid
from dataclasses import dataclass, field

from community.events import Event


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class PostPromoted(Event):
    """One per credited author: their post is now part of FAQ article `article_id`."""

    article_id: int
    post_id: int
    author_id: int
    actor_id: int
    thread_id: int
    category_id: int | None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ArticlePublished(Event):
    article_id: int
    actor_id: int
    source_thread_id: int | None = None
    event_id: str = field(default_factory=_new_id)


@dataclass(frozen=True)
class ArticleChanged(Event):
    """An article was created, edited, unpublished or archived; `action` says which."""

    article_id: int
    actor_id: int
    action: str  # "promoted", "edited", "unpublished" or "archived"
    source_thread_id: int | None = None
    event_id: str = field(default_factory=_new_id)
