"""Search and similar threads."""

import functools
import hashlib

from django.shortcuts import render
from django.views.decorators.http import require_GET

from community import caching, permissions, selectors
from community import search as community_search
from community.forms import SearchForm
from community.views.common import page_number, shares_member_page
from community.views.lists import list_version


@caching.anonymous_page(list_version, seconds=caching.LIST_SECONDS)
def search(request):
    form = SearchForm(request.GET or None)
    page = min(page_number(request), selectors.MAX_LIST_PAGES)
    key = _search_key(request, page)
    find = None
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data

        def run():
            return community_search.search(
                request.user,
                data["q"],
                page=page,
                category=data["category"],
                kind=data["kind"] or None,
                solved={"yes": True, "no": False}.get(data["solved"]),
                tag=data["tag"],
            )

        # Moderators also find removed threads; everyone else sees the same results
        # for the same query, until the next write.
        find = (
            run
            if permissions.is_moderator(request.user)
            else functools.partial(caching.remember, f"search:{key}", run)
        )
    query = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    params = request.GET.copy()
    params.pop("page", None)

    def shared():
        hits, has_next = find() if find else ([], False)
        return {
            "form": form,
            "query": query,
            "hits": hits,
            "page": page,
            "has_next": has_next,
            "querystring": params.urlencode(),
            "full_text": community_search.is_full_text(),
        }

    return caching.render_shared(
        request,
        "community/search.html",
        shared=shared,
        personal={},
        key=f"search-page:{key}" if shares_member_page(request) else None,
        seconds=caching.LIST_SECONDS,
    )


def _search_key(request, page: int) -> str:
    digest = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()[:32]
    return f"{caching.list_version()}:{page}:{digest}"


@require_GET
def similar_threads(request):
    """Threads like the title being typed, solved ones first, so a repeat question is avoided."""
    title = request.GET.get("title", "").strip()[:150]
    return render(
        request, "community/partials/similar.html", {"similar": community_search.similar(request.user, title)}
    )
