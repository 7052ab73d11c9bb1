"""Live updates: who may join a thread's group, and what is pushed after a reply commits."""

import asyncio

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from config.asgi import application
from notifications.consumers import FORBIDDEN, UNAUTHENTICATED
from notifications.models import Notification
from tests.builders import build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "http://testserver"


def session_cookie(user):
    """A signed-in session of `user` as its cookie (a client of its own: signing in another would end it)."""
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def communicator(path, cookie=None, origin=ORIGIN):
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def open_socket(path, cookie=None, origin=ORIGIN):
    async def scenario():
        socket = communicator(path, cookie, origin)
        connected, code = await socket.connect()
        await socket.disconnect()
        return connected, code

    return asyncio.run(scenario())


@pytest.fixture
def newcomer(db):
    return build_member(username="nina", trust_level=0)


@pytest.fixture
def held_thread(newcomer, category):
    return build_thread(newcomer, category=category, title="Held until a moderator looks")


def test_member_joins_a_thread_they_can_read(member, question):
    assert open_socket(f"/ws/live/?thread={question.pk}", session_cookie(member))[0] is True


def test_socket_to_a_held_thread_of_someone_else_is_closed(other_member, held_thread):
    assert held_thread.review == "pending"

    assert open_socket(f"/ws/live/?thread={held_thread.pk}", session_cookie(other_member)) == (
        False,
        FORBIDDEN,
    )


def test_author_and_moderator_join_the_held_thread(newcomer, held_thread, category):
    moderator = build_moderator(username="mona")

    assert open_socket(f"/ws/live/?thread={held_thread.pk}", session_cookie(newcomer))[0] is True
    assert open_socket(f"/ws/live/?thread={held_thread.pk}", session_cookie(moderator))[0] is True


@pytest.mark.parametrize("thread", ["999999", "abc", "-1", ""])
def test_socket_to_a_missing_or_malformed_thread_is_closed(member, thread):
    assert open_socket(f"/ws/live/?thread={thread}", session_cookie(member)) == (False, FORBIDDEN)


def test_thread_socket_without_a_session_is_closed(question):
    assert open_socket(f"/ws/live/?thread={question.pk}") == (False, UNAUTHENTICATED)


def test_thread_socket_from_another_origin_is_closed(member, question):
    connected, _ = open_socket(
        f"/ws/live/?thread={question.pk}", session_cookie(member), origin="https://evil.example.net"
    )

    assert connected is False


def test_reply_reaches_the_thread_group_and_the_askers_bell_after_commit(member, other_member, question):
    stranger = build_member(username="sven")
    elsewhere = build_thread(stranger, category=question.category, title="Another question entirely")
    asker_cookie, stranger_cookie = session_cookie(member), session_cookie(stranger)

    async def scenario():
        asker = communicator(f"/ws/live/?thread={question.pk}", asker_cookie)
        outsider = communicator(f"/ws/live/?thread={elsewhere.pk}", stranger_cookie)
        assert (await asker.connect())[0]
        assert (await outsider.connect())[0]
        # When another member replies (the request, its outbox relay and the eager worker)
        post = await asyncio.get_running_loop().run_in_executor(None, build_reply, other_member, question.opening_post)
        received = [await asker.receive_json_from(timeout=2), await asker.receive_json_from(timeout=2)]
        nothing_else = await outsider.receive_nothing(timeout=0.2)
        await asker.disconnect()
        await outsider.disconnect()
        return post, received, nothing_else

    post, received, outsider_heard_nothing = asyncio.run(scenario())

    assert sorted(received, key=lambda m: m["type"]) == [
        {"type": "reply", "thread": question.pk, "post": post.pk},
        {"type": "unread", "count": 1, "shown": "1"},
    ]
    assert Notification.objects.filter(recipient=member, read_at=None).count() == 1
    assert outsider_heard_nothing is True


def test_a_rolled_back_reply_pushes_nothing(member, other_member, question):
    cookie = session_cookie(member)

    def reply_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            build_reply(other_member, question.opening_post)
            raise RuntimeError("the request failed after the reply")

    async def scenario():
        asker = communicator(f"/ws/live/?thread={question.pk}", cookie)
        assert (await asker.connect())[0]
        await asyncio.get_running_loop().run_in_executor(None, reply_then_fail)
        heard_nothing = await asker.receive_nothing(timeout=0.3)
        await asker.disconnect()
        return heard_nothing

    assert asyncio.run(scenario()) is True
    assert question.posts.count() == 1


def test_held_reply_is_not_announced_to_the_thread(member, question):
    newcomer = build_member(username="nina", trust_level=0)
    cookie = session_cookie(member)

    async def scenario():
        asker = communicator(f"/ws/live/?thread={question.pk}", cookie)
        assert (await asker.connect())[0]
        await asyncio.get_running_loop().run_in_executor(None, build_reply, newcomer, question.opening_post)
        heard_nothing = await asker.receive_nothing(timeout=0.3)
        await asker.disconnect()
        return heard_nothing

    assert asyncio.run(scenario()) is True
