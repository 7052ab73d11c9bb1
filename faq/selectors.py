"""Reading the FAQ: lists, one article with its credits, revisions with their diffs, and banners on threads.

Every list starts from faq.permissions.visible_articles, so a draft or an
article the reader's audience may not see never appears in it.
"""

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from community import caching
from community.permissions import can_view_post, can_view_thread
from faq import permissions
from faq.models import Article, Revision, Section, SourcePost

LIST_LENGTH = 6
BANNER_SECONDS = caching.FRAGMENT_SECONDS


def audience_key(user) -> str:
    """One name per set of visibilities: readers who may see the same articles share cached lists."""
    return "-".join(permissions.audiences(user))


def _listed(user) -> QuerySet[Article]:
    return (
        permissions.visible_articles(user)
        .select_related("section")
        .only("pk", "slug", "question", "summary", "updated_at", "view_count", "visibility", "section__slug")
    )


def home_lists(user) -> dict:
    """The FAQ home's sections (with how many articles each shows this reader), most viewed and recent.

    Three queries; cached per audience under the FAQ's list version.
    """

    def build():
        visible = permissions.visible_articles(user).values("pk")
        sections = list(
            Section.objects.annotate(shown=Count("articles", filter=Q(articles__in=visible))).values(
                "name", "slug", "description", "shown"
            )
        )
        return {
            "sections": [section for section in sections if section["shown"]],
            "most_viewed": _rows(_listed(user).order_by("-view_count", "question")[:LIST_LENGTH]),
            "recent": _rows(_listed(user).order_by("-updated_at")[:LIST_LENGTH]),
        }

    key = f"faq:home:{caching.faq_version()}:{audience_key(user)}"
    return caching.remember(key, build)


def _rows(articles) -> list[dict]:
    """Plain values the cache may hold, with each article's address."""
    return [
        {
            "question": article.question,
            "summary": article.summary,
            "url": article.get_absolute_url(),
            "updated_at": article.updated_at,
            "visibility": article.visibility,
        }
        for article in articles
    ]


def section_key(user, slug: str) -> str:
    """The cache key `section_page` reads, for a page to read with its own."""
    return caching.remember_key(f"faq:section:{slug}:{audience_key(user)}")


def section_page(user, slug: str, version: int, fetched: caching.Prefetched = caching.NOTHING_PREFETCHED) -> dict:
    """The section at `slug` (None when there is none) with the articles `user`'s audience may read in it.

    Remembered per audience beside the FAQ's list version `version`, which
    every article event and every section edit moves (community.caching), so
    a warm section page reads neither the section nor its articles, and
    reads them in the same round trip as the version.
    """
    key = section_key(user, slug)
    stored = fetched.get(key)
    if stored is not None and stored[0] == version:
        return stored[1]
    section = Section.objects.filter(slug=slug).values("pk", "name", "slug", "description").first()
    page = {
        "section": section,
        "articles": [] if section is None else _rows(_listed(user).filter(section_id=section["pk"])),
    }
    cache.set(key, (version, page), caching.LIST_SECONDS)
    return page


class Address(NamedTuple):
    """What the article page reads on every request: where the article is, who may read it, and its versions."""

    pk: int
    version: int
    section_slug: str
    status: str
    visibility: str
    thread_version: int | None
    section_name: str

    @property
    def page_key(self) -> str:
        """Everything the page shows: the article (its version), the credits (its source thread's version,
        which a removed or hidden post, a hidden thread or a new title moves) and its section's name."""
        name = hashlib.sha256(self.section_name.encode()).hexdigest()[:12]
        return f"{self.pk}:{self.version}:{self.thread_version}:{name}"


def address_keys(slug: str) -> list[str]:
    """The cache keys `cached_address` reads, for a page to read with its own."""
    return [caching.FAQ_VERSION_KEY, caching.LIST_VERSION_KEY, caching.remember_key(f"faq:address:{slug}")]


def cached_address(slug: str, fetched: caching.Prefetched | None = None) -> Address | None:
    """`article_address`, from the cache while nothing it names has changed: a warm page reads no row.

    The address is stored beside the two versions it was read under, and
    comes back with them in one round trip (the page's own, `fetched`, when
    it read `address_keys` with its other keys). The FAQ's list version moves
    with every article event and section edit. The site-wide list version
    moves after every change that moves a thread's version where an article
    shows it (a removed or hidden post, a hidden, renamed or moved thread, an
    author's new name: community.caching). Both are read before the row, so
    a row read while such a change commits is stored under versions that the
    change then moves on from, and is never read again.
    """
    if fetched is None:
        fetched = caching.Prefetched(address_keys(slug))
    key = address_keys(slug)[-1]
    versions = (
        caching.counter(caching.FAQ_VERSION_KEY, fetched),
        caching.counter(caching.LIST_VERSION_KEY, fetched),
    )
    stored = fetched.get(key)
    if stored is not None and stored[0] == versions:
        return Address(*stored[1])
    address = article_address(slug)
    if address is not None:
        cache.set(key, (versions, tuple(address)), caching.FRAGMENT_SECONDS)
    return address


def article_address(slug: str) -> Address | None:
    """The article at `slug`, as its page is keyed and checked: one query."""
    row = (
        Article.objects.filter(slug=slug)
        .values_list(
            "pk", "version", "section__slug", "status", "visibility", "source_thread__version", "section__name"
        )
        .first()
    )
    return None if row is None else Address(*row)


