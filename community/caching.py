"""Versions that cached community pages are keyed by, and the one place that changes them.

No service bumps a version. These subscribers run in the writing transaction
for every event that changes what a page shows: a thread's `version` column
is bumped with F() there, so a reader always sees a version together with
the data it describes; after commit the cache's copy of it is raised to match
(`note_thread_versions`), which is all a visitor's stored page is checked
against. Lists are keyed by counters in the shared cache, one
for the lists that span the site and one per category, bumped after commit
and only by events that change a list (a helpful vote changes a thread page,
no list): a reader that raced the commit stores its page under the old
number, which is never read again. Nothing is ever deleted; old keys age out.
"""

import functools
import hashlib
import itertools
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F, Model, Q, QuerySet
from django.db.models.base import ModelState
from django.db.models.query_utils import DeferredAttribute
from django.http import HttpResponse

logger = logging.getLogger(__name__)

LIST_VERSION_KEY = "community:list-version"
FAQ_VERSION_KEY = "faq:list-version"
M = TypeVar("M", bound=Model)


def connect() -> None:
    from accounts.events import ProfileChanged
    from community import events
    from outbox import bus

    for event_type in (
        events.ThreadStarted,
        events.ReplyPosted,
        events.PostHeld,
        events.PostReviewed,
        events.PostEdited,
        events.PostDeleted,
        events.PostRestored,
        events.AnswerAccepted,
        events.AnswerUnaccepted,
        events.AnswerVerified,
        events.PostVoted,
        events.IdeaVoted,
        events.ProblemConfirmed,
        events.StatusChanged,
        events.ThreadChanged,
    ):
        bus.subscribe(event_type, thread_changed, in_transaction=True)
    bus.subscribe(ProfileChanged, member_display_changed, in_transaction=True)
    bus.subscribe(ProfileChanged, member_profile_changed, in_transaction=True)
    bus.subscribe(events.CategoryChanged, category_changed, in_transaction=True)


def thread_changed(event) -> None:
    """A thread's page changed; unless only its page did (a helpful vote, a held post), its lists did too."""
    from community import events
    from community.models import Category, Thread

    thread_ids = {event.thread_id, getattr(event, "other_thread_id", None)} - {None}
    _bump_threads(Thread.objects.filter(pk__in=thread_ids))
    bump_members_on_commit(PROFILE, _profiles_shown_in(event, thread_ids))
    if isinstance(event, events.PostVoted | events.PostHeld):
        return
    category_ids = set(getattr(event, "categories", ())) or set(
        Thread.objects.filter(pk__in=thread_ids).values_list("category_id", flat=True)
    )
    # A category's page lists its sub-categories' threads too.
    slugs = Category.objects.filter(Q(pk__in=category_ids) | Q(children__in=category_ids)).values_list(
        "slug", flat=True
    )
    bump_lists_on_commit(set(slugs))


def _bump_threads(threads: QuerySet) -> None:
    """Move `threads` to new versions in this transaction, and the cache's copies of them after commit."""
    threads.update(version=F("version") + 1)

    def publish():
        rows = list(threads.order_by().values_list("pk", "version"))
        for start in range(0, len(rows), PUBLISH_BATCH):
            note_thread_versions(dict(rows[start : start + PUBLISH_BATCH]))

    transaction.on_commit(publish)


# Threads whose versions one round trip publishes (a category's or a member's may be thousands).
PUBLISH_BATCH = 1000
_raising = threading.Lock()


def thread_version_key(pk: int) -> str:
    """The cache's copy of a thread's version: what a visitor's stored page is checked against."""
    return f"thread-version:{pk}"


def note_thread_versions(versions: dict[int, int]) -> None:
    """Raise the cache's copies of these threads' versions to these numbers, never lowering one.

    Versions only grow, and writers and readers note them in any order: the
    copy never runs ahead of the database, and it catches up with every
    commit, since each writer notes its thread's version after it. Inside
    `writes_gathered` the note goes with the gathered writes, even if the page fails.
    """
    values = {thread_version_key(pk): version for pk, version in versions.items()}
    raises = getattr(_gathering, "raises", None)
    if raises is not None:
        for key, version in values.items():
            raises[key] = max(version, raises.get(key, version))
        return
    _raise_versions(values)


