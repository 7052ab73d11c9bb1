"""The production services themselves: PostgreSQL, the Redis cache and channel layer."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.cache import cache, caches
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.models import User
from notifications.consumers import LiveConsumer
from notifications.live import push_now, user_group

pytestmark = pytest.mark.django_db(transaction=True)


def test_database_is_postgresql_and_enforces_case_insensitive_uniqueness(member):
    assert connection.vendor == "postgresql"

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="MARIA", email="other@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="other", email="MARIA@EXAMPLE.COM")


def test_cache_is_redis():
    cache.set("integration:probe", {"ok": 1}, timeout=30)

    assert type(caches["default"]).__name__ == "RedisCache"
    assert cache.get("integration:probe") == {"ok": 1}


def test_healthz_reports_real_services(client, broker):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"]["backend"] == "postgresql"
    assert checks["cache"]["backend"] == "RedisCache"
    assert checks["broker"]["backend"] == "redis"


def test_live_push_crosses_the_redis_channel_layer(member):
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"

    async def scenario():
        communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
        communicator.scope["user"] = member
        connected, _ = await communicator.connect()
        assert connected
        await asyncio.get_running_loop().run_in_executor(None, push_now, user_group(member.pk), {"kind": "ping"})
        received = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return received

    assert asyncio.run(scenario()) == {"kind": "ping"}
