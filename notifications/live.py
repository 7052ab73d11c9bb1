"""Live pushes to browsers over the channel layer.

Every push waits for the surrounding transaction to commit, so a browser is
never told about something that was rolled back.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def push_now(group: str, payload: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(group, {"type": "live.event", "payload": payload})


def push_on_commit(group: str, payload: dict) -> None:
    transaction.on_commit(lambda: push_now(group, payload))