def _raise_versions(values: dict[str, int]) -> None:
    raise_many = getattr(cache, "raise_many", None)
    if raise_many is not None:
        raise_many(values, FRAGMENT_SECONDS)
        return
    with _raising:  # a cache without the operation lives in this one process
        found = cache.get_many(list(values))
        cache.set_many({key: n for key, n in values.items() if found.get(key, -1) < n}, FRAGMENT_SECONDS)


def _profiles_shown_in(event, thread_ids: set[int]) -> set[int]:
    """The members whose profiles show what `event` changed: the post's author and the thread's.

    A profile lists the member's threads (with their state and replies) and
    their posts (with their thread's title). What changes a post changes its
    author's profile and the thread's; what changes the whole thread (a new
    title, a move, a merge, a new status) changes everyone's who wrote in it.
    """
    from community import events
    from community.models import Post, Thread

    authors = {getattr(event, name, None) for name in ("author_id", "post_author_id", "answer_author_id")}
    if isinstance(event, events.ThreadChanged | events.StatusChanged | events.PostEdited):
        authors.update(Post.objects.filter(thread_id__in=thread_ids).values_list("author_id", flat=True).distinct())
    else:
        authors.update(Thread.objects.filter(pk__in=thread_ids).values_list("author_id", flat=True))
    return authors - {None}


def member_profile_changed(event) -> None:
    """What a member's profile shows of them changed: their fields, points, badges, standing or sanctions.

    Subscribed by the apps that publish such events (accounts here; recognition
    and moderation in their own `ready`), each naming the member as `member_id`.
    """
    bump_members_on_commit(PROFILE, {event.member_id})


def member_inbox_changed(event) -> None:
    """The members' notifications changed (new ones, or read): their bells' counts did.

    Subscribed by notifications, whose event names the members as `member_ids`.
    """
    bump_members_on_commit(INBOX, set(event.member_ids))


def member_display_changed(event) -> None:
    """A member's name, picture or markers show beside their posts, their status updates and in lists:
    those pages change."""
    from community.models import Post, StatusChange, Thread

    if not event.changes_display:
        return
    shown_in = Post.objects.filter(author_id=event.member_id).values("thread_id")
    updated = StatusChange.objects.filter(actor_id=event.member_id).values("thread_id")
    _bump_threads(Thread.objects.filter(Q(pk__in=shown_in) | Q(pk__in=updated)))
    bump_lists_on_commit(every_category=True)


def category_changed(event) -> None:
    """Thread pages show their category and its parent; lists and the sidebar show categories."""
    from community.models import Category, Thread

    ids = {event.category_id, *event.parent_ids}
    _bump_threads(Thread.objects.filter(Q(category_id__in=ids) | Q(category__parent_id=event.category_id)))
    bump_lists_on_commit(set(Category.objects.filter(pk__in=ids).values_list("slug", flat=True)))


def article_changed(event) -> None:
    """An FAQ article changed: its page, the FAQ's lists, and the banner on the thread it came from.

    faq subscribes this to its events (faq.apps), since community never imports
    faq; the article's row is reached through the app registry for the same reason.
    """
    from django.apps import apps

    from community.models import Thread

    apps.get_model("faq", "Article").objects.filter(pk=event.article_id).update(version=F("version") + 1)
    if event.source_thread_id is not None:
        _bump_threads(Thread.objects.filter(pk=event.source_thread_id))
    transaction.on_commit(lambda: _bump_counter(FAQ_VERSION_KEY))


def faq_section_changed(event) -> None:
    """An FAQ section was added, edited or removed: the FAQ's lists and its articles' pages name it.

    faq subscribes this to its own event (faq.apps), as it does `article_changed`. The banners on
    the threads its articles came from link to them by an address that names the section.
    """
    from django.apps import apps

    from community.models import Thread

    articles = apps.get_model("faq", "Article").objects.filter(section_id=event.section_id)
    _bump_threads(Thread.objects.filter(pk__in=articles.exclude(source_thread=None).values("source_thread_id")))
    transaction.on_commit(lambda: _bump_counter(FAQ_VERSION_KEY))


def faq_version() -> int:
    """The version of the FAQ's lists and of the banners that name its articles."""
    return _counter(FAQ_VERSION_KEY)


