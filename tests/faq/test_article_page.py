"""A cached article page stays true: its credits, its section, its address for search engines, and the sitemap."""

import json

import pytest
from django.urls import reverse

from accounts.services import update_profile
from community.services import posts as post_services
from community.services import review
from faq.models import Section, Visibility
from faq.services import articles
from moderation.services import threads as thread_actions
from tests.builders import build_member, build_reply, build_thread
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(editor, section, accepted):
    return articles.publish(editor, articles.promote(editor, posts=[accepted], section=section))


def as_reader(client, who, member):
    if who == "member":
        client.force_login(member)


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_a_removed_source_post_loses_its_link_on_the_next_request(
    client, who, member, published, accepted, django_capture_on_commit_callbacks
):
    as_reader(client, who, member)
    link = f"#post-{accepted.pk}"
    assert link in client.get(published.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        post_services.delete_post(accepted.author, post=accepted)

    body = client.get(published.get_absolute_url()).content.decode()
    assert link not in body
    assert accepted.author.name in body  # the author keeps their credit


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_a_hidden_source_thread_is_not_named_on_the_next_request(
    client, who, member, published, question, django_capture_on_commit_callbacks
):
    as_reader(client, who, member)
    assert question.get_absolute_url() in client.get(published.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        review.set_review(question.opening_post, review="hidden")

    body = client.get(published.get_absolute_url()).content.decode()
    assert question.get_absolute_url() not in body
    assert question.title not in parse_html(body).find(cls="faq-credits").text


def credits_text(client, article) -> str:
    return parse_html(client.get(article.get_absolute_url()).content).find(cls="faq-credits").text


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_a_credited_authors_new_name_shows_on_the_next_request(
    client, who, member, published, accepted, django_capture_on_commit_callbacks
):
    as_reader(client, who, member)
    assert accepted.author.name in credits_text(client, published)

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(accepted.author, display_name="Olga Renamed", bio="")

    assert "Olga Renamed" in credits_text(client, published)


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_a_renamed_source_thread_shows_on_the_next_request(
    client, who, member, moderator, published, question, django_capture_on_commit_callbacks
):
    as_reader(client, who, member)
    assert question.title in credits_text(client, published)

    with django_capture_on_commit_callbacks(execute=True):
        thread_actions.rename_thread(moderator, thread=question, title="Pairing a bulb after a factory reset")

    assert "Pairing a bulb after a factory reset" in credits_text(client, published)


def test_an_article_made_members_only_leaves_the_visitors_cache_at_once(
    client, editor, member, published, django_capture_on_commit_callbacks
):
    url = published.get_absolute_url()
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        articles.edit(editor, published, question=published.question, body=published.body, visibility="members")

    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 200


def test_a_new_slug_or_section_moves_a_visitors_cached_article_at_once(
    client, editor, published, django_capture_on_commit_callbacks
):
    old = published.get_absolute_url()
    assert client.get(old).status_code == 200
    elsewhere = Section.objects.create(name="Lighting", slug="lighting")

    with django_capture_on_commit_callbacks(execute=True):
        moved = articles.edit(
            editor,
            published,
            question=published.question,
            body=published.body,
            section=elsewhere,
            slug="pair-any-bulb",
        )

    assert client.get(old).status_code == 404
    assert client.get(f"/faq/pairing/{moved.slug}/")["Location"] == moved.get_absolute_url()
    assert client.get(moved.get_absolute_url()).status_code == 200


def rename_in_the_admin(admin_client, section, name: str) -> None:
    response = admin_client.post(
        reverse("admin:faq_section_change", args=[section.pk]),
        {"name": name, "slug": section.slug, "description": section.description, "position": section.position},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_a_section_renamed_in_the_admin_shows_on_its_articles_on_the_next_request(
    client, admin_client, who, member, published, section, django_capture_on_commit_callbacks
):
    as_reader(client, who, member)
    client.get(published.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        rename_in_the_admin(admin_client, section, "Getting started")

    breadcrumbs = parse_html(client.get(published.get_absolute_url()).content).find(cls="breadcrumbs")
    assert "Getting started" in breadcrumbs.text


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_a_section_renamed_in_the_admin_shows_on_its_own_page_on_the_next_request(
    client, admin_client, who, member, published, section, django_capture_on_commit_callbacks
):
    as_reader(client, who, member)
    client.get(section.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        rename_in_the_admin(admin_client, section, "Getting started")

    assert parse_html(client.get(section.get_absolute_url()).content).find("h1").text.strip() == "Getting started"


def test_the_json_ld_and_canonical_address_are_the_sites_own_whatever_the_host(client, settings, published):
    settings.SITE_URL = "https://help.example.com"
    settings.ALLOWED_HOSTS = ["*"]

    page = parse_html(client.get(published.get_absolute_url(), HTTP_HOST="other.example.net").content)

    address = f"https://help.example.com{published.get_absolute_url()}"
    assert json.loads(page.find("script", type="application/ld+json").raw_text)["url"] == address
    assert page.find("link", rel="canonical").attrs["href"] == address


def test_only_a_public_article_names_a_canonical_address(client, editor, section, accepted, member):
    article = articles.promote(editor, posts=[accepted], section=section, visibility=Visibility.MEMBERS)
    articles.publish(editor, article)
    client.force_login(member)

    page = parse_html(client.get(article.get_absolute_url()).content)

    assert page.find("link", rel="canonical") is None
    assert page.find("meta", name="robots").attrs["content"] == "noindex"


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_the_banner_of_a_members_only_article_shows_to_members_only(
    client, who, member, editor, section, accepted, question
):
    article = articles.promote(editor, posts=[accepted], section=section, visibility=Visibility.MEMBERS)
    articles.publish(editor, article)
    as_reader(client, who, member)

    shown = "This answer is now in the FAQ" in client.get(question.get_absolute_url()).content.decode()

    assert shown is (who == "member")


def test_the_sitemap_lists_public_published_articles_only(client, settings, editor, category, member):
    settings.SITE_URL = "https://help.example.com"
    public_section = Section.objects.create(name="Setup", slug="setup")
    closed_section = Section.objects.create(name="Team", slug="team")
    made = {}
    for n, (visibility, status, section) in enumerate(
        [
            (Visibility.PUBLIC, "published", public_section),
            (Visibility.MEMBERS, "published", closed_section),
            (Visibility.STAFF, "published", closed_section),
            (Visibility.PUBLIC, "draft", closed_section),
            (Visibility.PUBLIC, "unpublished", closed_section),
        ]
    ):
        thread = build_thread(build_member(), category=category, title=f"Question {n}")
        answer = build_reply(build_member(), thread.opening_post, body=f"Answer {n}.")
        article = articles.promote(editor, posts=[answer], section=section, visibility=visibility)
        if status != "draft":
            articles.publish(editor, article)
        if status == "unpublished":
            articles.unpublish(editor, article)
        made[(visibility, status)] = article

    for reader in (None, member, editor):
        if reader:
            client.force_login(reader)
        response = client.get(reverse("faq:sitemap"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/xml")
        body = response.content.decode()
        locations = [loc.text for loc in parse_html(body).find_all("loc")]
        public = made[(Visibility.PUBLIC, "published")]
        assert f"https://help.example.com{public.get_absolute_url()}" in locations
        assert f"https://help.example.com{public_section.get_absolute_url()}" in locations
        assert f"https://help.example.com{closed_section.get_absolute_url()}" not in locations
        for key, article in made.items():
            if key != (Visibility.PUBLIC, "published"):
                assert article.get_absolute_url() not in body, key
