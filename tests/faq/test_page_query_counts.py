"""The FAQ's pages cost a small, pinned number of queries, however many articles and credits they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from faq.models import Section
from faq.services import articles
from tests.builders import build_member, build_reply, build_thread
from tests.conftest import clear_cache

pytestmark = pytest.mark.django_db

# Home: the sections with their counts, most viewed, recently updated (cached together per audience).
HOME = {"visitor": 3, "member": 6}
# Section: the section, its articles.
SECTION = {"visitor": 2, "member": 5}
# Article: its address (the cached page's key), then, when nothing is cached, the article with its
# section and source thread, and its credited sources with their authors, posts and threads.
ARTICLE = {"visitor": 3, "member": 6}
# A member also pays for their session, their own row and the header bell's unread count.


def grow(editor, category, section, n):
    for i in range(n):
        thread = build_thread(build_member(), category=category, title=f"Question {i} about pairing")
        posts = [build_reply(build_member(), thread.opening_post, body=f"Answer {i}.{j}") for j in range(3)]
        articles.publish(editor, articles.promote(editor, posts=posts, section=section))


def cold(client, url) -> int:
    clear_cache()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_faq_pages_cost_pinned_queries_however_much_they_show(client, who, editor, category, member):
    section = Section.objects.create(name="Setup", slug="setup")
    grow(editor, category, section, 1)
    if who == "member":
        client.force_login(member)
    first = section.articles.get()
    urls = {
        "home": reverse("faq:home"),
        "section": reverse("faq:section", args=[section.slug]),
        "article": first.get_absolute_url(),
    }
    pins = {"home": HOME[who], "section": SECTION[who], "article": ARTICLE[who]}

    small = {name: cold(client, url) for name, url in urls.items()}
    grow(editor, category, section, 4)
    large = {name: cold(client, url) for name, url in urls.items()}

    assert small == pins
    assert large == pins


def test_a_visitors_cached_article_costs_no_query(client, editor, category, django_assert_num_queries):
    section = Section.objects.create(name="Setup", slug="setup")
    grow(editor, category, section, 1)
    url = section.articles.get().get_absolute_url()
    client.get(url)

    # The address that keys the page is remembered in the cache beside the versions it was read under.
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("page", ["home", "section", "article"])
def test_a_members_cached_faq_page_costs_only_their_row(
    client, editor, category, member, page, django_assert_num_queries
):
    section = Section.objects.create(name="Setup", slug="setup")
    grow(editor, category, section, 1)
    url = {
        "home": reverse("faq:home"),
        "section": section.get_absolute_url(),
        "article": section.articles.get().get_absolute_url(),
    }[page]
    client.force_login(member)
    client.get(url)
    client.get(url)  # the bell's count, remembered once the first page has been served

    # The session comes from the cache; so do the shared rendering, the section and the article's
    # address, read with it. The bell's count is cached too: the member's row is all that is left.
    with django_assert_num_queries(1):
        response = client.get(url)

    assert response.status_code == 200
    assert "Question 0 about pairing" in response.content.decode()


def test_a_visitors_faq_home_and_section_come_whole_from_the_cache_until_the_faq_changes(
    client, editor, category, django_assert_num_queries, django_capture_on_commit_callbacks
):
    section = Section.objects.create(name="Setup", slug="setup")
    grow(editor, category, section, 1)
    urls = [reverse("faq:home"), reverse("faq:section", args=[section.slug])]
    for url in urls:
        client.get(url)

    for url in urls:
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200

    thread = build_thread(build_member(), category=category, title="Question about scenes")
    post = build_reply(build_member(), thread.opening_post, body="Scenes live in the app.")
    article = articles.promote(editor, posts=[post], section=section, question="How do scenes work?")
    with django_capture_on_commit_callbacks(execute=True):
        articles.publish(editor, article)
    for url in urls:
        assert "How do scenes work?" in client.get(url).content.decode()