def everything_changed() -> None:
    """Every page is out of date (the stored HTML was rendered again)."""
    from community.models import Thread

    with transaction.atomic():
        _bump_threads(Thread.objects.all())
        bump_lists_on_commit(every_category=True)


# The code whose change may change what a cached value holds or how it renders.
RELEASE_SOURCES = (
    "templates/**/*.html",
    "*/jinja2/**/*.html",
    "accounts/**/*.py",
    "community/**/*.py",
    "moderation/**/*.py",
    "recognition/**/*.py",
    "faq/**/*.py",
    "config/jinja2.py",
)


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
# A key names the versions of what its value shows, so an old value is never read again and may
# live long: under Redis's LRU policy a thread nobody reads gives its room up first.
FRAGMENT_SECONDS = 7 * 24 * 60 * 60
# Lists show relative times; a short life keeps them roughly right without JavaScript.
LIST_SECONDS = 5 * 60


def _list_key(category_slug: str | None) -> str:
    return LIST_VERSION_KEY if category_slug is None else f"{LIST_VERSION_KEY}:{category_slug}"


def _fresh_version() -> int:
    # A counter that was evicted (or never set) starts above any number it had before, so a page
    # cached under an old number is never served again.
    return time.time_ns() // 1000


def list_version(category_slug: str | None = None) -> int:
    """The version of the site-wide lists, or of one category's page."""
    return _counter(_list_key(category_slug))


def list_version_key(category_slug: str | None = None) -> str:
    """The key `list_version` reads, for a page to read with its own (see `counter`)."""
    return _list_key(category_slug)


def counter(key: str, fetched: "Prefetched") -> int:
    """The counter under `key` (a version), from `fetched` when it was read there."""
    version = fetched.get(key)
    return version if version is not None else _counter(key)


def _counter(key: str) -> int:
    version = cache.get(key)
    if version is None:
        cache.add(key, _fresh_version(), timeout=None)
        # Without a reachable cache every read gets a new number: nothing is cached, nothing is stale.
        version = cache.get(key) or _fresh_version()
    return version


def bump_lists_on_commit(category_slugs=(), *, every_category: bool = False) -> None:
    """After commit, move the site-wide lists and the named categories' pages (or all of them) to new versions."""
    from community.models import Category

    def bump():
        slugs = Category.objects.values_list("slug", flat=True) if every_category else category_slugs
        for key in (LIST_VERSION_KEY, *(_list_key(slug) for slug in slugs)):
            _bump_counter(key)

    transaction.on_commit(bump)


def _bump_counter(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, _fresh_version(), timeout=None)


# What a member version keys: the profile page about them, their own inbox (the bell), and what
# is worked out from their read positions ("N new" on lists).
PROFILE = "profile"
INBOX = "inbox"
READING = "reading"


# The header bell: the member's unread notifications, remembered under their INBOX version.
BELL = "bell"


def member_page_keys(member_id: int) -> list[str]:
    """The keys every member's page reads in its regions (the bell), for the page to read with its own."""
    return member_remember_keys(INBOX, member_id, BELL)


def member_version_key(scope: str, member_id: int) -> str:
    return f"member-version:{scope}:{member_id}"


def member_version(scope: str, member_id: int, fetched: "Prefetched | None" = None) -> int:
    """The version of what `scope` shows about one member (PROFILE, INBOX, READING).

    `fetched` (a Prefetched) may hold it already, read with the page's other keys.
    """
    return counter(member_version_key(scope, member_id), fetched or NOTHING_PREFETCHED)


def member_remember_keys(scope: str, member_id: int, name: str) -> list[str]:
    """The cache keys `member_remember` reads, for a page to read with its own."""
    return [member_version_key(scope, member_id), remember_key(f"{name}:{member_id}")]


def member_remember(
    scope: str, member_id: int, name: str, build, seconds: int = LIST_SECONDS, fetched: "Prefetched | None" = None
):
    """`build()`'s result for one member, remembered until their `scope` version moves.

    The value is stored beside the version it was built under, so the version
    and the value come back in one round trip, not one after the other: the
    page's own (`fetched`), when it read them with its other keys.
    """
    version_key, value_key = member_remember_keys(scope, member_id, name)
    if fetched is not None and fetched.has(version_key, value_key):
        found = fetched.values
    else:
        found = cache.get_many([version_key, value_key])
    version = found.get(version_key)
    if version is None:
        version = member_version(scope, member_id)
    remembered = found.get(value_key)
    if remembered is not None and remembered[0] == version:
        return remembered[1]
    value = build()
    store(value_key, (version, value), seconds)
    return value


