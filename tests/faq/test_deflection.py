"""Deflection: articles suggested first on the ask page, each shown, opened and settled, and the rates staff see."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Thread
from faq import deflection
from faq.models import Article, Deflection, Visibility
from tests.builders import build_thread
from tests.faq.builders import build_article, build_editor
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db
TITLE = "How do I pair my new bulb with the hub"


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


@pytest.fixture
def article(staff):
    return build_article(staff, question="How do I pair a bulb with the hub?")


def suggest(client, title=TITLE):
    return client.get(reverse("community:similar"), {"title": title}, HTTP_HX_REQUEST="true")


def open_links(response):
    return [a.attrs["href"] for a in parse_html(response.content).find_all("a") if "/open/" in a.attrs["href"]]


def test_articles_come_first_above_similar_threads(client, member, category, article):
    build_thread(member, category=category, title="Cannot pair bulb with hub", body="Help.")
    client.force_login(member)

    html = suggest(client).content.decode()

    assert html.index("Answered in the FAQ") < html.index("Already asked?")
    assert article.question in html


@pytest.mark.parametrize(
    ("visibility", "status"),
    [(Visibility.STAFF, Article.Status.PUBLISHED), (Visibility.PUBLIC, Article.Status.DRAFT)],
)
def test_articles_a_member_may_not_read_are_never_suggested(client, member, staff, visibility, status):
    build_article(staff, question="Pair a bulb with the hub, internally", visibility=visibility, status=status)
    client.force_login(member)

    assert "Answered in the FAQ" not in suggest(client).content.decode()
    deflection.record_deflections(later(3))
    assert not Deflection.objects.exists()


def test_each_suggestion_is_recorded_once_per_visit_and_never_on_the_request(client, member, article):
    client.force_login(member)
    suggest(client)
    suggest(client, TITLE + " again")

    assert not Deflection.objects.exists()

    deflection.record_deflections(later(3))

    row = Deflection.objects.get()
    assert (row.article, row.member, row.opened_at, row.posted) == (article, member, None, None)


def test_an_opened_suggestion_is_recorded(client, member, article):
    client.force_login(member)
    [link] = open_links(suggest(client))

    response = client.get(link)

    assert response.status_code == 302
    assert response.url == article.get_absolute_url()
    deflection.record_deflections(later(3))
    assert Deflection.objects.get().opened_at is not None


def test_a_member_who_asks_anyway_was_not_deflected(client, member, other_member, category, article):
    for person in (member, other_member):
        client.force_login(person)
        suggest(client)
    deflection.record_deflections(later(3))
    build_thread(member, category=category, title=TITLE, body="The FAQ didn't help.")

    deflection.record_deflections(later(10))
    assert set(Deflection.objects.values_list("posted", flat=True)) == {None}

    deflection.record_deflections(later(40))

    assert Deflection.objects.get(member=member).posted is True
    assert Deflection.objects.get(member=other_member).posted is False


def test_reviewers_see_the_rate_per_article_and_overall(client, member, other_member, category, article):
    for person in (member, other_member):
        client.force_login(person)
        suggest(client)
    deflection.record_deflections(later(3))
    Deflection.objects.filter(member=member).update(shown_at=later(-60))
    asked = build_thread(member, category=category, title=TITLE, body="Asked anyway.")
    Thread.objects.filter(pk=asked.pk).update(created_at=later(-50))
    Deflection.objects.filter(member=other_member).update(shown_at=later(-60), opened_at=later(-59))
    deflection.settle(timezone.now())
    client.force_login(build_editor())

    page = client.get(reverse("faq:deflection"))

    html = page.content.decode()
    assert page.status_code == 200
    assert article.question in html
    assert '50% <span class="muted">of 2 settled</span>' in html
    assert '100% <span class="muted">of 1 opened</span>' in html


@pytest.mark.parametrize("actor", ["member", "staff", "moderator"])
def test_only_reviewers_see_deflection(client, actor, request):
    client.force_login(request.getfixturevalue(actor))

    assert client.get(reverse("faq:deflection")).status_code == 403


def test_an_article_a_reader_may_not_see_cannot_be_opened(client, member, staff):
    internal = build_article(staff, visibility=Visibility.STAFF)
    client.force_login(member)

    assert client.get(reverse("faq:open", args=[internal.pk]), {"visit": "x"}).status_code == 404


def test_visitors_get_no_article_suggestions(client, article):
    assert "Answered in the FAQ" not in suggest(client).content.decode()
