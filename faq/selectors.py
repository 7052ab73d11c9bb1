"""Reading the FAQ: lists, one article with its credits, revisions with their diffs, and banners on threads.

Every list starts from faq.permissions.visible_articles, so a draft or an
article the reader's audience may not see never appears in it.
"""

import difflib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from community import caching
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


def section_articles(user, section: Section) -> list[dict]:
    key = f"faq:section:{section.pk}:{caching.faq_version()}:{audience_key(user)}"
    return caching.remember(key, lambda: _rows(_listed(user).filter(section=section)))


def article_address(slug: str) -> tuple | None:
    """(pk, version, section slug, status, visibility) of the article at `slug`: what a cached page is keyed by."""
    return (
        Article.objects.filter(slug=slug).values_list("pk", "version", "section__slug", "status", "visibility").first()
    )


def article_page(slug: str) -> Article | None:
    """The article with its section and its credited sources (authors, posts, threads): two queries."""
    sources = SourcePost.objects.select_related("author", "post", "post__thread").order_by("position")
    return (
        Article.objects.select_related("section", "source_thread")
        .prefetch_related(Prefetch("sources", queryset=sources))
        .filter(slug=slug)
        .first()
    )


def credits(article: Article) -> list[dict]:
    """Each credited author once, with links to the posts of theirs the article was built from."""
    by_author: dict[int, dict] = {}
    for source in article.sources.all():
        entry = by_author.setdefault(source.author_id, {"author": source.author, "posts": []})
        if source.post is not None and not source.post.is_deleted:
            entry["posts"].append(f"{source.post.thread.get_absolute_url()}#post-{source.post_id}")
    return list(by_author.values())


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


def thread_banners(user, thread) -> list[dict]:
    """The published articles built from `thread` that `user` may read, for its banner.

    Keyed by the thread's version, which faq's events move in their own
    transaction (community.caching.article_changed), and by the reader's
    audience: a reader is never shown an article they may not open.
    """
    key = f"faq:banner:{thread.pk}:{thread.version}:{audience_key(user)}"

    def build():
        return [
            {"question": question, "url": Article(slug=slug, section=Section(slug=section_slug)).get_absolute_url()}
            for question, slug, section_slug in permissions.visible_articles(user)
            .filter(source_thread_id=thread.pk)
            .order_by("pk")
            .values_list("question", "slug", "section__slug")
        ]

    return caching.remember(key, build, seconds=BANNER_SECONDS)
