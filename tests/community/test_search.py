"""Search behaviour on whichever database the suite runs against."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from community import search
from community.models import Synonym, Tag
from community.services import posts
from tests.builders import build_category, build_reply, build_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(member, other_member, category):
    news = build_category(name="News")
    tag = Tag.objects.create(name="pairing", slug="pairing")
    pairing = build_thread(
        member, category=category, title="Bulbs will not pair with the hub", body="They vanish.", tags=[tag]
    )
    answer = build_reply(other_member, pairing.opening_post, body="Reset each bulb five times, then search again.")
    posts.accept_answer(member, post=answer)
    flicker = build_thread(
        member, category=news, kind="problem", title="Lights flicker when dimmed low", body="Since 4.2.1."
    )
    build_thread(other_member, category=category, kind="idea", title="Sunrise scene for bedroom lights", body="Yes.")
    return {"pairing": pairing, "flicker": flicker, "news": news, "tag": tag, "answer": answer}


def titles(hits):
    return [hit.thread.title for hit in hits]


def test_finds_threads_by_title_and_body(corpus):
    hits, has_next = search.search(AnonymousUser(), "bulbs pair")

    assert titles(hits) == ["Bulbs will not pair with the hub"]
    assert not has_next
    hits, _ = search.search(AnonymousUser(), "reset")
    assert titles(hits) == ["Bulbs will not pair with the hub"]
    assert hits[0].post_id == corpus["answer"].pk
    assert "<mark>" in hits[0].snippet


def test_synonyms_expand_the_query(corpus):
    assert search.search(AnonymousUser(), "bridge")[0] == []

    Synonym.objects.create(term="hub", alternatives="bridge, base station")

    assert titles(search.search(AnonymousUser(), "bridge")[0]) == ["Bulbs will not pair with the hub"]


def test_filters_by_category_kind_solved_and_tag(corpus):
    anyone = AnonymousUser()

    assert titles(search.search(anyone, "lights", kind="idea")[0]) == ["Sunrise scene for bedroom lights"]
    assert titles(search.search(anyone, "lights", category=corpus["news"])[0]) == ["Lights flicker when dimmed low"]
    assert titles(search.search(anyone, "bulbs", solved=True)[0]) == ["Bulbs will not pair with the hub"]
    assert search.search(anyone, "bulbs", solved=False)[0] == []
    assert titles(search.search(anyone, "bulbs", tag=corpus["tag"])[0]) == ["Bulbs will not pair with the hub"]


def test_negation_and_empty_queries(corpus):
    assert search.search(AnonymousUser(), "")[0] == []
    assert search.search(AnonymousUser(), "-bulbs")[0] == []
    assert "Sunrise scene for bedroom lights" not in titles(search.search(AnonymousUser(), "lights -sunrise")[0])


def test_removed_threads_are_not_found(member, corpus):
    posts.delete_post(member, post=corpus["flicker"].opening_post)

    assert search.search(AnonymousUser(), "flicker")[0] == []


def test_hostile_text_in_snippets_is_escaped(member, category):
    build_thread(member, category=category, title="Script question here", body='flicker <script>alert(1)</script> "x"')

    hits, _ = search.search(AnonymousUser(), "flicker")

    snippet = str(hits[0].snippet)
    assert "<script" not in snippet.lower()
    assert "<mark>flicker</mark>" in snippet


def test_highlight_escapes_everything_but_its_own_marks():
    html = str(search.highlight('<script>alert(1)</script> \ue000flicker\ue001 "x"'))

    assert html == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>flicker</mark> &quot;x&quot;"


def test_highlight_balances_markers_planted_in_user_text():
    html = str(search.highlight("a \ue000b\ue000 c <img> \ue001\ue001 d \ue000"))

    assert html.count("<mark>") == html.count("</mark>")
    assert "<img>" not in html


def test_similar_threads_put_solved_first(member, corpus):
    build_thread(member, category=corpus["news"], title="Hub will not pair at all after reset")

    found = search.similar(AnonymousUser(), "bulb will not pair with hub")

    assert found[0] == corpus["pairing"]
    assert len(found) == 2


def test_search_page_shows_results_and_filters(client, corpus):
    response = client.get(reverse("search"), {"q": "bulbs", "solved": "yes", "category": "getting-started"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Bulbs will not pair with the hub" in html
    assert "Answered" in html


def test_search_page_with_bad_filter_values_does_not_crash(client, corpus):
    response = client.get(reverse("search"), {"q": "bulbs", "category": "nope", "kind": "rant"})

    assert response.status_code == 200


def test_similar_endpoint_renders_partial(client, corpus):
    response = client.get(reverse("community:similar"), {"title": "bulbs not pairing with hub"})

    assert response.status_code == 200
    assert "Bulbs will not pair with the hub" in response.content.decode()


def test_cached_search_results_refresh_after_a_committed_write(
    client, member, category, corpus, django_capture_on_commit_callbacks
):
    client.force_login(member)
    before = client.get(reverse("search"), {"q": "thermostat"}).content.decode()
    assert "Thermostat" not in before

    with django_capture_on_commit_callbacks(execute=True):
        from tests.builders import build_thread

        build_thread(member, category=category, title="Thermostat integration question", body="Works?")

    after = client.get(reverse("search"), {"q": "thermostat"}).content.decode()
    assert "Thermostat integration question" in after


def test_a_hidden_accepted_answer_is_no_answer_in_search_or_similar_threads(client, member, corpus):
    from community.services.review import set_review

    set_review(corpus["answer"], review="hidden")

    def badge(html: str) -> bool:
        return 'badge-answered">Answered' in html

    results = client.get(reverse("search"), {"q": "bulbs"}).content.decode()
    assert "Bulbs will not pair with the hub" in results and not badge(results)
    solved = client.get(reverse("search"), {"q": "bulbs", "solved": "yes"}).content.decode()
    assert "Bulbs will not pair with the hub" not in solved
    unsolved = client.get(reverse("search"), {"q": "bulbs", "solved": "no"}).content.decode()
    assert "Bulbs will not pair with the hub" in unsolved
    similar = client.get(reverse("community:similar"), {"title": "bulbs not pairing with hub"}).content.decode()
    assert "Bulbs will not pair with the hub" in similar and not badge(similar)
