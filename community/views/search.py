"""Search and similar threads."""

import functools
import hashlib
from urllib.parse import urlencode

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from community import caching, permissions, selectors
from community import search as community_search
from community.forms import SearchForm
from community.providers import providers
from community.views.common import page_number, shares_member_page
from community.views.lists import unread_keys, unread_overlay

SUGGESTIONS = 5


# What a results page shows: threads (the site-wide list version) and what providers add (the FAQ's lists).
VERSION_KEYS = (caching.LIST_VERSION_KEY, caching.FAQ_VERSION_KEY)


def _versions(request, *, fetched) -> str:
    return ":".join(str(caching.counter(key, fetched)) for key in VERSION_KEYS)


def _version_keys(request) -> list[str]:
    return list(VERSION_KEYS)


@caching.anonymous_page(_versions, seconds=caching.LIST_SECONDS, keys_of=_version_keys)
def search(request):
    form = SearchForm(request.GET or None)
    page = min(page_number(request), selectors.MAX_LIST_PAGES)
    query_key = _query_key(request, page)
    page_key = f"search-page:{query_key}" if shares_member_page(request) else None
    member = permissions.is_member(request.user)
    # A member's overlay and bell are read with the versions and the shared page in one round trip (the page
    # and the overlay are stored beside the versions they were built under); the results only when the
    # shared page holding them must be built.
    fetched = (
        caching.Prefetched(
            [
                *VERSION_KEYS,
                *([caching.shared_key(page_key)] if page_key else ()),
                *unread_keys(request.user, f"search:{query_key}"),
                *caching.member_page_keys(request.user.pk),
            ]
        )
        if member
        else caching.NOTHING_PREFETCHED
    )
    versions = _versions(request, fetched=fetched)
    key = f"{versions}:{query_key}"
    find = None
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data

        def run():
            hits, has_next = community_search.search(
                request.user,
                data["q"],
                page=page,
                category=data["category"],
                kind=data["kind"] or None,
                solved={"yes": True, "no": False}.get(data["solved"]),
                tag=data["tag"],
            )
            html = render_to_string("community/partials/search_results.html", {"hits": hits})
            return {
                "html": html,
                "count": len(hits),
                "has_next": has_next,
                "thread_ids": [hit.thread.pk for hit in hits],
            }

        # Moderators also find removed threads; everyone else sees the same results
        # for the same query, until the next write.
        find = functools.cache(
            run
            if permissions.is_moderator(request.user)
            else functools.partial(caching.remember, f"search:{key}", run, fetched=fetched)
        )
    query = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    params = request.GET.copy()
    params.pop("page", None)

    def shared():
        results = find() if find else {"html": "", "count": 0, "has_next": False, "thread_ids": []}
        found_elsewhere = _from_providers(request.user, query, page, results["thread_ids"]) if query else ""
        nothing_found = bool(query) and not results["count"]
        return {
            "form": form,
            "query": query,
            "query_was_cut": form.query_was_cut,
            "active_filters": form.active_filters() if query else [],
            "unfiltered": urlencode({"q": query}),
            "results": {**results, "html": mark_safe(results["html"])},  # noqa: S308 - our own template's output
            "above_results": found_elsewhere,
            "suggestions": _unanswered(request.user) if nothing_found else [],
            "page": page,
            "querystring": params.urlencode(),
            "full_text": community_search.is_full_text(),
        }

    return caching.render_shared(
        request,
        "community/search.html",
        shared=shared,
        personal={
            "unread": unread_overlay(
                request.user, f"search:{query_key}", lambda: find()["thread_ids"], fetched, version=versions
            )
            if member and find
            else []
        },
        key=page_key,
        version=versions,
        seconds=caching.LIST_SECONDS,
        fetched=fetched,
    )


def _from_providers(viewer, query: str, page: int, thread_ids: list[int]):
    """What other apps find for the query (FAQ articles), shown above the threads.

    Each provider returns HTML from its own template. The page may be shared
    by every member, so what a provider shows must depend on the viewer only
    through the same audience rules that let members share this page.
    """
    html = "".join(
        provider(viewer=viewer, query=query, page=page, thread_ids=thread_ids)
        for provider in providers("COMMUNITY_SEARCH_PROVIDERS")
    )
    return mark_safe(html)  # noqa: S308 - each provider's own template's output


def _unanswered(viewer) -> list:
    """A few questions still waiting for an answer, offered when a search finds nothing."""
    return list(selectors.thread_list(viewer, filter_name="unanswered")[:SUGGESTIONS])


def _query_key(request, page: int) -> str:
    digest = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()[:32]
    return f"{caching.RELEASE}:{page}:{digest}"


@require_safe
def similar_threads(request):
    """Threads like the title being typed, solved ones first, so a repeat question is avoided."""
    title = request.GET.get("title", "").strip()[:150]
    # What other apps suggest (FAQ articles) comes first, from their own templates.
    above = "".join(provider(request=request, title=title) for provider in providers("COMMUNITY_SIMILAR_PROVIDERS"))
    context = {"similar": community_search.similar(request.user, title), "above": mark_safe(above)}  # noqa: S308
    return render(request, "community/partials/similar.html", context)
