"""FAQ articles in search: the discussions' machinery, filtered by who may read each article."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from community import tallies
from community.models import Synonym
from faq import search
from faq.models import Article, Visibility
from faq.search import SEARCH_HITS
from faq.services import articles as article_services
from tests.builders import build_reply, build_thread
from tests.faq.builders import build_article, build_editor, build_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(staff):
    return {
        "public": build_article(staff, question="How do I pair a bulb with the hub?", body="Hold the button."),
        "members": build_article(
            staff, question="Pairing bulbs on the members firmware", visibility=Visibility.MEMBERS
        ),
        "internal": build_article(staff, question="Pairing escalations for support", visibility=Visibility.STAFF),
        "draft": build_article(staff, question="Pairing a bulb, draft answer", status=Article.Status.DRAFT),
        "archived": build_article(staff, question="Pairing old bulbs", status=Article.Status.ARCHIVED),
    }


def questions(hits):
    return {hit.article.question for hit in hits}


def faq_slot(response) -> str:
    html = response.content.decode()
    start = html.find('<section class="faq-hits"')
    return "" if start == -1 else re.sub(r"</?mark>", "", html[start : html.index("</section>", start)])


def test_each_reader_finds_only_the_published_articles_they_may_read(articles, member, staff):
    public = articles["public"].question
    members = articles["members"].question

    assert questions(search.search_articles(AnonymousUser(), "pair")) == {public}
    assert questions(search.search_articles(member, "pair")) == {public, members}
    assert questions(search.search_articles(staff, "pair", limit=10)) == {
        public,
        members,
        articles["internal"].question,
    }


def test_matches_are_marked_in_the_question_and_snippet(articles):
    [hit] = search.search_articles(AnonymousUser(), "button")

    assert "<mark>" in hit.snippet
    assert hit.article == articles["public"]


def test_synonyms_expand_an_article_search(articles):
    assert search.search_articles(AnonymousUser(), "bridge") == []

    Synonym.objects.create(term="hub", alternatives="bridge, base station")

    assert questions(search.search_articles(AnonymousUser(), "bridge")) == {articles["public"].question}


def test_an_edited_article_is_found_by_its_new_words_once_indexed(articles):
    article = articles["public"]
    Article.objects.filter(pk=article.pk).update(body="Press the reset pinhole.")
    search.index_article(article)

    assert questions(search.search_articles(AnonymousUser(), "pinhole")) == {article.question}


def test_site_search_shows_articles_above_threads(articles, member, category, client):
    build_thread(member, category=category, title="Pairing fails after the update", body="Help.")

    client.force_login(member)
    html = client.get(reverse("search"), {"q": "pair"}).content.decode()

    assert html.index('class="faq-hits"') < html.index('class="thread-list search-results"')
    slot = faq_slot(client.get(reverse("search"), {"q": "pair"}))
    assert articles["public"].question in slot
    assert articles["members"].question in slot
    assert articles["internal"].question not in slot
    assert articles["draft"].question not in slot


def test_a_visitor_never_sees_members_or_internal_articles_in_site_search(articles, client):
    slot = faq_slot(client.get(reverse("search"), {"q": "pair"}))

    assert articles["public"].question in slot
    assert articles["members"].question not in slot
    assert articles["internal"].question not in slot


def test_staff_see_internal_articles_in_site_search(articles, staff, client):
    client.force_login(staff)

    assert articles["internal"].question in faq_slot(client.get(reverse("search"), {"q": "pair"}))


def test_members_pages_shared_from_cache_never_show_a_staff_article(articles, member, staff, client):
    client.force_login(staff)
    client.get(reverse("search"), {"q": "escalations"})
    client.force_login(member)

    assert "escalations" not in faq_slot(client.get(reverse("search"), {"q": "escalations"}))


def test_articles_show_only_on_the_first_page_of_results(articles, client):
    assert faq_slot(client.get(reverse("search"), {"q": "pair", "page": 2})) == ""


def test_hostile_article_text_is_escaped_in_search(staff, client):
    build_article(staff, question="<script>alert(1)</script> pairing", body="<img src=x onerror=alert(1)> pairing")

    slot = faq_slot(client.get(reverse("search"), {"q": "pair"}))

    assert "<script>" not in slot and "<img" not in slot
    assert "&lt;script&gt;" in slot


def test_threads_found_by_search_are_counted_for_the_candidates(member, category, client):
    thread = build_thread(member, category=category, title="Pairing fails after the update", body="Help.")

    client.get(reverse("search"), {"q": "pair"})
    client.get(reverse("search"), {"q": "update"})

    later = __import__("time").time() + 3 * tallies.WINDOW_SECONDS
    assert tallies.drain(SEARCH_HITS, now=later) == {thread.pk: 2}
    assert tallies.drain(SEARCH_HITS, now=later) == {}


@pytest.mark.parametrize("who", ["visitor", "member"])
@pytest.mark.parametrize("change", ["made internal", "unpublished"])
def test_site_search_drops_an_article_made_internal_or_unpublished_on_the_next_request(
    client, who, change, member, category, django_capture_on_commit_callbacks
):
    # The editor's own answer: nobody's points move, so nothing but the FAQ's own change can move a key.
    editor = build_editor(username="edith")
    thread = build_thread(member, category=category, title="Zigbee pairing")
    own = build_reply(editor, thread.opening_post, body="Hold the button.")
    with django_capture_on_commit_callbacks(execute=True):
        article = article_services.publish(
            editor,
            article_services.promote(
                editor, posts=[own], section=build_section(), question="Pairing zigbee bulbs quickly"
            ),
        )
    if who == "member":
        client.force_login(member)
    assert "bulbs quickly" in faq_slot(client.get(reverse("search"), {"q": "zigbee"}))

    with django_capture_on_commit_callbacks(execute=True):
        if change == "unpublished":
            article_services.unpublish(editor, article)
        else:
            article_services.edit(
                editor, article, question=article.question, body=article.body, visibility=Visibility.STAFF
            )

    assert "bulbs quickly" not in faq_slot(client.get(reverse("search"), {"q": "zigbee"}))
