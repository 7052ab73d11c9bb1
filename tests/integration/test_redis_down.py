"""With the cache's Redis unreachable, the site degrades to PostgreSQL alone instead of failing.

The cache and sessions are pointed at a redis-server of the test's own,
configured exactly as production configures the shared one, and that server
is stopped and started again; the machine's shared Redis is never touched.
"""

import re
import time

import pytest
from django.urls import reverse

from community.models import Post, Thread
from tests.builders import PASSWORD, build_category, build_member, build_reply, build_thread
from tests.private_redis import cache_on, running_redis

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TITLE = "Hub blinks amber after the update"
REPLY = "Hold the pairing button for ten seconds."


@pytest.fixture
def redis_server(tmp_path):
    with running_redis(tmp_path) as server:
        yield server


@pytest.fixture
def own_cache(redis_server):
    """Production's cache configuration, on the test's own server."""
    with cache_on(redis_server.url):
        yield redis_server


@pytest.fixture
def thread(db):
    category = build_category(name="Lighting")
    asker = build_member(username="asker")
    thread = build_thread(asker, category=category, title=TITLE, body="It blinks amber and won't pair.")
    build_reply(build_member(username="helper"), thread.opening_post, body=REPLY)
    return thread


def pages(thread):
    return {
        "home": reverse("home"),
        "category": reverse("community:category", kwargs={"slug": thread.category.slug}),
        "thread": thread.get_absolute_url(),
        "search": f"{reverse('search')}?q=amber",
    }


def assert_pages_show_the_thread(client, thread):
    for name, url in pages(thread).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert TITLE in re.sub(r"</?mark>", "", response.content.decode()), name  # search marks "amber"
    assert REPLY in client.get(thread.get_absolute_url()).content.decode()


def test_pages_sign_in_and_posting_work_while_redis_is_down(client, own_cache, thread, settings):
    # Given pages cached while Redis was up
    assert_pages_show_the_thread(client, thread)
    assert own_cache.stored_keys()
    member = build_member(username="maria")
    build_member(username="olaf")

    # When Redis goes away
    own_cache.stop()

    # Then visitors still get every page
    assert_pages_show_the_thread(client, thread)

    # And failed sign-ins are still limited
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": "olaf@example.com", "password": "not-it"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": "olaf@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # And a member signs in, and their session holds without the cache
    response = client.post(reverse("account_login"), {"login": "maria@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == member.pk
    assert_pages_show_the_thread(client, thread)
    assert "maria" in client.get(reverse("home")).content.decode()

    # And starts a thread and replies, within limits still counted
    settings.MODERATION_RATE_LIMITS = {"thread": {1: [(1, 60)]}, "post": {1: [(1, 60)]}}
    response = client.post(
        reverse("community:start_thread"),
        {"category": thread.category.pk, "kind": "question", "title": "Which hub firmware is current?", "body": "?"},
    )
    started = Thread.objects.get(author=member)
    assert response.status_code == 302 and response["Location"] == started.get_absolute_url()
    response = client.post(reverse("community:reply", kwargs={"pk": thread.opening_post.pk}), {"body": "Same here."})
    assert response.status_code == 302
    assert Post.objects.filter(author=member, parent=thread.opening_post).count() == 1

    # And the next reply within the minute is refused with a clear message, not a 500
    response = client.post(reverse("community:reply", kwargs={"pk": thread.opening_post.pk}), {"body": "Any news?"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "You can reply again in" in response.content.decode()
    assert not Post.objects.filter(author=member, body="Any news?").exists()

    # When Redis comes back (empty), the cache is used again
    own_cache.start()
    client.logout()
    deadline = time.monotonic() + 15
    while not any(key.endswith(b"community:list-version") for key in own_cache.stored_keys()):
        assert time.monotonic() < deadline, "the cache was not used again after Redis came back"
        assert client.get(reverse("home")).status_code == 200
        time.sleep(0.2)
    assert_pages_show_the_thread(client, thread)
    assert any(b":page:" in key for key in own_cache.stored_keys())
