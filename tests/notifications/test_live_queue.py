"""A moderator's review-queue count: in the header, and kept up to date live for the categories they moderate."""

import asyncio
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.models import ReviewItem
from moderation.services.flags import flag_post
from moderation.services.queue import dismiss_flags
from notifications import live
from tests.builders import build_category, build_member, build_moderator, build_thread
from tests.helpers import parse_html
from tests.notifications.test_live import communicator, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def categories(db):
    return build_category(name="Lighting", slug="lighting"), build_category(name="Billing", slug="billing")


@pytest.fixture
def moderators(categories):
    lighting, billing = categories
    return build_moderator(username="lena", category=lighting), build_moderator(username="bill", category=billing)


def queue_link(client, user):
    client.force_login(user)
    return parse_html(client.get(reverse("home")).content).find("a", cls="queue-link")


def run(function, *args, **kwargs):
    return asyncio.get_running_loop().run_in_executor(None, lambda: function(*args, **kwargs))


def test_the_header_counts_only_the_queue_of_the_moderators_own_categories(client, categories, moderators, member):
    lighting, billing = categories
    flag_post(member, post=build_thread(build_member(), category=lighting).opening_post, reason="spam")
    flag_post(member, post=build_thread(build_member(), category=billing).opening_post, reason="spam")
    build_thread(build_member(username="nina", trust_level=0), category=lighting, title="Held for a moderator")

    link = queue_link(client, moderators[0])

    assert link.find("span", cls="queue-count").text == "2"
    assert link.attrs["data-queue-counts"] == f'{{"{lighting.pk}": 2}}'


def test_members_have_no_queue_in_the_header(client, member):
    assert queue_link(client, member) is None


def test_a_flag_and_its_dismissal_reach_the_categorys_moderators_and_staff_only(categories, moderators, staff, member):
    lighting, _ = categories
    of_lighting, of_billing = moderators
    post = build_thread(build_member(), category=lighting).opening_post
    cookies = [session_cookie(user) for user in (of_lighting, of_billing, staff)]

    async def scenario():
        sockets = [communicator("/ws/live/", cookie) for cookie in cookies]
        for socket in sockets:
            assert (await socket.connect())[0]
        lena, bill, tess = sockets
        await run(flag_post, member, post=post, reason="spam")
        raised = [await lena.receive_json_from(timeout=2), await tess.receive_json_from(timeout=2)]
        bill_after_flag = await bill.receive_nothing(timeout=0.2)
        item = await run(ReviewItem.objects.get, post=post)
        await run(dismiss_flags, of_lighting, item=item)
        resolved = [await lena.receive_json_from(timeout=2), await tess.receive_json_from(timeout=2)]
        bill_after_dismissal = await bill.receive_nothing(timeout=0.2)
        for socket in sockets:
            await socket.disconnect()
        return raised, resolved, bill_after_flag and bill_after_dismissal

    raised, resolved, bill_heard_nothing = asyncio.run(scenario())

    assert raised == [{"type": "queue", "category": lighting.pk, "count": 1}] * 2
    assert resolved == [{"type": "queue", "category": lighting.pk, "count": 0}] * 2
    assert bill_heard_nothing is True


def test_a_held_post_reaches_its_categorys_moderator(categories, moderators):
    lighting, _ = categories
    newcomer = build_member(username="nina", trust_level=0)
    cookie = session_cookie(moderators[0])

    async def scenario():
        socket = communicator("/ws/live/", cookie)
        assert (await socket.connect())[0]
        await run(build_thread, newcomer, category=lighting, title="Held for a moderator")
        heard = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return heard

    assert asyncio.run(scenario()) == {"type": "queue", "category": lighting.pk, "count": 1}


def test_a_suspended_moderator_joins_no_queue(categories, moderators):
    moderator = moderators[0]
    moderator.suspended_until = timezone.now() + timedelta(days=1)

    assert live.queue_groups(moderator) == []
    assert live.queue_groups(moderators[1]) == [live.queue_group(categories[1].pk)]
