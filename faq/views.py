"""The FAQ's pages: home, sections and articles for readers; promote, edit, revisions and drafts for editors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community import caching
from community.forms import add_errors
from community.models import Post, Thread
from community.rendering import excerpt
from community.views.common import error_text, form_page, get_thread_or_404
from faq import permissions, selectors, selectors_signals, tasks
from faq.forms import EditForm, PromoteForm
from faq.models import Article, Section, Visibility
from faq.services import articles


def _editor_or_403(request) -> None:
    if not permissions.can_edit_articles(request.user):
        raise PermissionDenied("Only FAQ editors can do that.")


def list_version(request, *args, fetched, **kwargs) -> int:
    """Visitors' FAQ home and section pages are keyed by the FAQ's list version, as their lists are."""
    return caching.counter(caching.FAQ_VERSION_KEY, fetched)


def list_version_keys(request, *args, **kwargs) -> list[str]:
    return [caching.FAQ_VERSION_KEY]


def _page_keys(request, key: str) -> list[str]:
    """The keys a list page reads in one round trip: the FAQ's list version, its shared rendering
    and a member's bell."""
    member_keys = caching.member_page_keys(request.user.pk) if request.user.is_authenticated else []
    return [caching.FAQ_VERSION_KEY, caching.shared_key(key), *member_keys]


@require_safe
@caching.anonymous_page(list_version, seconds=caching.LIST_SECONDS, keys_of=list_version_keys)
def home(request):
    # One shared rendering per audience, so a reader never gets one that lists articles their audience
    # may not read, stored beside the FAQ's list version.
    key = f"faq-home:{selectors.audience_key(request.user)}"
    fetched = caching.Prefetched(_page_keys(request, key))
    return caching.render_shared(
        request,
        "faq/home.html",
        shared=lambda: selectors.home_lists(request.user),
        personal={"can_edit": permissions.can_edit_articles(request.user)},
        key=key,
        version=caching.counter(caching.FAQ_VERSION_KEY, fetched),
        seconds=caching.LIST_SECONDS,
        fetched=fetched,
    )


@require_safe
@caching.anonymous_page(list_version, seconds=caching.LIST_SECONDS, keys_of=list_version_keys)
def section_detail(request, slug):
    # The FAQ's list version moves with every article and section change, so it keys the section's own
    # words as well as its list: the version, the section with its articles, the shared rendering and a
    # member's bell come in one round trip.
    key = f"faq-section:{selectors.audience_key(request.user)}:{slug}"
    fetched = caching.Prefetched([*_page_keys(request, key), selectors.section_key(request.user, slug)])
    version = caching.counter(caching.FAQ_VERSION_KEY, fetched)
    page = selectors.section_page(request.user, slug, version, fetched)
    if page["section"] is None or (not page["articles"] and not permissions.can_edit_articles(request.user)):
        # A section whose every article is hidden from this reader doesn't exist for them.
        raise Http404("No such section")
    return caching.render_shared(
        request,
        "faq/section.html",
        shared=lambda: page,
        personal={},
        key=key,
        version=version,
        seconds=caching.LIST_SECONDS,
        fetched=fetched,
    )


def _shared_article_key(slug: str) -> str:
    return f"faq-article:{slug}"


def _address(request, slug, fetched: caching.Prefetched | None = None) -> selectors.Address | None:
    """The article's address, read once per request, from the cache unless something it names changed.

    A member's shared page and bell are read with it, in the same round trip; a
    visitor's whole page too (`fetched`, from caching.anonymous_page).
    """
    if not hasattr(request, "faq_article_address"):
        if fetched is None:
            keys = selectors.address_keys(slug)
            if request.user.is_authenticated:
                keys += [caching.shared_key(_shared_article_key(slug)), *caching.member_page_keys(request.user.pk)]
            fetched = caching.Prefetched(keys)
        request.faq_fetched = fetched
        request.faq_article_address = selectors.cached_address(slug, request.faq_fetched)
    return request.faq_article_address


def article_version(request, section, slug, *, fetched):
    """Visitors' whole pages are keyed by what the page shows; only public, published articles are cached."""
    address = _address(request, slug, fetched)
    if (
        address is None
        or address.section_slug != section
        or address.status != Article.Status.PUBLISHED
        or address.visibility != Visibility.PUBLIC
    ):
        return None
    return address.page_key


def article_version_keys(request, section, slug) -> list[str]:
    return selectors.address_keys(slug)


@caching.anonymous_page(article_version, keys_of=article_version_keys)
def _article_page(request, section, slug):
    """One shared rendering per article version, for every reader who may see it; editors get their own."""
    address = _address(request, slug)
    if address is None:
        raise Http404("No such article")
    if not permissions.can_view_article(request.user, Article(status=address.status, visibility=address.visibility)):
        raise Http404("No such article")
    if address.section_slug != section:
        url = reverse("faq:article", kwargs={"section": address.section_slug, "slug": slug})
        return redirect(url, permanent=address.status == Article.Status.PUBLISHED)
    editor = permissions.can_edit_articles(request.user)

    def shared():
        article = selectors.article_page(slug)
        public = article.is_published and article.visibility == Visibility.PUBLIC
        return {
            "article": article,
            "credits": selectors.credits(article),
            "source_thread": selectors.credited_thread(article),
            "public": public,
            "canonical": selectors.canonical_url(article) if public else "",
            "description": (article.summary or excerpt(article.body, 155)) if public else "",
            "json_ld": _faq_page_data(article) if public else None,
        }

    return caching.render_shared(
        request,
        "faq/article.html",
        shared=shared,
        personal={
            "can_edit": editor,
            "article_pk": address.pk,
            "source_changed": editor and selectors_signals.source_changed(address.pk),
        },
        # Editors see drafts and their tools: theirs is built for them alone, as a moderator's thread is.
        # Everyone else who may read the article (checked above, on its current address) sees the same page.
        key=None if editor else _shared_article_key(slug),
        version=address.page_key,
        fetched=request.faq_fetched,
    )


