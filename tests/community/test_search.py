"""Search behaviour on whichever database the suite runs against."""

import re

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


def found_on(response) -> str:
    """The search results list of a page, without the marks around matched words."""
    html = response.content.decode()
    start = html.find('<ol class="thread-list search-results"')
    return "" if start == -1 else re.sub(r"</?mark>", "", html[start : html.index("</ol>", start)])


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

    assert response.status_code == 200
    assert "Bulbs will not pair with the hub" in found_on(response)
    assert "Answered" in found_on(response)


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
    before = client.get(reverse("search"), {"q": "thermostat"})
    assert "Thermostat" not in found_on(before)

    with django_capture_on_commit_callbacks(execute=True):
        from tests.builders import build_thread

        build_thread(member, category=category, title="Thermostat integration question", body="Works?")

    after = client.get(reverse("search"), {"q": "thermostat"})
    assert "Thermostat integration question" in found_on(after)


def test_a_hidden_accepted_answer_is_no_answer_in_search_or_similar_threads(client, member, corpus):
    from community.services.review import set_review

    set_review(corpus["answer"], review="hidden")

    def badge(html: str) -> bool:
        return 'badge-answered">Answered' in html

    results = found_on(client.get(reverse("search"), {"q": "bulbs"}))
    assert "Bulbs will not pair with the hub" in results and not badge(results)
    solved = found_on(client.get(reverse("search"), {"q": "bulbs", "solved": "yes"}))
    assert "Bulbs will not pair with the hub" not in solved
    unsolved = found_on(client.get(reverse("search"), {"q": "bulbs", "solved": "no"}))
    assert "Bulbs will not pair with the hub" in unsolved
    similar = client.get(reverse("community:similar"), {"title": "bulbs not pairing with hub"}).content.decode()
    assert "Bulbs will not pair with the hub" in similar and not badge(similar)


MARKDOWN_BODY = (
    "First **reset** the `hub` from the app.\n\n"
    "- hold the _button_\n"
    "- then read [the pairing guide](https://example.com/guide) and wait for the bulb to blink"
)


def test_snippets_are_plain_text_with_both_query_words_marked(member, category):
    build_thread(member, category=category, title="Starting over with new hardware", body=MARKDOWN_BODY)

    hits, _ = search.search(AnonymousUser(), "hub bulb")

    snippet = str(hits[0].snippet)
    assert "<mark>hub</mark>" in snippet and "<mark>bulb</mark>" in snippet
    for syntax in ("**", "`", "](", "_button_", "- hold", "https://"):
        assert syntax not in snippet
    assert "the pairing guide" in snippet


def test_words_far_apart_are_each_marked(member, category):
    filler = " ".join(f"word{n}" for n in range(150))
    build_thread(member, category=category, title="A long story", body=f"The hub came first. {filler} Then the bulb.")

    snippet = str(search.search(AnonymousUser(), "hub bulb")[0][0].snippet)

    assert "<mark>hub</mark>" in snippet and "<mark>bulb</mark>" in snippet
    assert len(snippet) < 800


def test_titles_mark_the_query_words(corpus):
    hits, _ = search.search(AnonymousUser(), "bulbs hub")

    assert str(hits[0].title) == "<mark>Bulbs</mark> will not pair with the <mark>hub</mark>"


def test_hostile_markdown_in_snippets_stays_text(member, category):
    body = (
        "flicker <script>alert(1)</script> [click me](javascript:alert(1)) "
        '<img src=x onerror="alert(2)"> [ok](https://example.com "a\\" onmouseover=alert(3)")'
    )
    build_thread(member, category=category, title="Hostile flicker", body=body)

    hits, _ = search.search(AnonymousUser(), "flicker")

    for html in (str(hits[0].snippet), str(hits[0].title)):
        assert "<script" not in html and "<img" not in html and "<a" not in html and "href" not in html
    assert "<mark>flicker</mark>" in str(hits[0].snippet)


def test_marker_characters_in_a_post_mark_nothing(member, category):
    build_thread(member, category=category, title="Odd characters", body="flicker \ue000planted\ue001 text")

    snippet = str(search.search(AnonymousUser(), "flicker")[0][0].snippet)

    assert snippet.count("<mark>") == 1 and "<mark>flicker</mark>" in snippet


