import functools
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from community import caching, permissions, selectors
from community import search as community_search
from community.forms import AttachmentForm, EditPostForm, ReplyForm, SearchForm, StatusForm, ThreadForm
from community.models import Category, Post, Review, Tag, Thread
from community.rendering import render_markdown
from community.services import attachments, posts, subscriptions, threads, votes
from moderation.screening import RateLimited


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _turning_on(request) -> bool:
    """Toggle buttons post on=1 to turn a thing on and on=0 to turn it off."""
    return request.POST.get("on") != "0"


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


# Lists ---------------------------------------------------------------------


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
        return {"html": html, "count": page.paginator.count}

    shared = filter_name not in selectors.MEMBER_FILTERS and not permissions.is_moderator(request.user)
    key = ":".join(
        str(part)
        for part in (
            "list",
            caching.RELEASE,
            caching.list_version(list_args["category"].slug if "category" in list_args else None),
            request.resolver_match.url_name,
            filter_name,
            kind,
            *(getattr(value, "pk", value) for value in list_args.values()),
            min(_page_number(request), selectors.MAX_LIST_PAGES),
            int(permissions.is_member(request.user)),
        )
    )

    def fragment():
        if not shared:
            # Personal lists, and moderators' lists (which show removed and held threads), are never shared.
            return build()
        # Shared lists are cached per list version (bumped after every committed
        # thread write), so a list is never older than the last change to it.
        cached = cache.get(key)
        if cached is None:
            cached = build()
            cache.set(key, cached, caching.LIST_SECONDS)
        return cached

    if request.htmx and request.htmx.target == "thread-list":
        return HttpResponse(fragment()["html"])

    def page_context():
        found = fragment()
        html = mark_safe(found["html"])  # noqa: S308 - our own template's output
        return {**context, **extra(), "list_html": html, "list_count": found["count"]}

    page_key = f"page:{key}" if shared and _shares_member_page(request) else None
    return caching.render_shared(
        request, template, shared=page_context, personal=personal or {}, key=page_key, seconds=caching.LIST_SECONDS
    )


def _list_version(request, *args, **kwargs):
    return caching.list_version()


def _category_list_version(request, slug):
    return caching.list_version(slug)


def _thread_version(request, pk, slug=None):
    row = Thread.objects.filter(pk=pk).values_list("version", "slug", "is_deleted").first()
    if row is None or row[1] != slug or row[2]:
        return None  # 404s, redirects and removed threads take the normal path
    return row[0]


@caching.anonymous_page(_list_version, seconds=caching.LIST_SECONDS)
def home(request):
    filter_name = request.GET.get("filter", "latest")
    if filter_name not in selectors.LIST_FILTERS:
        filter_name = "latest"
    return _thread_list_page(
        request,
        template="community/home.html",
        filter_name=filter_name,
        extra=_home_sidebar,
    )


def _home_sidebar() -> dict:
    """Categories and the team, read from the cache once per list version."""
    return caching.remember(
        f"home-sidebar:{caching.list_version()}",
        lambda: {
            "categories": list(selectors.categories()),
            "staff_members": list(account_selectors.staff_members()),
        },
    )


@caching.anonymous_page(_list_version, seconds=caching.LIST_SECONDS)
def unanswered(request):
    return _thread_list_page(request, template="community/unanswered.html", filter_name="unanswered")


@caching.anonymous_page(_category_list_version, seconds=caching.LIST_SECONDS)
def category_detail(request, slug):
    category = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    filter_name = request.GET.get("filter", "latest")
    if filter_name not in selectors.LIST_FILTERS:
        filter_name = "latest"
    return _thread_list_page(
        request,
        template="community/category.html",
        filter_name=filter_name,
        category=category,
        extra=lambda: {"category": category, "subcategories": category.children.all()},
        personal={
            "category": category,
            "following_category": category.pk in selectors.followed_category_ids(request.user),
            "can_start": permissions.can_start_thread(request.user, category),
        },
    )


@caching.anonymous_page(_list_version, seconds=caching.LIST_SECONDS)
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    return _thread_list_page(
        request, template="community/tag.html", filter_name="latest", tag=tag, extra=lambda: {"tag": tag}
    )


# Threads -------------------------------------------------------------------


def _visible_post_or_404(request, pk) -> tuple[Post, Thread]:
    """The post and its thread, if this reader may see the post; to anyone else it isn't there."""
    post = get_object_or_404(Post.objects.select_related("thread", "author"), pk=pk)
    thread = _get_thread_or_404(request, post.thread_id)
    if not permissions.can_view_post(request.user, post, thread):
        raise Http404("No such post")
    return post, thread


