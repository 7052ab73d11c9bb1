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
from outbox import bus

logger = logging.getLogger(__name__)

CONCURRENT_SENDS = 20


def connect() -> None:
    from notifications.events import UnreadChanged

    bus.subscribe(ReplyPosted, reply_posted)
    bus.subscribe(UnreadChanged, unread_changed)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def thread_group(thread_id: int) -> str:
    return f"thread.{thread_id}"


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
