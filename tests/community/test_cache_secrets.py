"""Nothing a page caches carries a member's password hash, email address or moderation state."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from accounts.models import User
from community.services import posts
from tests.builders import build_member

pytestmark = pytest.mark.django_db


def stored_bytes() -> list[bytes]:
    """Every value the cache holds, as stored (pickled): what anyone reading the shared cache would get."""
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return list(backend._cache.values())
    client = backend._cache.get_client(write=False)
    keys = list(client.scan_iter(match=f"{backend.key_prefix}:*"))
    return [value for value in client.mget(keys) if value is not None]


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