def _get_thread_or_404(request, pk) -> Thread:
    thread = selectors.get_thread(request.user, pk)
    if thread is None:
        raise Http404("No such thread")
    return thread


def _fragment_key(thread_pk: int, version: int, key: str, moderator: bool) -> str:
    return f"replies:{caching.RELEASE}:{thread_pk}:{version}:{key}:{int(moderator)}"


def _reply_fragment(request, thread, key, build, fetched=caching.NOTHING_PREFETCHED):
    """Render a page of replies once for every viewer of the same kind, keyed by the thread's version.

    Writes bump the version in their own transaction, so a cached page is never
    older than the thread it was read with; personal state is laid over it by
    `_viewer_overlay`, never baked in.
    """
    # Visitors and members share one copy; moderators get their own, which shows held and hidden posts.
    moderator = permissions.is_moderator(request.user, thread.category)
    cache_key = _fragment_key(thread.pk, thread.version, key, moderator)

    def render_replies():
        replies = build(moderator)
        html = render_to_string(
            "community/partials/reply_page.html",
            {"replies": replies, "thread": thread, "moderator": moderator},
        )
        meta = {"post_ids": replies.post_ids, "has_next": replies.has_next, "facts": replies.facts}
        cache.set_many({cache_key: meta, f"{cache_key}:html": html}, caching.FRAGMENT_SECONDS)
        return meta, html

    meta = fetched.get(cache_key)
    if meta is None:
        meta, html = render_replies()
        return {**meta, "moderator": moderator, "html": mark_safe(html)}  # noqa: S308 - our own template's output

    def cached_html():
        # Read only when a page is rendered: a shared member page that is already cached never needs it.
        html = cache.get(f"{cache_key}:html")
        return mark_safe(html if html is not None else render_replies()[1])  # noqa: S308 - as above

    return {**meta, "moderator": moderator, "html": lazy(cached_html, SafeString)()}


def _viewer_overlay(request, thread, state, caps, facts) -> dict | None:
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
        # viewer_state already read only this page's posts.
        "helpful": sorted(state.helpful_post_ids),
        "caps": caps.as_dict(),
        "tools": {
            str(pk): permissions.post_capabilities(user, permissions.PostFacts(*fact), thread, caps).names()
            for pk, fact in posts.items()
        },
    }


def _thread_context(request, thread, fragment):
    opening = thread.opening_post
    state = selectors.viewer_state(request.user, thread, [opening.pk, *fragment["post_ids"]])
    caps = permissions.thread_capabilities(request.user, thread)
    return {
        "thread": thread,
        "opening": opening,
        "accepted_answer": selectors.accepted_answer(thread, moderator=fragment["moderator"]),
        "reply_html": fragment["html"],
        "has_more_replies": fragment["has_next"],
        "state": state,
        "pending_posts": selectors.pending_posts(request.user, thread, state),
        "caps": caps,
        "viewer": _viewer_overlay(request, thread, state, caps, fragment.get("facts", {})),
        "reply_refusal": permissions.reply_refusal(request.user, thread),
        "sorts": selectors.REPLY_SORTS,
    }


@caching.anonymous_page(_thread_version)
def thread_detail(request, pk, slug=None):
    sort = request.GET.get("sort", "votes")
    sort = sort if sort in selectors.REPLY_SORTS else "votes"
    page = min(_page_number(request), selectors.MAX_REPLY_PAGES)
    shared_key = f"thread:{pk}:{{version}}:{sort}:{page}"

    def page_keys(version):
        # A member who moderates nothing gets the shared copies: read them with the thread.
        if not _shares_member_page(request):
            return ()
        return (
            _fragment_key(pk, version, f"{sort}:{page}", False),
            caching.shared_key(shared_key.format(version=version)),
        )

    thread, fetched = selectors.get_thread_prefetching(request.user, pk, page_keys)
    if thread is None:
        raise Http404("No such thread")
    if thread.merged_into_id:
        # Its posts live on in the thread it was merged into.
        return redirect(reverse("community:thread_short", kwargs={"pk": thread.merged_into_id}))
    if slug != thread.slug and not request.htmx:
        query = request.GET.urlencode()
        return redirect(f"{thread.get_absolute_url()}{'?' + query if query else ''}", permanent=True)
    fragment = _reply_fragment(
        request,
        thread,
        f"{sort}:{page}",
        lambda moderator: selectors.reply_page(thread, sort=sort, page=page, moderator=moderator),
        fetched,
    )
    context = {**_thread_context(request, thread, fragment), "sort": sort, "page": page}
    if request.htmx and request.htmx.target and request.htmx.target.startswith("more-replies"):
        context["page_state_id"] = f"viewer-state-{page}"
        return render(request, "community/partials/reply_page_response.html", context)
    context["status_history"] = selectors.status_history(thread) if thread.kind in ("idea", "problem") else ()
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
        key=shared_key.format(version=thread.version) if _shares_member_page(request, thread.category) else None,
        fetched=fetched,
    )


