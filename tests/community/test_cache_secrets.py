"""Nothing a page caches carries a member's password hash, email address or moderation state,
and the cache holds plain values and HTML, never model instances."""

import io
import pickle

import lz4.frame
import pytest
from django.core.cache import caches
from django.urls import reverse

from accounts.models import User
from community.services import posts
from config.cache import CompressingSerializer
from tests.builders import build_member

pytestmark = pytest.mark.django_db


def stored_bytes(*, pickled_only: bool = False) -> list[bytes]:
    """Every value the cache holds, as stored (pickled, or a whole response's bytes): what anyone
    reading the shared cache would get."""
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return list(backend._cache.values())
    client = backend._cache.get_client(write=False)
    keys = list(client.scan_iter(match=f"{backend.key_prefix}:*"))
    # Large values are stored compressed: what a reader of Redis gets back by decompressing them.
    marks = (CompressingSerializer.MARK, CompressingSerializer.BYTES_MARK)
    return [
        lz4.frame.decompress(value[1:]) if value[:1] in marks else value
        for value in client.mget(keys)
        if value is not None and not (pickled_only and value[:1] == CompressingSerializer.BYTES_MARK)
    ]


def read_every_page(client, question, answer, member):
    posts.accept_answer(member, post=answer)
    reader = build_member(username="reader")
    urls = [
        question.get_absolute_url(),
        reverse("home"),
        reverse("community:category", kwargs={"slug": question.category.slug}),
        reverse("search") + "?q=button",
    ]
    for url in urls:
        assert client.get(url).status_code == 200
    client.force_login(reader)
    for url in urls:
        assert client.get(url).status_code == 200


def test_cached_pages_hold_no_secrets_of_the_members_they_show(client, member, staff, question, answer):
    read_every_page(client, question, answer, member)

    stored = stored_bytes()
    assert stored
    for user in User.objects.all():
        for secret in (user.password, user.email):
            assert not any(secret.encode() in value for value in stored), f"{user.username}'s {secret!r} is cached"


class _ClassRecorder(pickle.Unpickler):
    """Unpickles as the cache would, noting every module a class or function is loaded from."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.modules: set[str] = set()

    def find_class(self, module, name):
        self.modules.add(module)
        return super().find_class(module, name)


def test_the_cache_holds_plain_values_never_model_instances(client, member, question, answer):
    read_every_page(client, question, answer, member)

    loaded_from = set()
    for value in stored_bytes(pickled_only=True):
        if value.isdigit():  # Redis keeps counters as bare integers
            continue
        recorder = _ClassRecorder(value)
        recorder.load()
        loaded_from |= recorder.modules
    assert loaded_from, "nothing was cached"
    # A pickled instance loads django.db.models.base.model_unpickle (and the app's models module for querysets).
    orm = {module for module in loaded_from if module.startswith("django.db") or module.endswith(".models")}
    assert orm == set(), f"model instances or querysets in the cache: {orm}"
