"""A thread page, a branch of it, and starting a thread."""

import functools
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from community import caching, permissions, reading, selectors, tallies
from community.forms import ReplyForm, StatusForm, ThreadForm, add_errors
from community.models import Thread
from community.providers import providers
from community.services import threads
from community.views.common import (
    form_page,
    get_thread_or_404,
    page_number,
    shares_member_page,
    tell_if_held,
    visible_post_or_404,
)


def thread_version(request, pk, slug=None, fetched=caching.NOTHING_PREFETCHED):
    """The version a visitor's stored copy of the page must carry: the cache's copy of it.

    Every change to a thread's slug or visibility moves its version, and the
    copy with it after commit, so a page stored under the current version is
    still this address's page. When the cache has no copy it holds no page
    either: the page is built, and its version read with the thread's header
    and noted for the next visitor.
    """
    version = fetched.get(caching.thread_version_key(pk))
    return version if version is not None else caching.READ_WITH_PAGE


def thread_version_keys(request, pk, slug=None):
    # With what other apps' regions read whatever the thread's version (providers answer those for
    # version None), so that a page the cache knows nothing of is built after this one read.
    return [caching.thread_version_key(pk), *_provided_keys(request, pk, None)]


def _provided_keys(request, pk, version) -> list[str]:
    return [key for provider in providers("COMMUNITY_THREAD_PAGE_KEYS") for key in provider(request.user, pk, version)]


def _viewer_overlay(request, thread, state, caps, facts, post_ids) -> dict | None:
    """What this member may do and has done on the page, for static/js/viewer.js.

    `tools` names, for each post on the page, what the member may do with it,
    read from the same capabilities the services check.
    """
    user = request.user
    if not permissions.is_member(user):
        return None
    posts = {thread.opening_post_id: permissions.PostFacts.of(thread.opening_post), **facts}
    return {
        "user": user.pk,
        "csrf": get_token(request),
        "helpful": sorted(state.helpful_post_ids.intersection(post_ids)),
        "caps": caps.as_dict(),
        "tools": permissions.page_tools(user, posts, thread, caps),
    }


def _thread_context(request, thread, fragment, state):
    opening = thread.opening_post
    caps = permissions.thread_capabilities(request.user, thread)
    return {
        "thread": thread,
        "opening": opening,
        "accepted_answer": selectors.accepted_answer(thread, moderator=fragment["moderator"]),
        "reply_html": fragment["html"],
        "has_more_replies": fragment["has_next"],
        "state": state,
        # A moderator's copy of the replies already shows held ones in place.
        "pending_posts": [] if fragment["moderator"] else selectors.pending_posts(request.user, thread, state),
        "caps": caps,
        "viewer": _viewer_overlay(
            request, thread, state, caps, fragment.get("facts", {}), [opening.pk, *fragment["post_ids"]]
        ),
        "reply_refusal": permissions.reply_refusal(request.user, thread),
        "sorts": selectors.REPLY_SORTS,
    }


def _lay_reading_over(viewer: dict, member, thread, post_ids, state) -> None:
    """Note that the member has now read through the newest post shown (in the cache), and tell the
    page's script where they stood before, so it can mark what is new to them and open there."""
    reading.record(member.pk, thread.pk, max([thread.opening_post_id, *post_ids]), position=state.read_through or 0)
    if state.read_through is not None:
        viewer["read_through"] = state.read_through
        viewer["own"] = list(state.own_unread_ids)


def counts_views(view):
    """Count a read of the thread page in the cache, before a cached copy may answer it; never a row."""

    @wraps(view)
    def counted(request, pk, slug=None):
        if request.method == "GET" and not request.htmx:
            tallies.count_soon(tallies.THREAD_VIEWS, pk)
        return view(request, pk, slug)

    return counted