def test_fallback_snippet_marks_every_term_and_its_synonyms():
    text = "Reset the bridge. " + "x " * 200 + "Then the bulb pairs with the bridge."

    snippet = search.fallback_snippet(text, [["hub", "bridge"], ["bulb"]])

    assert snippet.count("\ue000bridge\ue001") >= 1 and "\ue000bulb\ue001" in snippet
    assert " … " in snippet and len(snippet) <= search.SNIPPET_LENGTH + 20


def test_fallback_snippet_of_text_without_matches_is_its_start():
    assert search.fallback_snippet("short text", [["absent"]]) == "short text"
    assert search.fallback_snippet("word " * 100, [["absent"]]).endswith("word…")


def test_search_page_filters_are_a_styled_disclosure(client, corpus):
    from django.conf import settings

    html = client.get(reverse("search"), {"q": "bulbs"}).content.decode()
    css = (settings.BASE_DIR / "static/css/concierge.css").read_text()

    assert '<details class="search-filters">' in html
    for name in ("search-filters", "search-filters-grid", "search-filter"):
        assert f'class="{name}"' in html
        assert f".{name} " in css
    assert ".search-filters::details-content" in css
    filtered = client.get(reverse("search"), {"q": "bulbs", "kind": "question"}).content.decode()
    assert '<details class="search-filters" open>' in filtered
    assert 'class="search-filters-count">1 active<' in filtered


def test_search_results_use_the_thread_lists_badges(client, member, category):
    thread = build_thread(member, category=category, title="Bulbs will not pair", body="Help.")
    posts.accept_answer(member, post=build_reply(member, thread.opening_post, body="Reset it."))

    def badges(response):
        html = response.content.decode()
        rows = html[html.index('<ol class="thread-list') : html.index("</ol>", html.index('<ol class="thread-list'))]
        return re.findall(r'<span class="badge [^"]*">[^<]*</span>', rows)

    home = client.get(reverse("home"))
    found = client.get(reverse("search"), {"q": "bulbs"})

    for response in (home, found):
        assert "components/thread_badges.html" in [t.name for t in response.templates]
    assert badges(found) == badges(home)
    assert '<span class="badge badge-success badge-answered">Answered</span>' in badges(found)


def test_empty_search_with_filters_offers_to_drop_them(client, corpus):
    response = client.get(reverse("search"), {"q": "thermostat", "kind": "idea", "category": corpus["news"].slug})

    html = response.content.decode()
    assert "No discussions match “thermostat” with these filters." in html
    assert 'href="?q=thermostat&amp;category=news"' in html  # the kind filter removed
    assert 'href="?q=thermostat&amp;kind=idea"' in html  # the category filter removed
    assert 'href="?q=thermostat">Search without filters<' in html


def test_empty_search_suggests_unanswered_questions_and_asking(client, member, other_member, corpus):
    waiting = build_thread(member, category=corpus["news"], title="Does the hub work offline?", body="Curious.")
    removed = build_thread(other_member, category=corpus["news"], title="Removed unanswered question", body="?")
    posts.delete_post(other_member, post=removed.opening_post)

    visitor = client.get(reverse("search"), {"q": "thermostat"}).content.decode()
    client.force_login(member)
    signed_in = client.get(reverse("search"), {"q": "thermostat"}).content.decode()

    for html in (visitor, signed_in):
        assert "No discussions match “thermostat”." in html
        assert "Questions waiting for an answer" in html
        assert waiting.get_absolute_url() in html
        assert "Removed unanswered question" not in html
        assert "Search without filters" not in html
    assert "Join to ask a question" in visitor
    assert f'href="{reverse("community:start_thread")}?kind=question">Ask a question<' in signed_in


def test_a_query_over_200_characters_is_cut_and_the_page_says_so(client, corpus):
    query = "bulbs " + "pair " * 60

    response = client.get(reverse("search"), {"q": query})

    html = response.content.decode()
    assert "Your search was longer than 200 characters; we searched for the first 200." in html
    assert f'value="{query[:200].strip()}"' in html
    assert "Bulbs will not pair with the hub" in found_on(response)


def test_a_query_of_200_characters_is_searched_whole_without_a_notice(client, corpus):
    query = ("bulbs " + "pair " * 60)[:199] + "x"

    html = client.get(reverse("search"), {"q": query}).content.decode()

    assert "longer than 200 characters" not in html
    assert f'value="{query}"' in html
