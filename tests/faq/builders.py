"""FAQ test data: published articles written straight to the models, credited to their source posts."""

import itertools

from django.contrib.auth.models import Permission
from django.utils import timezone

from community.rendering import render_markdown
from faq import search
from faq.models import Article, Revision, Section, SourcePost, Visibility
from faq.roles import editors_group

_seq = itertools.count(1)


def build_section(*, name="Lighting", slug=None):
    return Section.objects.get_or_create(slug=slug or name.lower(), defaults={"name": name})[0]


def build_article(
    author,
    *,
    question="How do I pair a new bulb?",
    body="Hold the button for **five seconds**.",
    summary="",
    visibility=Visibility.PUBLIC,
    status=Article.Status.PUBLISHED,
    section=None,
    source=None,
    slug=None,
) -> Article:
    """An article as promotion leaves it, with its first revision and, given a post, that post as its source."""
    now = timezone.now()
    article = Article.objects.create(
        section=section or build_section(),
        slug=slug or f"article-{next(_seq)}",
        question=question,
        summary=summary,
        body=body,
        body_html=render_markdown(body).html,
        visibility=visibility,
        status=status,
        source_thread=source.thread if source is not None else None,
        created_by=author,
        published_at=now if status == Article.Status.PUBLISHED else None,
        revision_count=1,
    )
    Revision.objects.create(article=article, number=1, question=question, summary=summary, body=body, edited_by=author)
    if source is not None:
        SourcePost.objects.create(article=article, post=source, author=source.author, body_seen=source.body)
    search.index_article(article)
    return article


def grant(user, *codenames: str):
    """Give `user` FAQ permissions (promote_article makes an editor, review_faq a reviewer)."""
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="faq", codename__in=codenames))
    # Django caches a user's permissions on the instance.
    for cache_name in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache_name, None)
    return user


def build_editor(**fields):
    """A staff member in the "FAQ editors" group (faq migration 0002), as the admin makes one."""
    from tests.builders import build_member

    fields.setdefault("is_staff_member", True)
    user = build_member(**fields)
    user.groups.add(editors_group())
    return user
