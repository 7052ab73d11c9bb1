"""The deployed ASGI stack: origin check, session authentication, routing."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def open_socket(origin, cookie=None):
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    return asyncio.run(scenario())


def session_cookie(client, user):
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_signed_in_member_connects_with_their_session(client, member):
    connected, _ = open_socket("http://testserver", session_cookie(client, member))

    assert connected is True


def test_socket_from_a_foreign_origin_is_refused(client, member):
    connected, _ = open_socket("https://evil.example.net", session_cookie(client, member))

    assert connected is False


def test_socket_without_a_session_is_refused():
    connected, code = open_socket("http://testserver")

    assert (connected, code) == (False, 4401)