def _new_member_versions(scope: str, member_ids) -> None:
    # A version needs only never to repeat, not to grow: a random number does that without reading
    # the old one, so a thread's hundred authors cost one write, not a hundred increments.
    cache.set_many({member_version_key(scope, pk): secrets.randbits(62) for pk in member_ids}, timeout=None)


def bump_members_on_commit(scope: str, member_ids) -> None:
    """After commit, move each member's `scope` to a new version, in one round trip however many they are."""
    ids = sorted(set(member_ids))
    if ids:
        transaction.on_commit(lambda: _new_member_versions(scope, ids))


def member_read(member_id: int) -> None:
    """The member read further into a thread: what is worked out from their positions moves on at once.

    The one change this module hears of without an event: a page view writes
    no row (community.reading keeps positions in the cache), so it publishes none.
    Sent with the page's other writes (`store`), after the position.
    """
    store(member_version_key(READING, member_id), secrets.randbits(62), None)


class Prefetched:
    """Cache values a page will need, read together in one round trip.

    `get` answers from that read for the keys it asked for (None when a key
    was missing) and goes to the cache for any other key.
    """

    def __init__(self, keys=()):
        self.keys = set(keys)
        self.values = cache.get_many(list(self.keys)) if self.keys else {}

    @classmethod
    def beyond(cls, read: "Prefetched", keys, *, taken_as_missing: bool = False) -> "Prefetched":
        """`read`'s answers, and `keys` it did not ask for read in one more round trip.

        With `taken_as_missing`, those keys are not read at all but answered as
        missing: for a page whose thread version the cache did not know, so that
        whatever is stored under that version is most likely gone too. A key
        taken as missing is built again, never served wrong.
        """
        more = [key for key in keys if key not in read.keys]
        fetched = cls(() if taken_as_missing else more)
        fetched.keys |= read.keys | set(more)
        fetched.values = {**read.values, **fetched.values}
        return fetched

    def get(self, key: str):
        return self.values.get(key) if key in self.keys else cache.get(key)

    def has(self, *keys: str) -> bool:
        """Whether the read asked for all of `keys` (found or not)."""
        return self.keys.issuperset(keys)


NOTHING_PREFETCHED = Prefetched()


def plain(instance: Model, fields: Iterable[str] | None = None) -> dict:
    """A model instance's loaded field values, as plain data the cache may hold.

    Only the named fields (all concrete ones by default) that were loaded are
    taken: a deferred field, such as a member's password hash, never is.
    """
    names = fields if fields is not None else [f.attname for f in instance._meta.concrete_fields]
    return {name: instance.__dict__[name] for name in names if name in instance.__dict__}


def rebuilt(model: type[M], values: dict) -> M:
    """The instance `plain` described, as if loaded from the database with the other fields deferred.

    `values` must hold only the model's field attnames. Built as `Model.from_db` would build it, but
    without `Model.__init__`, which sets each field through its descriptor and sends two signals: an
    uncached page builds some thirty instances, and that was a tenth of its time. No model here
    listens for those signals, and a field missing from `__dict__` is deferred, as from the database.
    """
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = instance._state = ModelState()
    state.adding = False
    state.db = DEFAULT_DB_ALIAS
    if tracked := _mptt_tracked(model):
        # What mptt's __init__ notes (update_mptt_cached_fields), so that saving the instance can tell
        # whether it moved: the field's value, or DeferredAttribute for one not loaded.
        instance._mptt_cached_fields = {name: values.get(attname, DeferredAttribute) for name, attname in tracked}
    return instance


def relate(instance: Model, **related: Model | None) -> None:
    """Give a `rebuilt` instance its related instances by foreign key name, as `select_related` would.

    Into the field cache, without the descriptor's checks: the key's id is among
    the instance's values already, and a page sets a dozen of these.
    """
    instance._state.fields_cache.update(related)


