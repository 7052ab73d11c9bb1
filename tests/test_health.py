import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from config import health
from tests.private_redis import unreachable_url

ROOT = Path(__file__).resolve().parent.parent

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


# Who sees what -----------------------------------------------------------------

REMOTE = "203.0.113.9"
BROKER_ERROR = "Error 111 connecting to redis.internal:6379. Connection refused."


@pytest.fixture
def broker_down(monkeypatch):
    def refused():
        raise ConnectionError(BROKER_ERROR)

    monkeypatch.setattr(health, "_broker", refused)


def test_healthz_tells_a_remote_visitor_the_status_only(client, broker_down):
    response = client.get(reverse("healthz"), REMOTE_ADDR=REMOTE)

    assert response.status_code == 200
    assert response.json() == {"status": "degraded"}
    assert b"redis.internal" not in response.content and b"6379" not in response.content


@pytest.mark.counters_unchecked
def test_healthz_keeps_the_503_for_a_remote_visitor_without_the_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OSError("could not connect to db.internal:5432")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get(reverse("healthz"), REMOTE_ADDR=REMOTE)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_healthz_treats_a_request_relayed_by_a_local_proxy_as_remote(client, broker_down):
    response = client.get(reverse("healthz"), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=REMOTE)

    assert response.json() == {"status": "degraded"}


def test_healthz_shows_a_member_who_is_not_staff_the_status_only(client, member, broker_down):
    client.force_login(member)

    response = client.get(reverse("healthz"), REMOTE_ADDR=REMOTE)

    assert response.json() == {"status": "degraded"}


def test_healthz_shows_staff_every_check_and_its_error(client, staff, broker_down):
    client.force_login(staff)

    response = client.get(reverse("healthz"), REMOTE_ADDR=REMOTE)

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"ok": False, "error": f"ConnectionError: {BROKER_ERROR}"}


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_healthz_shows_a_probe_from_this_machine_every_check(client, broker_down, address):
    response = client.get(reverse("healthz"), REMOTE_ADDR=address)

    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["broker"]["error"] == f"ConnectionError: {BROKER_ERROR}"


def test_healthz_answers_head_like_get(client):
    assert client.head(reverse("healthz"), REMOTE_ADDR=REMOTE).status_code == 200


def test_command_line_check_prints_every_check_with_its_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(VAR_DIR=str(tmp_path), REDIS_URL=unreachable_url(), DJANGO_SETTINGS_MODULE="config.settings")

    result = subprocess.run(
        [sys.executable, "-m", "config.health"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "degraded"
    assert report["checks"]["database"]["ok"] is True
    assert report["checks"]["cache"]["error"].startswith("ConnectionError: Redis is unreachable")
    assert report["checks"]["broker"]["ok"] is False and report["checks"]["broker"]["error"]