@require_safe
def article_detail(request, section, slug):
    """The article page; each view served is counted in the cache and flushed by beat (faq.tasks)."""
    response = _article_page(request, section, slug)
    # A visitor's page from the cache never reached the view, but its address was read to find the key.
    address = _address(request, slug)
    if response.status_code == 200 and address is not None:
        tasks.count_view(address.pk)
    return response


def _faq_page_data(article: Article) -> dict:
    """schema.org FAQPage for a public article; json_script escapes it for the page."""
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": article.question,
                "dateModified": article.updated_at.isoformat(),
                "acceptedAnswer": {"@type": "Answer", "text": article.body_html},
            }
        ],
        "url": selectors.canonical_url(article),
    }


@require_safe
def sitemap(request):
    """The FAQ's sitemap for search engines: public, published articles and their sections only."""
    xml = caching.remember(
        f"faq:sitemap:{caching.faq_version()}",
        lambda: render_to_string("faq/sitemap.xml", {"entries": selectors.sitemap_entries()}),
    )
    return HttpResponse(xml, content_type="application/xml")


def _chosen_posts(request, thread: Thread) -> list[Post]:
    """The thread's posts an editor may promote, in thread order, for the form's choices."""
    return list(
        permissions.promotable_posts(request.user, Post.objects.filter(thread=thread))
        .select_related("author")
        .order_by("tree_id", "lft")
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def promote(request):
    """Promote a thread (`?thread=`) or some of its posts (`?post=`, repeated) into a draft article."""
    _editor_or_403(request)
    source = request.POST if request.method == "POST" else request.GET
    post_ids = [int(pk) for pk in source.getlist("post") + source.getlist("posts") if str(pk).isdigit()]
    if thread_id := source.get("thread"):
        thread = get_thread_or_404(request, thread_id if str(thread_id).isdigit() else 0)
    elif post_ids:
        first = get_object_or_404(Post.objects.only("thread_id"), pk=post_ids[0])
        thread = get_thread_or_404(request, first.thread_id)
    else:
        raise Http404("Promote a thread or a post")
    candidates = _chosen_posts(request, thread)
    choices = [
        (
            post.pk,
            f"{'Question' if post.parent_id is None else 'Reply'} by {post.author.name}: {excerpt(post.body, 90)}",
        )
        for post in candidates
    ]
    if request.method == "POST":
        form = PromoteForm(request.POST, post_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            chosen = Post.objects.select_related("author").filter(pk__in=data["posts"], thread=thread)
            try:
                article = articles.promote(
                    request.user,
                    posts=list(chosen),
                    section=data["section"],
                    question=data["question"],
                    body=data["body"],
                    summary=data["summary"],
                    slug=data["slug"] or None,
                    visibility=data["visibility"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, "The draft is saved. Edit it until it reads well, then publish it.")
                return redirect("faq:edit", pk=article.pk)
    else:
        chosen_ids = [pk for pk in post_ids if any(pk == c.pk for c in candidates)] or [
            post.pk for post in articles.default_posts(thread) if post in candidates
        ]
        chosen = [post for post in candidates if post.pk in chosen_ids]
        form = PromoteForm(
            post_choices=choices,
            initial={
                "posts": chosen_ids,
                "question": thread.title,
                "body": articles.draft_from(chosen),
                "section": Section.objects.first(),
                "visibility": Visibility.PUBLIC,
            },
        )
    return form_page(request, "faq/promote.html", {"form": form, "thread": thread}, form)


def _editable_or_404(request, pk) -> Article:
    _editor_or_403(request)
    return get_object_or_404(Article.objects.select_related("section", "source_thread"), pk=pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, pk):
    article = _editable_or_404(request, pk)
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                article = articles.edit(
                    request.user,
                    article,
                    question=data["question"],
                    body=data["body"],
                    summary=data["summary"],
                    section=data["section"],
                    slug=data["slug"],
                    visibility=data["visibility"],
                    note=data["note"],
                    base_revision=data["base_revision"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, f"Saved as revision {article.revision_count}.")
                return redirect("faq:edit", pk=article.pk)
    else:
        form = EditForm(
            initial={
                "question": article.question,
                "body": article.body,
                "summary": article.summary,
                "section": article.section_id,
                "slug": article.slug,
                "visibility": article.visibility,
                "base_revision": article.revision_count,
            }
        )
    return form_page(request, "faq/edit.html", {"form": form, "article": article}, form)


def _state_change(service, done: str):
    @login_required
    @require_POST
    def view(request, pk):
        article = _editable_or_404(request, pk)
        try:
            service(request.user, article)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, done)
        return redirect("faq:edit", pk=article.pk)

    return view


publish = _state_change(articles.publish, "Published: readers can find it now.")
unpublish = _state_change(articles.unpublish, "Unpublished: only editors can see it.")
archive = _state_change(articles.archive, "Archived.")


@login_required
@require_safe
def revisions(request, pk):
    article = _editable_or_404(request, pk)
    return render(request, "faq/revisions.html", {"article": article, "changes": selectors.revision_diffs(article)})


@login_required
@require_safe
def drafts(request):
    _editor_or_403(request)
    return render(request, "faq/drafts.html", {"articles": selectors.drafts()})