@functools.cache
def _composer_field() -> str:
    """The empty reply box under a thread: the same markup every time, so it is rendered once per process.

    Errors never show here; a refused reply comes back on the reply page.
    """
    return render_to_string("components/field.html", {"field": ReplyForm()["body"]})


def _shares_member_page(request, category=None) -> bool:
    """Members get pages built from one shared rendering; moderators, who see more, get their own."""
    user = request.user
    return permissions.is_member(user) and not permissions.is_moderator(user, category) and not request.htmx


def post_context(request, pk):
    """ "Continue this thread": one post and the replies under it."""
    post, thread = _visible_post_or_404(request, pk)
    fragment = _reply_fragment(
        request, thread, f"post:{post.pk}", lambda moderator: selectors.subtree(post, moderator=moderator)
    )
    context = _thread_context(request, thread, fragment)
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
    retry_after = None
    if request.method == "POST" and form.is_valid():
        try:
            thread = threads.start_thread(request.user, **form.cleaned_data)
        except ValidationError as error:
            retry_after = getattr(error, "retry_after", None)
            _add_errors(form, error)
        else:
            _tell_if_held(request, thread.opening_post)
            return redirect(thread)
    return _form_page(request, "community/start_thread.html", {"form": form}, form, retry_after)


def _tell_if_held(request, post) -> None:
    if post.review == Review.PENDING:
        messages.info(request, "Thanks! A moderator will look at your post soon; until then only you can see it.")


