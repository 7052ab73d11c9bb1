from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from community import permissions
from notifications import live

UNAUTHENTICATED = 4401
FORBIDDEN = 4403


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Forwards server events to one signed-in member's browser; never writes.

    The member's own group carries their bell; a moderator's also joins the
    review-queue group of each category whose queue they see; `?thread=<id>`
    also joins that thread's group, only if they may read the thread. A socket
    asking for a thread they can't see is closed, so it never learns that
    replies arrive.
    """

    async def connect(self):
        self.joined: list[str] = []
        user = self.scope.get("user")
        if not permissions.is_member(user):
            await self.close(code=UNAUTHENTICATED)
            return
        groups = [live.user_group(user.pk), *await database_sync_to_async(live.queue_groups)(user)]
        query = parse_qs(self.scope.get("query_string", b"").decode(), keep_blank_values=True)
        if "thread" in query:
            thread_id = query["thread"][0]
            if not thread_id.isdigit() or not await database_sync_to_async(live.may_watch_thread)(
                user, int(thread_id)
            ):
                await self.close(code=FORBIDDEN)
                return
            groups.append(live.thread_group(int(thread_id)))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The socket is one-way: clients act through HTTP, where permissions live.
        return

    async def live_event(self, event):
        await self.send_json(event["payload"])