@functools.cache
def _mptt_tracked(model: type[Model]) -> tuple[tuple[str, str], ...]:
    """The fields mptt watches on `model` (its parent, and any insertion order), with their attnames."""
    mptt = getattr(model, "_mptt_meta", None)
    if mptt is None:
        return ()
    names = {mptt.parent_attr, *(name.lstrip("-") for name in mptt.order_insertion_by)}
    return tuple((name, model._meta.get_field(name).attname) for name in sorted(names))


_gathering = threading.local()


@contextmanager
def writes_gathered():
    """The cache writes `store` is asked for inside are sent together as it ends: one round trip, not one each.

    For a page built from nothing, whose parts (the thread, its replies, the
    page) are each cached as they are made, and a member's page view, which
    notes their reading (and, on Redis, counts it: `gather_tallies`). They are
    sent in the order they were made, the counts last. Nested, the outermost
    sends. A page that fails sends nothing: its parts are built again by the
    next reader, and a reading it noted is noted by the next view.
    """
    if getattr(_gathering, "writes", None) is not None:
        yield
        return
    _gathering.writes = writes = {}
    _gathering.raises = raises = {}
    _gathering.tallies = tallies = [{}, None]  # the counts, and their one lifetime
    failed = True
    try:
        yield
        failed = False
    finally:
        _gathering.writes = _gathering.raises = _gathering.tallies = None
        # Versions noted are facts of committed data: sent whatever became of the page.
        items = [] if failed else [(key, value, seconds) for key, (value, seconds) in writes.items()]
        set_each = getattr(cache, "set_each", None)
        if set_each is not None:
            counted = None if failed or not tallies[0] else tuple(tallies)
            if items or raises or counted:
                # Redis (config.cache): every lifetime, the versions and the counts, in one round trip, in order.
                set_each(items, raises=(raises, FRAGMENT_SECONDS), tallies=counted)
        else:
            # Elsewhere, in order too: each run of writes with one lifetime together.
            for seconds, run in itertools.groupby(items, key=lambda item: item[2]):
                cache.set_many({key: value for key, value, _seconds in run}, seconds)
            if raises:
                _raise_versions(raises)


def gather_tallies(counts: dict, seconds: int) -> bool:
    """Send `cache.tally_many`'s counts after the writes being gathered, in their round trip.

    False (the caller sends them) outside `writes_gathered`, on a cache that
    cannot send them together, or for another lifetime than the counts gathered.
    """
    gathered = getattr(_gathering, "tallies", None)
    if gathered is None or getattr(cache, "set_each", None) is None or gathered[1] not in (None, seconds):
        return False
    gathered[1] = seconds
    for key, n in counts.items():
        gathered[0][key] = gathered[0].get(key, 0) + n
    return True


def gathers_writes(view):
    """A view whose cache writes are sent together (`writes_gathered`)."""

    @wraps(view)
    def gathering(*args, **kwargs):
        with writes_gathered():
            return view(*args, **kwargs)

    return gathering


def store(key: str, value, seconds: int | None) -> None:
    """`cache.set`, or, inside `writes_gathered`, sent with the others when it ends."""
    writes = getattr(_gathering, "writes", None)
    if writes is None:
        cache.set(key, value, seconds)
    else:
        writes[key] = (value, seconds)


def remember_key(key: str) -> str:
    return f"{RELEASE}:{key}"


def remember(key: str, build, seconds: int = LIST_SECONDS, fetched: Prefetched = NOTHING_PREFETCHED):
    """`build()`'s result, computed once per key (and per release of the templates)."""
    key = remember_key(key)
    value = fetched.get(key)
    if value is None:
        value = build()
        store(key, value, seconds)
    return value


def reply_fragment_key(thread_pk: int, version: int, key: str, *, moderator: bool) -> str:
    return f"replies:{RELEASE}:{thread_pk}:{version}:{key}:{int(moderator)}"


