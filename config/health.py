"""Readiness of the services a Concierge process depends on.

Served as ``/healthz`` for load balancers and run as ``python -m config.health``
by ``make test`` and operators, so both run exactly the same checks. A failing
check's error names hosts and ports, so over HTTP only staff and the machine
itself see the checks; everyone else gets the status alone.
"""

import json
import sys
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

LOOPBACK = {"127.0.0.1", "::1"}
# Set by a proxy in front of us: a request that came through one is not local,
# even though its REMOTE_ADDR is the proxy's loopback address.
FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


def _timed(check):
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["backend"] = detail
    return result


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache():
    key = "healthz:probe"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        # The Redis cache answers as a miss instead of failing when it can't reach Redis.
        if getattr(cache, "unreachable", False):
            raise ConnectionError("Redis is unreachable; pages are being served from the database")
        raise RuntimeError("cache did not return the value just written")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _broker():
    from config.celery import app

    if app.conf.task_always_eager:
        return "eager"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport.driver_type


def run_checks():
    """`ok` when every service answers, `degraded` when only Redis doesn't, `unavailable` without the database.

    Without Redis the site still serves every page from the database and what
    leaves the process waits in the outbox, so a degraded process stays in the
    load balancer; taking every one out would turn a Redis outage into a site outage.
    """
    checks = {"database": _timed(_database), "cache": _timed(_cache), "broker": _timed(_broker)}
    healthy = all(c["ok"] for c in checks.values())
    status = "ok" if healthy else "degraded" if checks["database"]["ok"] else "unavailable"
    return healthy, {"status": status, "checks": checks}


def sees_details(request) -> bool:
    """Staff, and probes from this machine that no proxy relayed, may read each check and its error."""
    # Imported here: `python -m config.health` loads this module before Django is set up.
    from community.permissions import is_staff

    if request.META.get("REMOTE_ADDR") in LOOPBACK and not any(h in request.META for h in FORWARDED):
        return True
    try:
        return is_staff(request.user) or request.user.is_staff
    except Exception:
        # Loading the member needs the database that may be the failing check;
        # the status must still answer.
        return False


@never_cache
@require_safe
def healthz(request):
    _, body = run_checks()
    status = 503 if body["status"] == "unavailable" else 200
    return JsonResponse(body if sees_details(request) else {"status": body["status"]}, status=status)


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    healthy, body = run_checks()
    print(json.dumps(body, indent=2))
    sys.exit(0 if healthy else 1)
