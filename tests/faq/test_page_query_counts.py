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


def test_a_visitors_cached_article_costs_one_query(client, editor, category, django_assert_num_queries):
    section = Section.objects.create(name="Setup", slug="setup")
    grow(editor, category, section, 1)
    url = section.articles.get().get_absolute_url()
    client.get(url)

    # Only the address, for the page cache's key.
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200


def test_a_members_cached_article_costs_their_row_and_its_address(
    client, editor, category, member, django_assert_num_queries
):
    section = Section.objects.create(name="Setup", slug="setup")
    grow(editor, category, section, 1)
    url = section.articles.get().get_absolute_url()
    client.force_login(member)
    client.get(url)

    # The session comes from the cache; the shared rendering too, keyed by the article's version.
    # Then the member's row and the article's address (the bell's count is cached too).
    with django_assert_num_queries(2):
        response = client.get(url)

    assert response.status_code == 200
    assert "Answer 0.0" in response.content.decode()


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
