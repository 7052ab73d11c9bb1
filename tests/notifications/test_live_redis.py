"""The production channel layer: a push from another process (a worker) reaches a browser's socket through Redis."""

import asyncio
import os
import subprocess
import sys

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_push_from_another_process_reaches_the_threads_sockets_through_redis(services_up, member, question):
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
    client = Client()
    client.force_login(member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    push = (
        "from notifications.live import push_now, thread_group; "
        f"push_now(thread_group({question.pk}), {{'type': 'reply', 'thread': {question.pk}, 'post': 1}})"
    )

    async def scenario():
        socket = WebsocketCommunicator(
            application,
            f"/ws/live/?thread={question.pk}",
            headers=[(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie.encode())],
        )
        assert (await socket.connect())[0]
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "manage.py", "shell", "-c", push],
            cwd=settings.BASE_DIR,
            env=os.environ,
            check=True,
            timeout=60,
        )
        received = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return received

    assert asyncio.run(scenario()) == {"type": "reply", "thread": question.pk, "post": 1}


def test_a_quiet_socket_outlives_the_channel_layers_blocking_pop(services_up):
    """A channel with nothing to say is waited on for 5 s at a time; the read must outlast each wait."""
    layer = get_channel_layer()

    async def wait_quietly():
        channel = await layer.new_channel()
        try:
            await asyncio.wait_for(layer.receive(channel), timeout=layer.brpop_timeout * 2 + 1)
        except TimeoutError:
            return "still waiting"

    assert asyncio.run(wait_quietly()) == "still waiting"
