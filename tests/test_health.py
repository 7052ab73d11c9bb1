import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from tests.private_redis import unreachable_url

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_service(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.counters_unchecked
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "error": "OSError: connection refused"}
    assert body["checks"]["cache"]["ok"] is True


def test_healthz_stays_in_service_but_degraded_when_the_broker_is_unreachable(client, monkeypatch):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["broker"]["ok"] is False


def test_healthz_says_when_the_redis_cache_is_unreachable(client):
    with override_settings(CACHES={"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": unreachable_url()}}):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"] == {
        "ok": False,
        "error": "ConnectionError: Redis is unreachable; pages are being served from the database",
    }
