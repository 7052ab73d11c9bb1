import os

import pytest

from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread
from tests.helpers import assert_consistent

# The real SMTP sink, Celery worker and broker switch, defined here once so every directory shares them.
from tests.services import broker, celery_worker_process, smtp_sink  # noqa: F401

ON_CI = os.environ.get("CI", "").lower() == "true"
SERVICE_MARKERS = {"integration", "browser"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI, a skipped service or browser test is a failure, not a pass."""
    outcome = yield
    report = outcome.get_result()
    if ON_CI and report.skipped and SERVICE_MARKERS & {m.name for m in item.iter_markers()}:
        report.outcome = "failed"
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI=true, which counts as a failure: {reason}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = str(item.path)
        if f"{os.sep}integration{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
        elif f"{os.sep}browser{os.sep}" in path:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _cache_per_test_worker():
    """Parallel test workers share one Redis; each keeps its cache keys apart."""
    from django.conf import settings
    from django.test import override_settings

    caches = {name: {**config} for name, config in settings.CACHES.items()}
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    for config in caches.values():
        config["KEY_PREFIX"] = f"{config.get('KEY_PREFIX', '')}test-{worker}"
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _isolated_side_effects(settings, tmp_path):
    """Uploads go to a scratch folder, passwords hash fast, and Celery runs in-process.

    Integration tests that need a real worker switch eager mode off themselves.
    """
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashing costs a tenth of a second per member built; what it protects is tested by Django.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Posting limits are off unless a test is about them: most tests post in quick succession.
    settings.MODERATION_RATE_LIMITS = {}
    settings.MODERATION_DUPLICATE_SECONDS = 0
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _counters_agree_with_recount(request):
    """Whatever a test did through the services, the live counters agree with `recount()` and every tree is valid.

    A test that sets counters by hand on purpose says so with the `counters_unchecked` marker.
    """
    names = request.fixturenames
    if request.node.get_closest_marker("counters_unchecked") or not (
        request.node.get_closest_marker("django_db") or "db" in names or "transactional_db" in names
    ):
        yield
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in names or (marker is not None and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    assert_consistent()


def clear_cache():
    """Forget cached keys and gathered counts; on Redis, only the cache's keys (the broker shares the database)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from community import tallies

    tallies.discard_gathered()

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        backend.clear()
        return
    client = backend._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{backend.key_prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and sent-mail marks live in the cache; tests must not share them."""
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def member(db):
    return build_member(username="maria", display_name="Maria Lopez")


@pytest.fixture
def other_member(db):
    return build_member(username="olaf", display_name="Olaf Jensen")


@pytest.fixture
def staff(db):
    return build_member(username="tess", display_name="Tess Nakamura", is_staff_member=True)


@pytest.fixture
def moderator(db):
    return build_moderator(username="mona", display_name="Mona Berg")


@pytest.fixture
def category(db):
    return build_category()


@pytest.fixture
def question(member, category):
    return build_thread(member, category=category)


@pytest.fixture
def answer(other_member, question):
    return build_reply(other_member, question.opening_post, body="Hold the button for five seconds.")
