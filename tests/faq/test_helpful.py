""" "Was this helpful?": once per member or browser session, counted with the vote, and read by the FAQ's editors."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from faq.models import Article, HelpfulVote, Visibility
from faq.services.signals import vote_helpful
from moderation.services import sanctions
from tests.builders import build_member
from tests.faq.builders import build_article, build_editor, grant
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def article(staff):
    return build_article(staff)


def url(article):
    return reverse("faq:helpful", args=[article.pk])


def tallies(article):
    article.refresh_from_db()
    return article.helpful_yes, article.helpful_no


def test_a_member_says_an_article_helped_once(client, member, article):
    client.force_login(member)

    response = client.post(url(article), {"helpful": "yes", "comment": "Worked first time."})

    assert response.status_code == 302
    assert response.url == article.get_absolute_url()
    assert tallies(article) == (1, 0)
    vote = HelpfulVote.objects.get()
    assert (vote.member, vote.helpful, vote.comment) == (member, True, "Worked first time.")

    again = client.post(url(article), {"helpful": "no"})

    assert again.status_code == 200
    assert "Thank you for telling us" in again.content.decode()
    assert tallies(article) == (1, 0)
    assert HelpfulVote.objects.count() == 1


def test_a_visitor_votes_once_per_browser_session(client, article):
    from django.test import Client

    assert client.post(url(article), {"helpful": "no"}).status_code == 302
    assert client.post(url(article), {"helpful": "yes"}).status_code == 200
    assert Client().post(url(article), {"helpful": "yes"}).status_code == 302

    assert tallies(article) == (1, 1)
    assert HelpfulVote.objects.filter(member=None).count() == 2


def test_the_widget_loads_with_htmx_and_answers_in_place(client, member, article):
    client.force_login(member)

    form = client.get(url(article), **HTMX)
    assert form.status_code == 200
    assert 'hx-post="' in form.content.decode()
    assert "<html" not in form.content.decode()

    thanks = client.post(url(article), {"helpful": "no", "comment": "Missing the app steps."}, **HTMX)

    assert thanks.status_code == 200
    assert "Thank you for telling us" in thanks.content.decode()
    assert "hx-post" not in client.get(url(article), **HTMX).content.decode()


def test_without_script_the_widget_is_a_page_of_its_own(client, article):
    page = parse_html(client.get(url(article)).content)

    form = page.find("form", method="post", action=url(article))
    assert form is not None
    assert form.find("legend").text == "Was this helpful?"
    labels = {label.attrs.get("for") for label in form.find_all("label")}
    assert {"id_helpful_0", "id_helpful_1", "id_comment"} <= labels


def test_a_choice_is_required_and_a_long_comment_refused(client, member, article):
    client.force_login(member)

    missing = client.post(url(article), {"comment": "Hmm"})
    too_long = client.post(url(article), {"helpful": "no", "comment": "x" * 1001})

    assert missing.status_code == 400
    assert "Choose yes or no." in missing.content.decode()
    assert too_long.status_code == 400
    assert tallies(article) == (0, 0)
    assert not HelpfulVote.objects.exists()


def test_helpful_votes_count_against_the_members_vote_limit(client, member, staff, settings):
    settings.MODERATION_RATE_LIMITS = {"vote": {member.trust_level: [(1, 86_400)]}}
    first, second = build_article(staff), build_article(staff, question="Why is my hub offline?")
    client.force_login(member)
    client.post(url(first), {"helpful": "yes"})

    response = client.post(url(second), {"helpful": "yes"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert tallies(second) == (0, 0)
    assert not HelpfulVote.objects.filter(article=second).exists()


@pytest.mark.parametrize(
    ("visibility", "status"),
    [
        (Visibility.STAFF, Article.Status.PUBLISHED),
        (Visibility.PUBLIC, Article.Status.DRAFT),
        (Visibility.PUBLIC, Article.Status.ARCHIVED),
    ],
)
def test_an_article_a_member_may_not_read_is_not_there_for_them(client, member, staff, visibility, status):
    hidden = build_article(staff, visibility=visibility, status=status)
    client.force_login(member)

    assert client.get(url(hidden), **HTMX).status_code == 404
    assert client.post(url(hidden), {"helpful": "yes"}).status_code == 404
    assert tallies(hidden) == (0, 0)
    assert not HelpfulVote.objects.exists()


def test_a_members_only_article_is_not_there_for_a_visitor(client, staff):
    hidden = build_article(staff, visibility=Visibility.MEMBERS)

    assert client.post(url(hidden), {"helpful": "yes"}).status_code == 404
    assert not HelpfulVote.objects.exists()


def test_an_editor_reading_a_draft_cannot_rate_it(client, staff):
    editor = build_editor()
    draft = build_article(staff, status=Article.Status.DRAFT)
    client.force_login(editor)

    assert "hx-post" not in client.get(url(draft), **HTMX).content.decode()
    assert client.post(url(draft), {"helpful": "yes"}).status_code == 403
    assert tallies(draft) == (0, 0)


def test_a_suspended_member_cannot_rate(client, staff, article):
    suspended = build_member()
    sanctions.suspend(staff, member=suspended, until=timezone.now() + timedelta(days=1), reason="Cooling off.")
    client.force_login(suspended)

    assert client.post(url(article), {"helpful": "yes"}).status_code == 403
    assert tallies(article) == (0, 0)


def test_reviewers_see_the_least_helpful_articles_with_comments(client, staff, member, other_member):
    good = build_article(staff, question="How do I reset the hub?")
    bad = build_article(staff, question="Why do bulbs flicker?")
    for voter, target, helpful, comment in [
        (member, good, True, ""),
        (other_member, good, False, "Too short"),
        (member, bad, False, "Didn't mention dimmers"),
    ]:
        vote_helpful(voter, article=target, helpful=helpful, comment=comment)
    client.force_login(grant(build_member(is_staff_member=True), "review_faq"))

    page = client.get(reverse("faq:feedback"))

    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(bad.question) < html.index(good.question)
    assert "Didn&#x27;t mention dimmers" in html and "Too short" in html


def test_comments_are_escaped_for_staff(client, staff, member, article):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    vote_helpful(member, article=article, helpful=False, comment=hostile)
    client.force_login(build_editor())

    html = client.get(reverse("faq:feedback")).content.decode()

    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html


def test_the_feedback_list_is_for_the_faqs_editors_only(client, member, staff):
    assert client.get(reverse("faq:feedback")).status_code == 302
    client.force_login(member)
    assert client.get(reverse("faq:feedback")).status_code == 403
    client.force_login(staff)
    assert client.get(reverse("faq:feedback")).status_code == 403


def test_a_published_article_loads_the_helpful_question_and_a_draft_does_not(client, staff):
    published = build_article(staff, slug="published-one")
    draft = build_article(staff, slug="draft-one", status=Article.Status.DRAFT)
    helpful = reverse("faq:helpful", args=[published.pk])

    html = client.get(published.get_absolute_url()).content.decode()
    assert f'hx-get="{helpful}"' in html
    assert f'href="{helpful}"' in html  # without JavaScript, a link to the same question

    client.force_login(build_editor(username="ed"))
    assert reverse("faq:helpful", args=[draft.pk]) not in client.get(draft.get_absolute_url()).content.decode()
