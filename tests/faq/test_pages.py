"""The FAQ's pages: who sees which article, the credit, the banner on the thread, JSON-LD, and escaping."""

import json
import time

import pytest
from django.urls import reverse

from community import tallies
from faq import tasks
from faq.models import Article, Visibility
from faq.services import articles
from tests.builders import build_member, build_reply, build_thread
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(editor, section, accepted):
    return articles.publish(editor, articles.promote(editor, posts=[accepted], section=section))


def internal_article(editor, section, category, *, title="Where is the staff runbook?"):
    thread = build_thread(editor, category=category, title=title)
    answer = build_reply(build_member(), thread.opening_post, body="In the shared drive.")
    article = articles.promote(editor, posts=[answer], section=section, visibility=Visibility.STAFF)
    return articles.publish(editor, article), thread


def test_a_visitor_reads_a_public_article_with_its_credit_and_answer(client, published, answer, question):
    response = client.get(published.get_absolute_url())

    assert response.status_code == 200
    page = parse_html(response.content)
    assert page.find("h1").text == question.title
    assert "five seconds" in page.find(cls="faq-answer").text
    credit = page.find(cls="faq-credits")
    links = [a.attrs["href"] for a in credit.find_all("a")]
    assert answer.author.get_absolute_url() in links
    assert f"{question.get_absolute_url()}#post-{answer.pk}" in links
    assert question.get_absolute_url() in links


def test_a_public_article_has_faq_page_json_ld_and_a_meta_description(client, published):
    page = parse_html(client.get(published.get_absolute_url()).content)

    data = json.loads(page.find("script", type="application/ld+json").raw_text)
    assert data["@type"] == "FAQPage"
    assert data["mainEntity"][0]["name"] == published.question
    assert page.find("meta", name="description").attrs["content"]


def test_a_members_only_article_has_no_json_ld(client, editor, section, accepted, member):
    article = articles.promote(editor, posts=[accepted], section=section, visibility=Visibility.MEMBERS)
    articles.publish(editor, article)
    client.force_login(member)

    page = parse_html(client.get(article.get_absolute_url()).content)

    assert page.find("script", type="application/ld+json") is None
    assert page.find("meta", name="description") is None


@pytest.mark.parametrize("who", ["visitor", "member", "moderator", "staff"])
def test_nobody_but_staff_reads_an_internal_article_by_any_path(
    client, request, who, editor, section, category, published
):
    article, thread = internal_article(editor, section, category)
    reader = None if who == "visitor" else request.getfixturevalue(who)
    if reader:
        client.force_login(reader)

    page = client.get(article.get_absolute_url())
    home = client.get(reverse("faq:home")).content.decode()
    listing = client.get(reverse("faq:section", args=[section.slug])).content.decode()
    banner = client.get(thread.get_absolute_url()).content.decode()

    seen = who == "staff"
    assert page.status_code == (200 if seen else 404)
    assert (article.question in home) is seen
    assert (article.question in listing) is seen
    assert ("This answer is now in the FAQ" in banner) is seen
    assert published.question in home  # the public one is listed for everyone


@pytest.mark.parametrize("who", ["visitor", "member", "staff"])
def test_a_draft_is_seen_by_editors_only(client, request, who, editor, section, accepted):
    draft = articles.promote(editor, posts=[accepted], section=section)
    if who != "visitor":
        client.force_login(request.getfixturevalue(who))

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert draft.question not in client.get(reverse("faq:home")).content.decode()
    client.force_login(editor)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_the_source_thread_shows_the_banner_on_the_next_request_after_publishing_and_not_after_unpublishing(
    client, editor, section, accepted, question, member
):
    article = articles.promote(editor, posts=[accepted], section=section)
    client.force_login(member)
    assert "This answer is now in the FAQ" not in client.get(question.get_absolute_url()).content.decode()

    articles.publish(editor, article)
    page = parse_html(client.get(question.get_absolute_url()).content)
    banner = page.find(cls="faq-banner")
    assert banner is not None
    assert banner.find("a").attrs["href"] == article.get_absolute_url()

    articles.unpublish(editor, article)
    assert "This answer is now in the FAQ" not in client.get(question.get_absolute_url()).content.decode()


