"""Live pushes to browsers over the channel layer.

Every push waits for the surrounding transaction to commit, so a browser is
never told about something that was rolled back. A push carries ids and
counts only: the page fetches what changed over HTTP, where the permission
checks and the rendering live. WebSockets are at-most-once, so a push that
is lost (a reconnecting browser, an unreachable channel layer) costs a late
update, never a wrong one: the page catches up through the thread's "since"
cursor when it reconnects.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Count

from community import permissions, selectors
from community.events import ReplyPosted
from outbox import bus

logger = logging.getLogger(__name__)


def connect() -> None:
    bus.subscribe(ReplyPosted, reply_posted)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def thread_group(thread_id: int) -> str:
    return f"thread.{thread_id}"


def may_watch_thread(user, thread_id: int) -> bool:
    """Whether `user` may join the thread's group: the same rule as reading its page."""
    return permissions.is_member(user) and selectors.get_thread(user, thread_id) is not None


def push_now(group: str, payload: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, {"type": "live.event", "payload": payload})


def push_on_commit(group: str, payload: dict) -> None:
    transaction.on_commit(lambda: push_now(group, payload), robust=True)


def reply_posted(event) -> None:
    """Open pages of the thread fetch the new reply; runs as an outbox subscriber, after the reply committed."""
    push_on_commit(thread_group(event.thread_id), {"type": "reply", "thread": event.thread_id, "post": event.post_id})


def unread_counts_on_commit(user_ids) -> None:
    """After commit, tell each member's open pages their bell's new count (one query for them all)."""
    ids = sorted(set(user_ids))
    if ids:
        transaction.on_commit(lambda: _push_unread_counts(ids), robust=True)


def _push_unread_counts(user_ids: list[int]) -> None:
    from notifications.models import Notification
    from notifications.selectors import UNREAD_SHOWN

    counts = dict(
        Notification.objects.filter(recipient__in=user_ids, read_at=None)
        .values("recipient")
        .annotate(n=Count("pk"))
        .values_list("recipient", "n")
    )
    for user_id in user_ids:
        count = counts.get(user_id, 0)
        shown = f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else str(count)
        push_now(user_group(user_id), {"type": "unread", "count": count, "shown": shown})