def article_page(slug: str) -> Article | None:
    """The article with its section and its credited sources (authors, posts, threads): two queries."""
    sources = SourcePost.objects.select_related("author", "post", "post__thread__category").order_by("position")
    return (
        Article.objects.select_related("section", "source_thread__category")
        .prefetch_related(Prefetch("sources", queryset=sources))
        .filter(slug=slug)
        .first()
    )


def credits(article: Article) -> list[dict]:
    """Each credited author once, with links to the posts of theirs the article was built from.

    The page is shared by all its readers, so it links only to what every
    reader may open: a removed, held or hidden post keeps its author's credit
    but loses its link.
    """
    by_author: dict[int, dict] = {}
    for source in article.sources.all():
        entry = by_author.setdefault(source.author_id, {"author": source.author, "posts": []})
        post = source.post
        if post is not None and not post.is_deleted and can_view_post(None, post, post.thread):
            entry["posts"].append(f"{post.thread.get_absolute_url()}#post-{post.pk}")
    return list(by_author.values())


def credited_thread(article: Article):
    """The thread the article came from, when every reader may open it; the credits name it."""
    thread = article.source_thread
    return thread if thread is not None and can_view_thread(None, thread) else None


def canonical_url(article: Article) -> str:
    """The article's one address, for search engines: the site's own, whatever host the request came by."""
    return f"{settings.SITE_URL}{article.get_absolute_url()}"


def sitemap_entries() -> list[dict]:
    """The FAQ's pages a search engine may list: its home, and the articles everyone may read and their sections."""
    public = list(
        permissions.visible_articles(None)
        .select_related("section")
        .only("slug", "updated_at", "section__slug", "section__position", "section__name")
        .order_by("section__position", "section__name", "slug")
    )
    sections: dict[str, dict] = {}
    for article in public:
        url = article.section.get_absolute_url()
        entry = sections.setdefault(url, {"loc": f"{settings.SITE_URL}{url}", "lastmod": article.updated_at})
        entry["lastmod"] = max(entry["lastmod"], article.updated_at)
    home = {
        "loc": f"{settings.SITE_URL}{reverse('faq:home')}",
        "lastmod": max((article.updated_at for article in public), default=None),
    }
    return [
        home,
        *sections.values(),
        *({"loc": canonical_url(article), "lastmod": article.updated_at} for article in public),
    ]


def drafts() -> QuerySet[Article]:
    """Everything not published, for editors: drafts first, then unpublished and archived."""
    return (
        Article.objects.exclude(status=Article.Status.PUBLISHED)
        .select_related("section", "created_by")
        .order_by("status", "-updated_at")
    )


@dataclass
class Change:
    number: int
    edited_by: object
    created_at: datetime
    note: str
    question_before: str
    question_after: str
    lines: list[tuple[str, str]]


def revision_diffs(article: Article) -> list[Change]:
    """Each revision against the one before it, as a line diff, newest first; the first against nothing."""
    revisions = list(Revision.objects.filter(article=article).select_related("edited_by").order_by("number"))
    changes = []
    previous = None
    for revision in revisions:
        before: list[str] = previous.body.splitlines() if previous else []
        lines = []
        for line in difflib.ndiff(before, revision.body.splitlines()):
            marker, text = line[:2], line[2:]
            if marker == "? ":
                continue
            lines.append(({"+ ": "added", "- ": "removed"}.get(marker, "same"), text))
        changes.append(
            Change(
                number=revision.number,
                edited_by=revision.edited_by,
                created_at=revision.created_at,
                note=revision.note,
                question_before=previous.question if previous and previous.question != revision.question else "",
                question_after=revision.question if previous and previous.question != revision.question else "",
                lines=lines,
            )
        )
        previous = revision
    return changes[::-1]


def _banner_key(user, thread_pk: int, version: int) -> str:
    return f"faq:banner:{thread_pk}:{version}:{audience_key(user)}"


def thread_banner_keys(user, thread_pk: int, version: int | None) -> list[str]:
    """What `thread_banners` reads, for the thread page to read with its own (settings.COMMUNITY_THREAD_PAGE_KEYS);
    nothing whatever the thread's version."""
    return [] if version is None else [caching.remember_key(_banner_key(user, thread_pk, version))]


def thread_facts() -> dict:
    """Whether an article was built from the thread, read with its header (settings.COMMUNITY_THREAD_FACTS).

    Promoting a thread moves its version (community.caching.article_changed),
    and an article's source never changes after, so the answer is kept with the
    header's other values.
    """
    return {"faq_source": Exists(Article.objects.filter(source_thread=OuterRef("pk")))}


def thread_banners(user, thread, fetched: caching.Prefetched = caching.NOTHING_PREFETCHED) -> list[dict]:
    """The published articles built from `thread` that `user` may read, for its banner.

    Most threads were never promoted, and their header says so (`thread_facts`).
    The others' banners are keyed by the thread's version, which faq's events
    move in their own transaction (community.caching.article_changed and
    faq_section_changed, as an article's address names its section), and by
    the reader's audience: a reader is never shown an article they may not open.
    """
    source = getattr(thread, "faq_source", None)
    if source is None:
        source = Article.objects.filter(source_thread=thread).exists()
    if not source:
        return []
    key = _banner_key(user, thread.pk, thread.version)

    def build():
        return [
            {"question": question, "url": Article(slug=slug, section=Section(slug=section_slug)).get_absolute_url()}
            for question, slug, section_slug in permissions.visible_articles(user)
            .filter(source_thread_id=thread.pk)
            .order_by("pk")
            .values_list("question", "slug", "section__slug")
        ]

    return caching.remember(key, build, seconds=BANNER_SECONDS, fetched=fetched)
