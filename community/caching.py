"""Versions that cached community fragments are keyed by.

A thread's and a category's versions are columns bumped with F() in the
writing transaction, so a reader always sees a version together with the data
it describes. Lists that span categories use one counter in the shared cache,
bumped after commit: a reader that raced the commit stores its page under the
old number, which is never read again. Nothing is ever invalidated; old keys
just age out.
"""

import hashlib
import logging
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpResponse

logger = logging.getLogger(__name__)

LIST_VERSION_KEY = "community:list-version"


def connect() -> None:
    """Changes made outside community's services reach the page versions through their events.

    These run in the writing transaction, so a reader never sees the new data under an old version.
    """
    from accounts.events import ProfileChanged
    from community import events
    from outbox import bus

    bus.subscribe(ProfileChanged, member_display_changed, in_transaction=True)
    bus.subscribe(events.CategoryChanged, category_changed, in_transaction=True)


def member_display_changed(event) -> None:
    """A member's name or picture shows beside their posts and in lists: those pages change."""
    from community.models import Post, Thread

    if not event.changes_display:
        return
    shown_in = Post.objects.filter(author_id=event.member_id).values("thread_id")
    Thread.objects.filter(pk__in=shown_in).update(version=F("version") + 1)
    bump_list_version_on_commit()


def category_changed(event) -> None:
    """Thread pages show their category and its parent; lists and the sidebar show categories."""
    from community.models import Category, Thread

    ids = {event.category_id, *event.parent_ids}
    Category.objects.filter(pk__in=ids).update(version=F("version") + 1)
    Thread.objects.filter(Q(category_id__in=ids) | Q(category__parent_id=event.category_id)).update(
        version=F("version") + 1
    )
    bump_list_version_on_commit()


# The code whose change may change what a cached value holds or how it renders.
RELEASE_SOURCES = ("templates/**/*.html", "accounts/**/*.py", "community/**/*.py", "moderation/**/*.py")


def _release() -> str:
    """A digest of the templates and code that cached values come from.

    It is part of every key, so a deploy that changes their markup, or the
    shape of what is cached, never serves values made by the old release.
    """
    digest = hashlib.sha256()
    for pattern in RELEASE_SOURCES:
        for path in sorted(settings.BASE_DIR.glob(pattern)):
            if "migrations" not in path.parts:
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


class Prefetched:
    """Cache values a page will need, read together in one round trip.

    `get` answers from that read for the keys it asked for (None when a key
    was missing) and goes to the cache for any other key.
    """

    def __init__(self, keys=()):
        self.keys = set(keys)
        self.values = cache.get_many(list(self.keys)) if self.keys else {}

    def get(self, key: str):
        return self.values.get(key) if key in self.keys else cache.get(key)


NOTHING_PREFETCHED = Prefetched()


def remember_key(key: str) -> str:
    return f"{RELEASE}:{key}"


def remember(key: str, build, seconds: int = LIST_SECONDS, fetched: Prefetched = NOTHING_PREFETCHED):
    """`build()`'s result, computed once per key (and per release of the templates)."""
    key = remember_key(key)
    value = fetched.get(key)
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


CSRF_SENTINEL = "csrf-token-outside-a-personal-region"
PERSONAL_MARKER = re.compile(r"<!--personal:([\w-]+)-->")
_personal_nodes_by_template: dict[int, dict] = {}


def _personal_nodes(backend_template) -> dict:
    """Every {% personal %} region of a template and the templates it extends, by name."""
    from django.template import Context
    from django.template.loader import get_template
    from django.template.loader_tags import ExtendsNode

    from community.templatetags.personal import PersonalNode

    compiled = backend_template.template
    found = _personal_nodes_by_template.get(id(compiled))
    if found is None:
        found, current = {}, compiled
        while current is not None:
            for node in current.nodelist.get_nodes_by_type(PersonalNode):
                found.setdefault(node.name, node)
            extends = current.nodelist.get_nodes_by_type(ExtendsNode)
            current = get_template(extends[0].parent_name.resolve(Context())).template if extends else None
        _personal_nodes_by_template[id(compiled)] = found
    return found


def shared_key(key: str) -> str:
    return f"shared:{RELEASE}:{key}"


def render_shared(
    request,
    template_name: str,
    context: dict,
    key: str,
    seconds: int = FRAGMENT_SECONDS,
    fetched: Prefetched = NOTHING_PREFETCHED,
):
    """Render a member's page from one shared rendering plus their own {% personal %} regions.

    The shared rendering is cached under `key`, which must name everything the
    page's non-personal parts depend on (data versions, page, sort), and is
    made with no member's state in it: personal regions become markers, and
    a CSRF token outside them would be caught and the page rendered normally.
    Each request then renders only the personal regions, so a member always
    sees their own current state.
    """
    from django.shortcuts import render
    from django.template.context import make_context
    from django.template.loader import get_template

    from community.templatetags.personal import SHARED_RENDER

    backend = get_template(template_name)
    key = shared_key(key)
    pieces = fetched.get(key)
    if pieces is None:
        html = backend.render({**context, SHARED_RENDER: True, "csrf_token": CSRF_SENTINEL}, request)
        if CSRF_SENTINEL in html:
            logger.error("%s puts a CSRF token outside {%% personal %%}; not sharing it", template_name)
            return render(request, template_name, context)
        # Split once here, so each request joins pieces instead of searching the whole page.
        pieces = PERSONAL_MARKER.split(html)
        cache.set(key, pieces, seconds)
    nodes = _personal_nodes(backend)
    bound = make_context(context, request)
    with bound.bind_template(backend.template):
        # Even items are shared text; odd ones name a personal region.
        parts = [piece if n % 2 == 0 else nodes[piece].nodelist.render(bound) for n, piece in enumerate(pieces)]
    return HttpResponse("".join(parts))
