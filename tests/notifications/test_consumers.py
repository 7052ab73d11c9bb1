import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from notifications.consumers import UNAUTHENTICATED, LiveConsumer
from notifications.live import push_now, user_group

pytestmark = pytest.mark.django_db(transaction=True)


def connect(user):
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
    communicator.scope["user"] = user
    return communicator


def test_anonymous_socket_is_refused():
    async def scenario():
        communicator = connect(AnonymousUser())
        connected, code = await communicator.connect()
        return connected, code

    assert asyncio.run(scenario()) == (False, UNAUTHENTICATED)


def test_member_receives_only_their_own_pushes(member, other_member):
    async def scenario():
        mine, theirs = connect(member), connect(other_member)
        assert (await mine.connect())[0]
        assert (await theirs.connect())[0]
        await asyncio.get_running_loop().run_in_executor(None, push_now, user_group(member.pk), {"kind": "hello"})
        received = await mine.receive_json_from(timeout=2)
        leaked = await theirs.receive_nothing(timeout=0.2)
        await mine.disconnect()
        await theirs.disconnect()
        return received, leaked

    received, nothing_for_other = asyncio.run(scenario())

    assert received == {"kind": "hello"}
    assert nothing_for_other is True
