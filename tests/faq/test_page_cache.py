"""The FAQ's pages are cached as thread pages are: whole for visitors, one shared rendering per audience for members.

Visitors' pages come whole from the cache. A member's page is the shared
rendering of their audience (public, members, or staff) plus their personal
regions, so a member never gets an article their audience may not read, and
a change shows on the next request.
"""

import pytest
from django.urls import reverse

from faq.models import Section, Visibility
from faq.services import articles
from tests.builders import build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db

# Warm pages, once the first reader has filled the cache. A visitor's pages come whole from the
# cache, an article's under its address (its versions, state and audience), itself read from the cache.
VISITOR = {"home": 0, "section": 0, "article": 0}
# A member: their row and the header bell's unread count (the session is in the cache); the section
# and the article's address come from the cache with the page.
MEMBER = {"home": 2, "section": 2, "article": 2}


@pytest.fixture
def faq(editor, category, django_capture_on_commit_callbacks):
    """One section with a public, a members-only and an internal article, each from its own thread."""
    section = Section.objects.create(name="Setup", slug="setup")
    made = {}
    for visibility in Visibility.values:
        thread = build_thread(build_member(), category=category, title=f"A {visibility} question")
        answer = build_reply(build_member(), thread.opening_post, body=f"The {visibility} answer.")
        article = articles.promote(
            editor, posts=[answer], section=section, visibility=visibility, question=f"The {visibility} article?"
        )
        with django_capture_on_commit_callbacks(execute=True):
            made[visibility] = articles.publish(editor, article)
    return section, made


def urls(section, made) -> dict[str, str]:
    return {
        "home": reverse("faq:home"),
        "section": reverse("faq:section", args=[section.slug]),
        "article": made[Visibility.PUBLIC].get_absolute_url(),
    }


def rendered_whole(response) -> bool:
    """Whether the page was rendered for this request, rather than joined from the cache and its regions
    (a region may still render a small template of its own, such as the account menu's avatar)."""
    return "base.html" in [template.name for template in response.templates]


@pytest.mark.parametrize("page", ["home", "section", "article"])
def test_a_visitors_warm_faq_page_costs_pinned_queries(client, faq, page, django_assert_max_num_queries):
    url = urls(*faq)[page]
    client.get(url)

    with django_assert_max_num_queries(VISITOR[page]):
        assert client.get(url).status_code == 200


def test_a_visitors_cached_article_page_reads_no_row(client, faq, django_assert_num_queries):
    url = urls(*faq)["article"]
    client.get(url)

    with django_assert_num_queries(0):
        response = client.get(url)

    assert not rendered_whole(response)


@pytest.mark.parametrize("page", ["home", "section", "article"])
def test_members_share_one_rendering_of_each_faq_page(client, faq, page, django_assert_max_num_queries):
    url = urls(*faq)[page]
    client.force_login(build_member(username="first"))
    client.get(url)
    client.force_login(build_member(username="second"))

    with django_assert_max_num_queries(MEMBER[page]):
        response = client.get(url)

    assert response.status_code == 200
    # Only the personal regions were rendered for the second member; the page itself came from the cache.
    assert not rendered_whole(response)
    assert "The public article?" in response.content.decode()


@pytest.mark.parametrize("page", ["home", "section"])
def test_a_members_shared_list_never_holds_what_staff_saw(client, faq, staff, member, page):
    section, made = faq
    url = urls(section, made)[page]
    client.force_login(staff)
    assert "The staff article?" in client.get(url).content.decode()

    client.force_login(member)
    body = client.get(url).content.decode()

    assert "The members article?" in body
    assert "The staff article?" not in body


@pytest.mark.parametrize("page", ["home", "section"])
def test_a_visitors_cached_list_never_holds_what_members_saw(client, faq, member, page):
    url = urls(*faq)[page]
    client.force_login(member)
    assert "The members article?" in client.get(url).content.decode()

    client.logout()
    body = client.get(url).content.decode()

    assert "The public article?" in body
    assert "The members article?" not in body


def test_a_member_reads_a_members_only_article_a_visitor_never_does(client, faq, member):
    article = faq[1][Visibility.MEMBERS]
    client.force_login(member)
    assert client.get(article.get_absolute_url()).status_code == 200

    client.logout()

    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_unpublishing_shows_at_once_on_every_cached_faq_page(
    client, faq, editor, member, who, django_capture_on_commit_callbacks
):
    section, made = faq
    gone = made[Visibility.PUBLIC]
    other = articles.promote(
        editor, posts=[gone.sources.get().post], section=section, question="Still here?", slug="still-here"
    )
    with django_capture_on_commit_callbacks(execute=True):
        articles.publish(editor, other)
    if who == "member":
        client.force_login(member)
    pages = urls(section, made)
    for url in pages.values():
        assert gone.question in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        articles.unpublish(editor, gone)

    assert client.get(pages["article"]).status_code == 404
    for page in ("home", "section"):
        body = client.get(pages[page]).content.decode()
        assert "Still here?" in body
        assert gone.question not in body


def test_the_editor_links_stay_personal_on_a_shared_home(client, faq, editor, member):
    client.force_login(editor)
    assert "Drafts and archive" in client.get(reverse("faq:home")).content.decode()

    client.force_login(member)

    assert "Drafts and archive" not in client.get(reverse("faq:home")).content.decode()
