"""Every unsafe FAQ route against every kind of actor: the answer, and that only an editor changes anything."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from faq.models import Article, Revision, SourcePost
from faq.services import articles
from moderation.models import AuditEntry
from recognition.models import PointsEntry
from tests.builders import build_member, build_moderator
from tests.faq.builders import build_editor

pytestmark = pytest.mark.django_db

ACTORS = ("visitor", "member", "moderator", "staff_without_permission", "editor", "suspended", "banned")


def build_actor(name: str):
    if name == "visitor":
        return None
    if name == "member":
        return build_member(username="plain")
    if name == "moderator":
        return build_moderator(username="modder")
    if name == "staff_without_permission":
        return build_member(username="staffer", is_staff_member=True)
    if name == "editor":
        return build_editor(username="writer")
    user = build_member(username=name)
    if name == "suspended":
        User.objects.filter(pk=user.pk).update(suspended_until=timezone.now() + timedelta(days=2))
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)
    return User.objects.get(pk=user.pk)


def snapshot() -> dict:
    return {
        "articles": list(Article.objects.order_by("pk").values()),
        "revisions": Revision.objects.count(),
        "sources": SourcePost.objects.count(),
        "audit": AuditEntry.objects.count(),
        "points": PointsEntry.objects.count(),
    }


def routes(article, question, accepted, section):
    edit_form = {
        "question": "A changed question",
        "body": "A changed answer.",
        "section": section.pk,
        "slug": article.slug,
        "visibility": "public",
        "base_revision": article.revision_count,
    }
    promote_form = {
        "thread": question.pk,
        "posts": [accepted.pk],
        "question": "Another article",
        "body": "Another answer.",
        "section": section.pk,
        "slug": "another",
        "visibility": "public",
    }
    return {
        "promote": (reverse("faq:promote"), promote_form),
        "edit": (reverse("faq:edit", args=[article.pk]), edit_form),
        "publish": (reverse("faq:publish", args=[article.pk]), {}),
        "unpublish": (reverse("faq:unpublish", args=[article.pk]), {}),
        "archive": (reverse("faq:archive", args=[article.pk]), {}),
    }


@pytest.mark.parametrize("route", ["promote", "edit", "publish", "unpublish", "archive"])
@pytest.mark.parametrize("actor", ACTORS)
def test_unsafe_faq_routes_by_actor(client, editor, section, question, accepted, actor, route):
    article = articles.promote(editor, posts=[accepted], section=section, slug="the-article")
    if route == "unpublish":
        articles.publish(editor, article)
        article.refresh_from_db()
    user = build_actor(actor)
    if user is not None:
        client.force_login(user)
    url, data = routes(article, question, accepted, section)[route]
    before = snapshot()

    response = client.post(url, data)

    after = snapshot()
    if actor == "editor":
        assert response.status_code == 302
        assert after != before
    elif actor in ("visitor", "banned"):
        # A banned member's session no longer signs them in.
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert after == before
    else:
        assert response.status_code == 403
        assert after == before


@pytest.mark.parametrize("actor", ACTORS)
def test_editor_pages_by_actor(client, editor, section, accepted, actor):
    article = articles.promote(editor, posts=[accepted], section=section)
    user = build_actor(actor)
    if user is not None:
        client.force_login(user)

    for url in (
        reverse("faq:drafts"),
        reverse("faq:edit", args=[article.pk]),
        reverse("faq:revisions", args=[article.pk]),
        reverse("faq:promote") + f"?thread={accepted.thread_id}",
    ):
        status = client.get(url).status_code
        assert status == {"editor": 200, "visitor": 302, "banned": 302}.get(actor, 403), url