def reply_fragment(thread, key: str, build, *, moderator: bool, fetched: Prefetched = NOTHING_PREFETCHED) -> dict:
    """A page of a thread's replies, rendered once for every reader of the same kind, keyed by the thread's version.

    `build(moderator)` reads the replies (a ReplyPage). Visitors and members
    share one copy; moderators, who see held and hidden posts, another. Writes
    bump the version in their own transaction, so a cached page is never older
    than the thread it was read with; each member's state is laid over it by
    the page, never baked in. The ids, paging and post facts are read with the
    thread (see `Prefetched`); the HTML only if the page is rendered.
    """
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    cache_key = reply_fragment_key(thread.pk, thread.version, key, moderator=moderator)

    def render_replies():
        replies = build(moderator)
        html = render_to_string(
            "community/reply_page.html",
            {"replies": replies, "thread": thread, "moderator": moderator},
            using="jinja2",
        )
        meta = {"post_ids": replies.post_ids, "has_next": replies.has_next, "facts": replies.facts}
        store(cache_key, meta, FRAGMENT_SECONDS)
        store(f"{cache_key}:html", html, FRAGMENT_SECONDS)
        return meta, html

    meta = fetched.get(cache_key)
    if meta is None:
        meta, html = render_replies()
        return {**meta, "moderator": moderator, "html": mark_safe(html)}  # noqa: S308 - our own template's output

    def cached_html():
        # A shared member page that is already cached never needs it.
        html = cache.get(f"{cache_key}:html")
        return mark_safe(html if html is not None else render_replies()[1])  # noqa: S308 - as above

    return {**meta, "moderator": moderator, "html": _HtmlWhenPrinted(cached_html)}


class _HtmlWhenPrinted:
    """Safe HTML that `load()` fetches only if a template prints it, once.

    (Django's `lazy()` would build a new proxy class on every call, which cost
    more than the page's whole overlay on a busy thread.)
    """

    def __init__(self, load):
        self._load, self._html = load, None

    def __str__(self) -> str:
        if self._html is None:
            self._html = self._load()
        return self._html

    __html__ = __str__


# What a page's `version_of` answers when the version is best read with the page itself (`anonymous_page`).
READ_WITH_PAGE = object()