@counts_views
@caching.anonymous_page(thread_version, keys_of=thread_version_keys)
@caching.gathers_writes
def thread_detail(request, pk, slug=None):
    sort = request.GET.get("sort", "votes")
    sort = sort if sort in selectors.REPLY_SORTS else "votes"
    page = min(page_number(request), selectors.MAX_REPLY_PAGES)
    shared_key = f"thread:{pk}:{{version}}:{sort}:{page}"

    def page_keys(version):
        # What other apps' regions on the page will read, and the shared copies this reader
        # may use: all read with the thread.
        keys = _provided_keys(request, pk, version)
        if shares_member_page(request):
            keys += (
                caching.reply_fragment_key(pk, version, f"{sort}:{page}", moderator=False),
                caching.shared_key(shared_key.format(version=version)),
            )
        elif not request.user.is_authenticated:
            # A visitor here is rendering the page to store it: the replies are everyone's.
            keys.append(caching.reply_fragment_key(pk, version, f"{sort}:{page}", moderator=False))
        return keys

    thread, fetched, state = selectors.read_thread_page(
        request.user,
        pk,
        page_keys,
        version=getattr(request, "page_version", None),
        already=getattr(request, "page_fetched", caching.NOTHING_PREFETCHED),
    )
    if thread is None:
        raise Http404("No such thread")
    if getattr(request, "page_version", None) is caching.READ_WITH_PAGE:
        request.page_version = thread.version
    if thread.merged_into_id:
        # Its posts live on in the thread it was merged into.
        return redirect(reverse("community:thread_short", kwargs={"pk": thread.merged_into_id}))
    if slug != thread.slug and not request.htmx:
        query = request.GET.urlencode()
        return redirect(f"{thread.get_absolute_url()}{'?' + query if query else ''}", permanent=True)
    fragment = caching.reply_fragment(
        thread,
        f"{sort}:{page}",
        lambda moderator: selectors.reply_page(thread, sort=sort, page=page, moderator=moderator),
        moderator=permissions.is_moderator(request.user, thread.category),
        fetched=fetched,
    )
    context = {**_thread_context(request, thread, fragment, state), "sort": sort, "page": page}
    if context["viewer"] is not None:
        _lay_reading_over(context["viewer"], request.user, thread, fragment["post_ids"], state)
        # The page's forms carry the token the script has: masking another costs tens of random draws.
        context["csrf_token"] = context["viewer"]["csrf"]
    if request.htmx and request.htmx.target and request.htmx.target.startswith("more-replies"):
        context["page_state_id"] = f"viewer-state-{page}"
        return render(request, "community/partials/reply_page_response.html", context)
    context["status_history"] = selectors.status_history(thread)
    context["composer_field"] = _composer_field()
    if context["caps"].set_status:
        current = thread.idea_status if thread.kind == Thread.Kind.IDEA else thread.problem_status
        context["status_form"] = StatusForm(thread=thread, initial={"status": current})
    # What every member sees alike; the personal regions see the rest, and the thread.
    shared = {
        name: context.pop(name)
        for name in ("reply_html", "has_more_replies", "sort", "page", "status_history", "accepted_answer")
    }
    shared.update(thread=thread, opening=context["opening"])
    return caching.render_shared(
        request,
        "community/thread.html",
        shared=lambda: shared,
        personal=context,
        key=shared_key.format(version=thread.version) if shares_member_page(request, thread.category) else None,
        fetched=fetched,
    )


def replies_since(request, pk):
    """The replies written after `since` that this reader may see, for a thread page left open.

    static/js/live.js asks for them when the thread's group says a reply was
    posted, and after a reconnect, with the newest time the page shows: the
    same permissions and the same template as the page, and this member's
    tools for the new posts, as "Load more" returns them.
    """
    thread = get_thread_or_404(request, pk)
    try:
        since = parse_datetime(request.GET.get("since", ""))
    except ValueError:
        since = None
    if since is None or since.tzinfo is None:
        return HttpResponseBadRequest("Give `since` as an ISO 8601 time with its offset.")
    moderator = permissions.is_moderator(request.user, thread.category)
    replies = selectors.replies_since(request.user, thread, since, moderator=moderator)
    if not replies.post_ids:
        return HttpResponse(status=204)
    html = render_to_string(
        "community/reply_page.html", {"replies": replies, "thread": thread, "moderator": moderator}, using="jinja2"
    )
    _version, state = selectors.thread_state(thread.pk, request.user if permissions.is_member(request.user) else None)
    caps = permissions.thread_capabilities(request.user, thread)
    context = {
        "reply_html": mark_safe(html),  # noqa: S308 - our own template's output
        "viewer": _viewer_overlay(request, thread, state, caps, replies.facts, replies.post_ids),
        "page_state_id": f"viewer-state-live-{replies.post_ids[-1]}",
    }
    if permissions.is_member(request.user):
        # Replies that arrive on an open page are read there.
        reading.record(request.user.pk, thread.pk, max(replies.post_ids))
    return render(request, "community/partials/reply_page_response.html", context)


@functools.cache
def _composer_field() -> str:
    """The empty reply box under a thread: the same markup every time, so it is rendered once per process.

    Errors never show here; a refused reply comes back on the reply page.
    """
    return render_to_string("components/field.html", {"field": ReplyForm()["body"]})


def post_context(request, pk):
    """ "Continue this thread": one post and the replies under it."""
    post, thread = visible_post_or_404(request, pk)
    fragment = caching.reply_fragment(
        thread,
        f"post:{post.pk}",
        lambda moderator: selectors.subtree(post, moderator=moderator),
        moderator=permissions.is_moderator(request.user, thread.category),
    )
    _version, state = selectors.thread_state(thread.pk, request.user if permissions.is_member(request.user) else None)
    context = _thread_context(request, thread, fragment, state)
    context["focus"] = post
    return render(request, "community/post_context.html", context)


@login_required
def start_thread(request):
    allowed = [c.pk for c in selectors.all_categories() if permissions.can_start_thread(request.user, c)]
    categories = selectors.all_categories().filter(pk__in=allowed)
    initial = {}
    if slug := request.GET.get("category"):
        initial["category"] = categories.filter(slug=slug).first()
    if kind := request.GET.get("kind"):
        initial["kind"] = kind
    form = ThreadForm(request.POST or None, categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            thread = threads.start_thread(request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            tell_if_held(request, thread.opening_post)
            return redirect(thread)
    # The chosen category's promise to answer: from the link that chose it, or from the posted form.
    chosen = initial.get("category") if not form.is_bound else getattr(form, "cleaned_data", {}).get("category")
    return form_page(request, "community/start_thread.html", {"form": form, "promised_category": chosen}, form)