def test_a_visitors_cached_thread_page_shows_the_banner_after_publishing(
    client, editor, section, accepted, question, django_capture_on_commit_callbacks
):
    article = articles.promote(editor, posts=[accepted], section=section)
    assert "This answer is now in the FAQ" not in client.get(question.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        articles.publish(editor, article)

    assert "This answer is now in the FAQ" in client.get(question.get_absolute_url()).content.decode()


def test_a_visitors_cached_article_page_shows_an_edit_at_once(
    client, editor, published, django_capture_on_commit_callbacks
):
    client.get(published.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        articles.edit(editor, published, question="How to pair any bulb", body="Press **twice**.")

    assert "Press <strong>twice</strong>" in client.get(published.get_absolute_url()).content.decode()


def test_the_promote_tools_show_for_editors_only(client, editor, staff, moderator, member, question, accepted):
    for user, shown in ((editor, True), (staff, False), (moderator, False), (member, False)):
        client.force_login(user)
        page = parse_html(client.get(question.get_absolute_url()).content)
        assert (page.find("template", id="tool-promote") is not None) is shown, user
        if shown:
            tools = json.loads(page.find("script", id="tools-faq").raw_text)
            assert tools[str(accepted.pk)] == ["promote"]


def test_the_promote_form_is_prefilled_with_the_title_and_the_accepted_answer(client, editor, question, accepted):
    client.force_login(editor)

    page = parse_html(client.get(reverse("faq:promote") + f"?thread={question.pk}").content)

    assert page.find("input", name="question").attrs["value"] == question.title
    assert accepted.body in page.find("textarea", name="body").text
    checked = [box.attrs["value"] for box in page.find_all("input", name="posts") if "checked" in box.attrs]
    assert checked == [str(accepted.pk)]


def test_promote_edit_and_publish_through_the_pages(client, editor, section, question, accepted):
    client.force_login(editor)

    response = client.post(
        reverse("faq:promote"),
        {
            "thread": question.pk,
            "posts": [accepted.pk],
            "question": "How do I pair a bulb?",
            "body": accepted.body,
            "section": section.pk,
            "slug": "",
            "visibility": "public",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("faq:edit", args=[article.pk])

    response = client.post(
        reverse("faq:edit", args=[article.pk]),
        {
            "question": "How do I pair a new bulb?",
            "body": "Hold the button for **five** seconds.",
            "summary": "Hold the button.",
            "section": section.pk,
            "slug": article.slug,
            "visibility": "public",
            "note": "Tidied",
            "base_revision": 1,
        },
    )
    assert response.status_code == 302
    client.post(reverse("faq:publish", args=[article.pk]))

    article.refresh_from_db()
    assert (article.status, article.revision_count) == ("published", 2)
    revisions = client.get(reverse("faq:revisions", args=[article.pk])).content.decode()
    assert "Tidied" in revisions and "diff-added" in revisions


def test_an_empty_answer_and_a_taken_slug_are_field_errors_on_the_form(client, editor, section, question, accepted):
    articles.promote(editor, posts=[accepted], section=section, slug="taken")
    client.force_login(editor)

    response = client.post(
        reverse("faq:promote"),
        {
            "thread": question.pk,
            "posts": [accepted.pk],
            "question": "Q",
            "body": "x",
            "section": section.pk,
            "slug": "taken",
            "visibility": "public",
        },
    )

    assert response.status_code == 400
    page = parse_html(response.content)
    assert "already uses" in page.find(id="id_slug_error").text
    assert Article.objects.count() == 1


def test_an_edit_from_a_stale_revision_shows_the_conflict_and_keeps_the_text(client, editor, section, accepted):
    article = articles.promote(editor, posts=[accepted], section=section)
    articles.edit(editor, article, question="Q", body="Someone else's save.", base_revision=1)
    client.force_login(editor)

    response = client.post(
        reverse("faq:edit", args=[article.pk]),
        {
            "question": "Q",
            "body": "My words.",
            "section": article.section_id,
            "slug": article.slug,
            "visibility": "public",
            "base_revision": 1,
        },
    )

    assert response.status_code == 400
    assert "while you were editing" in response.content.decode()
    assert "My words." in response.content.decode()
    assert Article.objects.get(pk=article.pk).body == "Someone else's save."


def test_hostile_text_is_escaped_in_titles_answers_and_json_ld(client, editor, section, category):
    hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    thread = build_thread(build_member(), category=category, title=f"Pairing {hostile}")
    answer = build_reply(build_member(username="answerer"), thread.opening_post, body=f"Try this {hostile}")
    article = articles.publish(editor, articles.promote(editor, posts=[answer], section=section, summary=hostile))
    pages = [
        client.get(article.get_absolute_url()).content.decode(),
        client.get(reverse("faq:home")).content.decode(),
        client.get(reverse("faq:section", args=[section.slug])).content.decode(),
        client.get(thread.get_absolute_url()).content.decode(),
    ]
    client.force_login(editor)
    pages += [
        client.get(reverse("faq:edit", args=[article.pk])).content.decode(),
        client.get(reverse("faq:revisions", args=[article.pk])).content.decode(),
    ]

    for html in pages:
        assert "<script>alert(1)" not in html
        assert parse_html(html).find("img", src="x") is None


def test_views_are_counted_in_the_cache_and_flushed_by_the_beat_task(client, published):
    for _ in range(3):
        client.get(published.get_absolute_url())  # the first builds the page, the others are served from the cache
    assert Article.objects.get(pk=published.pk).view_count == 0

    later = time.time() + 3 * tallies.WINDOW_SECONDS  # once the views' window has closed
    assert tasks.flush_article_views(now=later) == 3
    assert tasks.flush_article_views(now=later) == 0
    assert Article.objects.get(pk=published.pk).view_count == 3


def test_the_post_actions_page_offers_promote_to_editors_only(client, editor, staff, member, accepted):
    url = reverse("community:post_actions", args=[accepted.pk])
    for user, shown in ((editor, True), (staff, False), (member, False)):
        client.force_login(user)
        assert ("Promote to FAQ" in client.get(url).content.decode()) is shown, user


def test_the_faq_lists_show_a_newly_published_article_on_the_next_request(
    client, member, editor, section, accepted, django_capture_on_commit_callbacks
):
    client.force_login(member)
    article = articles.promote(editor, posts=[accepted], section=section)
    assert article.question not in client.get(reverse("faq:home")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        articles.publish(editor, article)

    assert article.question in client.get(reverse("faq:home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        articles.unpublish(editor, article)
    assert article.question not in client.get(reverse("faq:home")).content.decode()


def test_a_thread_never_promoted_asks_the_faq_nothing_but_its_header(client, published, question, member, category):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = build_thread(member, category=category, title="A thread nobody promoted")
    client.force_login(member)
    client.get(question.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        page = client.get(other.get_absolute_url()).content.decode()

    assert "This answer is now in the FAQ" not in page
    # Whether an article came from the thread is read with the thread's own row.
    naming_articles = [query["sql"] for query in queries if "faq_article" in query["sql"]]
    assert len(naming_articles) == 1 and "source_thread_id" in naming_articles[0]
    assert f'"community_thread"."id" = {other.pk}' in naming_articles[0]


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_banner_links_to_the_articles_new_address_once_its_section_is_renamed(
    client, published, question, member, section, django_capture_on_commit_callbacks, signed_in
):
    from django.contrib import admin

    from faq.admin import SectionAdmin

    if signed_in:
        client.force_login(member)
    client.get(question.get_absolute_url())

    section.slug = "renamed-section"
    with django_capture_on_commit_callbacks(execute=True):
        SectionAdmin(type(section), admin.site).save_model(None, section, None, change=True)

    banner = parse_html(client.get(question.get_absolute_url()).content).find(cls="faq-banner")
    assert banner.find("a").attrs["href"] == f"/faq/renamed-section/{published.slug}/"
