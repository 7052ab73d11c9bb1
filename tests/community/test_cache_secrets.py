"""Nothing a page caches carries a member's password hash, email address or moderation state."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from community.services import posts
from tests.builders import build_member

pytestmark = pytest.mark.django_db


def stored_bytes() -> list[bytes]:
    # The embedded cache keeps each value pickled, which is what a shared cache would hold too.
    assert hasattr(cache, "_cache"), "these tests read the embedded (locmem) cache"
    return list(cache._cache.values())


def test_cached_pages_hold_no_secrets_of_the_members_they_show(client, member, staff, question, answer):
    posts.accept_answer(member, post=answer)
    reader = build_member(username="reader")
    urls = [question.get_absolute_url(), reverse("home"), reverse("search") + "?q=button"]
    for url in urls:
        assert client.get(url).status_code == 200
    client.force_login(reader)
    for url in urls:
        assert client.get(url).status_code == 200

    stored = stored_bytes()
    assert stored
    for user in User.objects.all():
        for secret in (user.password, user.email):
            assert not any(secret.encode() in value for value in stored), f"{user.username}'s {secret!r} is cached"
