"""Versions that cached community fragments are keyed by.

A thread's and a category's versions are columns bumped with F() in the
writing transaction, so a reader always sees a version together with the data
it describes. Lists that span categories use one counter in the shared cache,
bumped after commit: a reader that raced the commit stores its page under the
old number, which is never read again. Nothing is ever invalidated; old keys
just age out.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

LIST_VERSION_KEY = "community:list-version"


def _release() -> str:
    """A digest of the templates that cached fragments come from.

    It is part of every key, so a deploy that changes their markup never serves
    fragments rendered by the old templates.
    """
    digest = hashlib.sha256()
    for path in sorted((settings.BASE_DIR / "templates").rglob("*.html")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release()
FRAGMENT_SECONDS = 60 * 60
# Lists show relative times; a short life keeps them roughly right without JavaScript.
LIST_SECONDS = 5 * 60


def list_version() -> int:
    version = cache.get(LIST_VERSION_KEY)
    if version is None:
        cache.add(LIST_VERSION_KEY, 1, timeout=None)
        version = cache.get(LIST_VERSION_KEY, 1)
    return version


def bump_list_version_on_commit() -> None:
    def bump():
        try:
            cache.incr(LIST_VERSION_KEY)
        except ValueError:
            cache.add(LIST_VERSION_KEY, 1, timeout=None)

    transaction.on_commit(bump)


def remember(key: str, build, seconds: int = LIST_SECONDS):
    """`build()`'s result, computed once per key (and per release of the templates)."""
    key = f"{RELEASE}:{key}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return value


def anonymous_page(version_of, seconds=FRAGMENT_SECONDS):
    """Serve whole pages to signed-out visitors from the cache, keyed by the data's version.

    `version_of(request, *args, **kwargs)` returns the version the page reflects,
    or None to skip the cache. Members never get these pages: theirs carry
    personal state. Responses that set cookies or carry a CSRF token are never
    stored, so nothing personal can leak between visitors.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if (
                request.method != "GET"
                or request.user.is_authenticated
                or getattr(request, "htmx", False)
                or "messages" in request.COOKIES
            ):
                return view(request, *args, **kwargs)
            version = version_of(request, *args, **kwargs)
            if version is None:
                return view(request, *args, **kwargs)
            path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
            key = f"page:{RELEASE}:{view.__name__}:{version}:{path}"
            content = cache.get(key)
            if content is not None:
                return HttpResponse(content)
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.streaming
                and not response.cookies
                and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                and response.get("Content-Type", "").startswith("text/html")
            ):
                cache.set(key, response.content, seconds)
            return response

        return wrapped

    return decorator