def anonymous_page(version_of, seconds=FRAGMENT_SECONDS, *, keys_of=None):
    """Serve whole pages to signed-out visitors from the cache, keyed by the data's version.

    `version_of(request, *args, **kwargs)` returns the version the page reflects,
    or None to skip the cache. Members never get these pages: theirs carry
    personal state. Responses that set cookies or carry a CSRF token are never
    stored, so nothing personal can leak between visitors.

    A page is stored under its address alone, beside the version it was
    rendered under, and served only while that is still the version: a copy
    rendered under an old version is never served again. So the page can be
    read in the same round trip as the cache keys its version is made of:
    `keys_of(request, *args, **kwargs)` names them, and `version_of` is then
    called with `fetched=` (a Prefetched holding them and the page). A view
    that builds the page finds the version it is stored under as
    `request.page_version`, and that read as `request.page_fetched`, so it
    need not read those keys again. `version_of` may answer `READ_WITH_PAGE`
    when the cache knows no version (and so holds no copy to check): the view
    then reads the version with the page's data, and leaves it in
    `request.page_version`.
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
            path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
            key = f"page:{RELEASE}:{view.__name__}:{path}"
            if keys_of is None:
                version = version_of(request, *args, **kwargs)
                stored = cache.get(key) if version is not None else None
            else:
                fetched = request.page_fetched = Prefetched([key, *keys_of(request, *args, **kwargs)])
                version = version_of(request, *args, fetched=fetched, **kwargs)
                stored = fetched.get(key)
            if version is None:
                return view(request, *args, **kwargs)
            # Bytes, as sent: the cache keeps them uncompressed (config.cache).
            if stored is not None and version is not READ_WITH_PAGE:
                stamp = f"{version}\n".encode()
                if stored.startswith(stamp):
                    return HttpResponse(stored[len(stamp) :])
            # The view may build the page at this version rather than read it again.
            request.page_version = version
            with writes_gathered():
                response = view(request, *args, **kwargs)
                if (
                    request.page_version is not READ_WITH_PAGE
                    and response.status_code == 200
                    and not response.streaming
                    and not response.cookies
                    and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                    and response.get("Content-Type", "").startswith("text/html")
                ):
                    store(key, f"{request.page_version}\n".encode() + response.content, seconds)
            return response

        return wrapped

    return decorator


CSRF_SENTINEL = "csrf-token-outside-a-personal-region"
PERSONAL_MARKER = re.compile(r"<!--personal:([\w-]+)-->")
# The pages views render with render_shared. community.checks holds each of
# them (with the templates they extend and include) to the rules of
# community/templatetags/personal.py, and to no member's state outside a region.
SHARED_TEMPLATES = frozenset(
    {
        "community/category.html",
        "community/home.html",
        "community/search.html",
        "community/tag.html",
        "community/thread.html",
        "community/unanswered.html",
        # Other apps' pages, named in settings so community need not know them.
        *settings.COMMUNITY_SHARED_TEMPLATES,
    }
)
# What the context processors know of one member, blanked in the shared
# rendering, so even a template the startup check could not follow (an include
# chosen at run time) cannot put one member's state in everyone's page.
NO_MEMBER = {"user": None, "request": None, "perms": None, "messages": (), "csrf_token": CSRF_SENTINEL}


# Where render_shared hands the regions the page's Prefetched.
PREFETCHED = "_prefetched"


def shared_key(key: str) -> str:
    return f"shared:{RELEASE}:{key}"


def render_shared(
    request,
    template_name: str,
    *,
    shared: Callable[[], dict],
    personal: dict,
    key: str | None,
    version: int | str | None = None,
    seconds: int = FRAGMENT_SECONDS,
    fetched: Prefetched = NOTHING_PREFETCHED,
) -> HttpResponse:
    """Render a page from one shared rendering plus this request's {% personal %} regions.

    `shared()` builds the context of everything outside the regions; it is
    called only when the shared rendering is not cached under `key`, which must
    name everything that rendering depends on (data versions, page, sort), or
    all of it but `version`, which is then stored beside the rendering and
    must match for it to be served (so the page can be read in the same round
    trip as the version). The
    regions see only `personal` and the context processors. With `key` None
    (moderators, who see more than members, and visitors) the page is built
    the same way but not stored.

    A page whose regions break the rules in community/templatetags/personal.py,
    or that has a CSRF token outside them, is logged and rendered whole for
    this request instead: served late, never wrong, never another member's.
    """
    from django.shortcuts import render
    from django.template.context import make_context
    from django.template.loader import get_template

    from community.templatetags.personal import SHARED_RENDER, page_regions

    if template_name not in SHARED_TEMPLATES:
        raise ImproperlyConfigured(f"{template_name} is rendered shared but is not in SHARED_TEMPLATES")
    backend = get_template(template_name)
    regions = page_regions(backend.template)
    if regions.problems:
        logger.error("%s is not shared: %s", template_name, "; ".join(regions.problems))
        return render(request, template_name, {**shared(), **personal})
    key = shared_key(key) if key is not None else None
    pieces = fetched.get(key) if key is not None else None
    if pieces is not None and version is not None:
        pieces = pieces[1] if pieces[0] == version else None
    if pieces is None:
        context = shared()
        html = backend.render({**context, **NO_MEMBER, SHARED_RENDER: True}, request)
        # Split once here, so each request joins pieces instead of searching the whole page, and
        # encode the shared text once here too: a busy thread's page is hundreds of kilobytes, whose
        # encoding (and unpickling as text) on every request cost more than rendering the regions.
        pieces = PERSONAL_MARKER.split(html)
        pieces[::2] = [piece.encode() for piece in pieces[::2]]
        unknown = set(pieces[1::2]) - regions.nodes.keys()
        if CSRF_SENTINEL in html or unknown:
            logger.error(
                "%s is not shared: a CSRF token outside its personal regions, or regions the check never saw (%s)",
                template_name,
                ", ".join(sorted(unknown)),
            )
            return render(request, template_name, {**context, **personal})
        if key is not None:
            store(key, pieces if version is None else (version, pieces), seconds)
    # The regions' tags (the bell) answer from the page's one read where it holds their keys.
    bound = make_context({**personal, PREFETCHED: fetched}, request)
    with bound.bind_template(backend.template):
        # Even items are shared text, encoded; odd ones name a personal region.
        parts = [
            piece if n % 2 == 0 else regions.nodes[piece].render(bound).encode() for n, piece in enumerate(pieces)
        ]
    return HttpResponse(b"".join(parts))
