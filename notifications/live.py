"""Live pushes to browsers over the channel layer.

Every push waits for the surrounding transaction to commit, so a browser is
never told about something that was rolled back. A push carries ids and
counts only: the page fetches what changed over HTTP, where the permission
checks and the rendering live. WebSockets are at-most-once, so a push that
is lost (a reconnecting browser, an unreachable channel layer) costs a late
update, never a wrong one: the page catches up through the thread's "since"
cursor when it reconnects.
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Count

from community import permissions, selectors
from community.events import ReplyPosted
from moderation import selectors as moderation_selectors
from moderation.events import QueueChanged
from outbox import bus

logger = logging.getLogger(__name__)

CONCURRENT_SENDS = 20


def connect() -> None:
    from notifications.events import UnreadChanged

    bus.subscribe(ReplyPosted, reply_posted)
    bus.subscribe(UnreadChanged, unread_changed)
    bus.subscribe(QueueChanged, queue_changed)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def thread_group(thread_id: int) -> str:
    return f"thread.{thread_id}"


def queue_group(category_id: int | None) -> str:
    """A category's review queue; None for the group of those who moderate every category."""
    return "queue.all" if category_id is None else f"queue.{category_id}"


def queue_groups(user) -> list[str]:
    """The queue groups `user` may join: one per category whose queue moderation lets them see."""
    scope = moderation_selectors.queue_scope(user)
    if scope is None:
        return [queue_group(None)]
    return [queue_group(pk) for pk in scope]


def may_watch_thread(user, thread_id: int) -> bool:
    """Whether `user` may join the thread's group: the same rule as reading its page."""
    return permissions.is_member(user) and selectors.get_thread(user, thread_id) is not None


def push_now(group: str, payload: dict) -> None:
    push_many_now([(group, payload)])


def push_many_now(pushes: list[tuple[str, dict]]) -> None:
    """Send each (group, payload) in one trip into the event loop: a batch of a thousand bells costs one."""

    async def send_all():
        layer = get_channel_layer()
        # A few at a time: each is a round trip to Redis, and its connection pool is small.
        for start in range(0, len(pushes), CONCURRENT_SENDS):
            await asyncio.gather(
                *(
                    layer.group_send(group, {"type": "live.event", "payload": payload})
                    for group, payload in pushes[start : start + CONCURRENT_SENDS]
                )
            )

    if pushes:
        async_to_sync(send_all)()


def push_on_commit(group: str, payload: dict) -> None:
    transaction.on_commit(lambda: push_now(group, payload), robust=True)


def reply_posted(event) -> None:
    """Open pages of the thread fetch the new reply; runs as an outbox subscriber, after the reply committed."""
    push_on_commit(thread_group(event.thread_id), {"type": "reply", "thread": event.thread_id, "post": event.post_id})


def queue_changed(event) -> None:
    """Moderators' open pages learn each changed category's open count; runs as an outbox subscriber.

    Each category's count goes to that category's group and to the group of
    those who moderate everywhere, so a moderator of one category never hears
    another's; the header adds up the categories it knows.
    """
    pushes = []
    for category_id, count in moderation_selectors.category_open_counts(event.category_ids).items():
        payload = {"type": "queue", "category": category_id, "count": count}
        pushes += [(queue_group(category_id), payload), (queue_group(None), payload)]
    transaction.on_commit(lambda: push_many_now(pushes), robust=True)


def unread_changed(event) -> None:
    """Tell each member's open pages their bell's new count (one query for them all); an outbox subscriber."""
    from notifications.models import Notification
    from notifications.selectors import UNREAD_SHOWN

    user_ids = list(event.member_ids)
    counts = dict(
        Notification.objects.filter(recipient__in=user_ids, read_at=None)
        .values("recipient")
        .annotate(n=Count("pk"))
        .values_list("recipient", "n")
    )
    pushes = []
    for user_id in user_ids:
        count = counts.get(user_id, 0)
        shown = f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else str(count)
        pushes.append((user_group(user_id), {"type": "unread", "count": count, "shown": shown}))
    push_many_now(pushes)