def _form_page(request, template, context, form, retry_after=None):
    """A form page; a post refused by a rate limit answers 429 with Retry-After, other errors 400."""
    if retry_after:
        response = render(request, template, context, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    return render(request, template, context, status=400 if form.errors else 200)


def _redirect_to_post(post):
    return redirect(f"{post.thread.get_absolute_url()}#post-{post.pk}")


def reply(request, pk):
    parent, thread = _visible_post_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={thread.get_absolute_url()}")
    form = ReplyForm(request.POST or None)
    retry_after = None
    if request.method == "POST" and form.is_valid():
        try:
            post = posts.reply(request.user, parent=parent, body=form.cleaned_data["body"])
        except ValidationError as error:
            retry_after = getattr(error, "retry_after", None)
            _add_errors(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            _tell_if_held(request, post)
            return _redirect_to_post(post)
    context = {
        "form": form,
        "parent": parent,
        "thread": thread,
        "reply_refusal": permissions.reply_refusal(request.user, thread),
    }
    return _form_page(request, "community/reply.html", context, form, retry_after)


@login_required
def edit_post(request, pk):
    post, thread = _visible_post_or_404(request, pk)
    if not permissions.can_edit_post(request.user, post, thread):
        raise PermissionDenied("You can't edit this post.")
    form = EditPostForm(request.POST or None, initial={"title": thread.title, "body": post.body})
    if not post.is_opening:
        del form.fields["title"]
    if request.method == "POST" and form.is_valid():
        try:
            posts.edit_post(
                request.user, post=post, body=form.cleaned_data["body"], title=form.cleaned_data.get("title")
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Your changes are saved.")
            return _redirect_to_post(post)
    return render(request, "community/edit_post.html", {"form": form, "post": post, "thread": thread})


def revisions(request, pk):
    post, thread = _visible_post_or_404(request, pk)
    if not permissions.can_view_revisions(request.user, post, thread):
        raise Http404("No such post")
    history = selectors.revision_diffs(post)
    return render(request, "community/revisions.html", {"post": post, "thread": thread, "history": history})


def _act(request, action, target, success=None):
    """Run one service for a POSTed button.

    A refused permission propagates as a 403 page with its reason; a rule the
    member broke (voting twice, say) comes back as a message on the page.
    """
    try:
        action()
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        if success:
            messages.success(request, success)
    if isinstance(target, Post):
        return _redirect_to_post(target)
    return redirect(target)


def _post_for_action(request, pk) -> Post:
    return _visible_post_or_404(request, pk)[0]


@login_required
@require_POST
def delete_post(request, pk):
    post = _post_for_action(request, pk)
    if post.is_opening:
        # The thread goes with its opening post, so there is no page to return to.
        _act(request, lambda: posts.delete_post(request.user, post=post), post, "The thread was removed.")
        return redirect(post.thread.category)
    return _act(request, lambda: posts.delete_post(request.user, post=post), post, "The post was removed.")


@login_required
@require_POST
def helpful(request, pk):
    post = _post_for_action(request, pk)
    on = _turning_on(request)
    action = votes.mark_helpful if on else votes.unmark_helpful
    if request.htmx:
        try:
            post = action(request.user, post=post)
        except RateLimited as limited:
            return HttpResponse(_error_text(limited), status=429, headers={"Retry-After": str(limited.retry_after)})
        except ValidationError as error:
            return HttpResponse(_error_text(error), status=400)
        return render(
            request,
            "community/partials/helpful_button.html",
            {"post": post, "voted": on, "can_vote": True},
        )
    return _act(request, lambda: action(request.user, post=post), post)


@login_required
@require_POST
def accept(request, pk):
    post = _post_for_action(request, pk)
    return _act(request, lambda: posts.accept_answer(request.user, post=post), post, "Answer accepted.")


@login_required
@require_POST
def unaccept(request, pk):
    thread = _get_thread_or_404(request, pk)
    return _act(request, lambda: posts.unaccept_answer(request.user, thread=thread), thread, "Answer unaccepted.")


@login_required
@require_POST
def verify(request, pk):
    post = _post_for_action(request, pk)
    on = _turning_on(request)
    message = "Marked as verified by the team." if on else "Team verification removed."
    return _act(request, lambda: posts.verify_answer(request.user, post=post, verified=on), post, message)


@login_required
@require_POST
def idea_vote(request, pk):
    thread = _get_thread_or_404(request, pk)
    on = _turning_on(request)
    return _act(request, lambda: votes.vote_idea(request.user, thread=thread, on=on), thread)


@login_required
@require_POST
def me_too(request, pk):
    thread = _get_thread_or_404(request, pk)
    on = _turning_on(request)
    return _act(request, lambda: votes.confirm_problem(request.user, thread=thread, on=on), thread)


@login_required
@require_POST
def set_status(request, pk):
    thread = _get_thread_or_404(request, pk)
    form = StatusForm(request.POST, thread=thread)
    if not form.is_valid():
        messages.error(request, "Choose a status.")
        return redirect(thread)
    data = form.cleaned_data
    if thread.kind == Thread.Kind.IDEA:
        action = lambda: threads.set_idea_status(  # noqa: E731
            request.user, thread=thread, status=data["status"], note=data["note"]
        )
    else:
        solving = Post.objects.filter(pk=data["solving_post"]).first() if data["solving_post"] else None
        action = lambda: threads.set_problem_status(  # noqa: E731
            request.user, thread=thread, status=data["status"], note=data["note"], solving_post=solving
        )
    return _act(request, action, thread, "Status updated.")


@login_required
@require_POST
def follow_thread(request, pk):
    thread = _get_thread_or_404(request, pk)
    action = subscriptions.follow_thread if _turning_on(request) else subscriptions.unfollow_thread
    return _act(request, lambda: action(request.user, thread=thread), thread)


@login_required
@require_POST
def follow_category(request, slug):
    category = get_object_or_404(Category, slug=slug)
    action = subscriptions.follow_category if _turning_on(request) else subscriptions.unfollow_category
    return _act(request, lambda: action(request.user, category=category), category)


# Writing helpers -----------------------------------------------------------


@login_required
@require_POST
def preview(request):
    body = request.POST.get("body", "")[:50_000]
    rendered = render_markdown(body)
    return render(request, "community/partials/preview.html", {"rendered": rendered, "empty": not body.strip()})


@login_required
@require_GET
def mention_suggestions(request):
    return JsonResponse({"members": selectors.mention_candidates(request.GET.get("q", "")[:30])})


@login_required
@require_POST
def upload_attachment(request):
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        attachment = attachments.upload_attachment(request.user, image=form.cleaned_data["image"])
    except ValidationError as error:
        return JsonResponse({"errors": {"image": [{"message": m} for m in error.messages]}}, status=400)
    return JsonResponse({"url": attachment.file.url, "markdown": f"![image]({attachment.file.url})"}, status=201)


# Search --------------------------------------------------------------------


@caching.anonymous_page(_list_version, seconds=caching.LIST_SECONDS)
def search(request):
    form = SearchForm(request.GET or None)
    page = min(_page_number(request), selectors.MAX_LIST_PAGES)
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
        key=f"search-page:{key}" if _shares_member_page(request) else None,
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
