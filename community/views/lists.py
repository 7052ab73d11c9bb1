"""Thread lists: home, unanswered, a category, a tag."""

import functools

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import mark_safe

from accounts import selectors as account_selectors
from community import caching, permissions, selectors
from community.models import Tag, Thread
from community.views.common import page_number, shares_member_page


def _thread_list_page(request, *, template, filter_name, extra=dict, personal=None, **list_args):
    """A list page: `extra()` adds to what every member sees, `personal` is what only this one does."""
    if filter_name in selectors.MEMBER_FILTERS and not permissions.is_member(request.user):
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    kind = request.GET.get("kind") or None
    kind = kind if kind in Thread.Kind.values else None
    context = {
        "filter_name": filter_name,
        "filters": selectors.LIST_FILTERS,
        "kind": kind,
        "kinds": Thread.Kind.choices,
    }

    def build():
        page = selectors.paginate(
            selectors.thread_list(request.user, filter_name=filter_name, kind=kind, **list_args),
            request.GET.get("page"),
        )
        html = render_to_string(
            "community/partials/thread_list.html",
            {**context, **list_args, "page_obj": page, "threads": page.object_list},
            request=request,
        )
        return {"html": html, "count": page.paginator.count, "thread_ids": [thread.pk for thread in page.object_list]}

    shared = filter_name not in selectors.MEMBER_FILTERS and not permissions.is_moderator(request.user)
    member = permissions.is_member(request.user)
    # What names the list but its version: the shared page and the overlay are stored under it beside the
    # version they were built under, so they come back in the same round trip as the version itself.
    which = ":".join(
        str(part)
        for part in (
            request.resolver_match.url_name,
            filter_name,
            kind,
            *(getattr(value, "pk", value) for value in list_args.values()),
            min(page_number(request), selectors.MAX_LIST_PAGES),
            int(member),
        )
    )
    named = f"list:{caching.RELEASE}:{which}"
    version_key = caching.list_version_key(list_args["category"].slug if "category" in list_args else None)
    page_key = f"page:{named}" if shared and shares_member_page(request) else None
    # A member's overlay and bell are read with the version and the shared page in one round trip; the
    # list itself is read only when the page holding it must be built.
    fetched = (
        caching.Prefetched(
            [
                version_key,
                *([caching.shared_key(page_key)] if page_key else ()),
                *unread_keys(request.user, named),
                *caching.member_page_keys(request.user.pk),
            ]
        )
        if member
        else caching.NOTHING_PREFETCHED
    )
    version = caching.counter(version_key, fetched)
    key = f"list:{caching.RELEASE}:{version}:{which}"

    @functools.cache
    def fragment():
        if not shared:
            # Personal lists, and moderators' lists (which show removed and held threads), are never shared.
            return build()
        # Shared lists are cached per list version (bumped after every committed
        # thread write), so a list is never older than the last change to it.
        return caching.remember(key, build, caching.LIST_SECONDS, fetched)

    unread = (
        unread_overlay(request.user, named, lambda: fragment()["thread_ids"], fetched, version=version)
        if member
        else []
    )
    if request.htmx and request.htmx.target == "thread-list":
        return HttpResponse(fragment()["html"] + (json_script(unread, UNREAD_STATE_ID) if unread else ""))

    def page_context():
        found = fragment()
        html = mark_safe(found["html"])  # noqa: S308 - our own template's output
        return {**context, **extra(), "list_html": html, "list_count": found["count"]}

    return caching.render_shared(
        request,
        template,
        shared=page_context,
        personal={**(personal or {}), "unread": unread},
        key=page_key,
        version=version,
        seconds=caching.LIST_SECONDS,
        fetched=fetched,
    )


# The id of the JSON that static/js/viewer.js reads the member's unread counts from.
UNREAD_STATE_ID = "unread-threads"


def unread_keys(member, list_key: str) -> list[str]:
    """The cache keys `unread_overlay` reads, for the page to read with its own."""
    return [f"unread:{member.pk}:{list_key}", caching.member_version_key(caching.READING, member.pk)]


def unread_overlay(member, list_key: str, thread_ids, fetched: caching.Prefetched, *, version=None) -> list[dict]:
    """The member's "N new" for the threads listed (`thread_ids()`), as the page's script lays it over the list.

    Remembered for the member under the list's key and `version` (or a key
    that names the version itself), whose versions move with every reply,
    removal and approval, and their reading version, which moves whenever they
    read: never older than either, and costing no query until one moves.
    """
    key, _ = unread_keys(member, list_key)
    reading = caching.member_version(caching.READING, member.pk, fetched)
    remembered = fetched.get(key)
    if remembered is not None and remembered[:2] == [version, reading]:
        return remembered[2]
    found = selectors.unread_replies(member, thread_ids())
    overlay = [{"thread": pk, "new": new, "post": first} for pk, (new, first) in found.items()]
    cache.set(key, [version, reading, overlay], caching.LIST_SECONDS)
    return overlay


def list_version(request, *args, fetched, **kwargs):
    return caching.counter(caching.LIST_VERSION_KEY, fetched)


def list_version_keys(request, *args, **kwargs) -> list[str]:
    return [caching.LIST_VERSION_KEY]


def _category_list_version(request, slug, *, fetched):
    return caching.counter(caching.list_version_key(slug), fetched)


def _category_list_version_keys(request, slug) -> list[str]:
    return [caching.list_version_key(slug)]


def _chosen_filter(request) -> str:
    """The list filter the reader asked for, or "latest" for none or one we don't have."""
    filter_name = request.GET.get("filter", "latest")
    return filter_name if filter_name in selectors.LIST_FILTERS else "latest"


@caching.anonymous_page(list_version, seconds=caching.LIST_SECONDS, keys_of=list_version_keys)
def home(request):
    return _thread_list_page(
        request,
        template="community/home.html",
        filter_name=_chosen_filter(request),
        extra=_home_sidebar,
    )


def _home_sidebar() -> dict:
    """Categories and the team: read only when the shared home page is rendered."""
    return {"categories": list(selectors.categories()), "staff_members": list(account_selectors.staff_members())}


@caching.anonymous_page(list_version, seconds=caching.LIST_SECONDS, keys_of=list_version_keys)
def unanswered(request):
    return _thread_list_page(request, template="community/unanswered.html", filter_name="unanswered")


@caching.anonymous_page(_category_list_version, seconds=caching.LIST_SECONDS, keys_of=_category_list_version_keys)
def category_detail(request, slug):
    category = selectors.category_for_page(request.user, slug)
    if category is None:
        raise Http404("No such category")
    return _thread_list_page(
        request,
        template="community/category.html",
        filter_name=_chosen_filter(request),
        category=category,
        extra=lambda: {"category": category, "subcategories": category.children.all()},
        personal={
            "category": category,
            "following_category": category.following,
            "can_start": permissions.can_start_thread(request.user, category),
        },
    )


@caching.anonymous_page(list_version, seconds=caching.LIST_SECONDS, keys_of=list_version_keys)
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    return _thread_list_page(
        request, template="community/tag.html", filter_name="latest", tag=tag, extra=lambda: {"tag": tag}
    )
