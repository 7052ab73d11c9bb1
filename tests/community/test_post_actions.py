"""A post's actions page: its tools as plain forms, for readers without JavaScript.

The whole matrix of actors and posts is in tests/test_permission_matrix.py; these are the
page's own behaviours, the links to it from the shared page, and the times the pages print.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from community import caching, selectors
from community.models import HelpfulVote, Post, Review, Thread
from community.services import posts, votes
from community.services.review import set_review
from moderation.services import sanctions
from moderation.services.threads import lock_thread
from tests.builders import build_member, build_reply

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 3, 21, 5, tzinfo=UTC)


def actions_url(post) -> str:
    return reverse("community:post_actions", kwargs={"pk": post.pk})


def forms(page: str) -> list[str]:
    """The actions of the page's POST forms, inside <main> (the account menu's sign-out form is not one of them)."""
    main = page.split('<main id="main"', 1)[1]
    return re.findall(r'<form method="post" action="([^"]+)"', main)


def article(page: str, post) -> str:
    return page.split(f'id="post-{post.pk}"', 1)[1].split("</article>", 1)[0]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def suspended(staff, question):
    member = build_member(username="sam")
    build_reply(member, question.opening_post, body="Written before the suspension.")
    sanctions.suspend(staff, member=member, until=timezone.now() + timedelta(days=3), reason="Cooling off.")
    member.refresh_from_db()
    return member


# The page --------------------------------------------------------------------


def test_visitor_is_asked_to_sign_in_and_gets_no_form(client, answer):
    response = client.get(actions_url(answer))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Hold the button for five seconds." in page and "Sign in to take part" in page
    assert f"{reverse('account_login')}?next={actions_url(answer)}" in page.replace("%2F", "/")
    assert forms(page) == [] and "csrfmiddlewaretoken" not in page


def test_member_gets_helpful_reply_and_flag_on_someone_elses_answer(client, answer):
    client.force_login(build_member(username="lena"))

    page = client.get(actions_url(answer)).content.decode()

    assert forms(page) == [f"/posts/{answer.pk}/helpful/", f"/posts/{answer.pk}/reply/"]
    assert f'href="/posts/{answer.pk}/flag/"' in page
    assert f'href="/posts/{answer.pk}/edit/"' not in page and "/mod/posts/" not in page
    assert 'name="on" value="1"' in page and "Mark as helpful" in page


def test_a_member_who_voted_is_offered_taking_it_back(client, answer):
    reader = build_member(username="lena")
    votes.mark_helpful(reader, post=answer)
    client.force_login(reader)

    page = client.get(actions_url(answer)).content.decode()

    assert 'name="on" value="0"' in page and "Take back your helpful vote" in page


def test_question_author_accepts_and_then_may_unaccept(client, member, question, answer):
    client.force_login(member)
    assert f"/posts/{answer.pk}/accept/" in forms(client.get(actions_url(answer)).content.decode())

    posts.accept_answer(member, post=answer)
    page = client.get(actions_url(answer)).content.decode()

    assert f"/t/{question.pk}/unaccept/" in forms(page) and f"/posts/{answer.pk}/accept/" not in forms(page)


def test_author_edits_and_removes_their_own_post_but_cannot_vote_on_it(client, other_member, answer):
    client.force_login(other_member)

    page = client.get(actions_url(answer)).content.decode()

    assert forms(page) == [f"/posts/{answer.pk}/delete/", f"/posts/{answer.pk}/reply/"]
    assert f'href="/posts/{answer.pk}/edit/"' in page
    assert f"/posts/{answer.pk}/flag/" not in page


def test_staff_verify_and_moderate_through_the_moderation_tools(client, staff, answer):
    client.force_login(staff)

    page = client.get(actions_url(answer)).content.decode()

    assert f"/posts/{answer.pk}/verify/" in forms(page) and f"/posts/{answer.pk}/accept/" in forms(page)
    assert f'href="/mod/posts/{answer.pk}/edit/"' in page and f'href="/mod/posts/{answer.pk}/remove/"' in page


def test_moderator_sees_a_held_post_with_no_flag_or_vote(client, moderator, answer):
    held = set_review(answer, review=Review.PENDING)
    client.force_login(moderator)

    page = client.get(actions_url(held)).content.decode()

    assert forms(page) == [f"/posts/{held.pk}/reply/"]
    assert f"/posts/{held.pk}/flag/" not in page and f'href="/mod/posts/{held.pk}/remove/"' in page


def test_held_and_hidden_posts_are_not_there_for_other_members(client, answer):
    client.force_login(build_member(username="lena"))
    for review in (Review.PENDING, Review.HIDDEN):
        post = set_review(answer, review=review)

        assert client.get(actions_url(post)).status_code == 404


def test_suspended_member_is_told_why_and_offered_nothing(client, suspended, question):
    own = Post.objects.get(author=suspended)
    client.force_login(suspended)

    for post in (own, question.opening_post):
        page = client.get(actions_url(post)).content.decode()

        assert "You are suspended until" in page
        assert forms(page) == [] and f"/posts/{post.pk}/flag/" not in page and f"/posts/{post.pk}/edit/" not in page


def test_locked_thread_tells_its_author_why_there_is_no_reply(client, member, moderator, question, answer):
    lock_thread(moderator, thread=question)
    client.force_login(member)

    page = client.get(actions_url(answer)).content.decode()

    assert "This thread is locked." in page
    assert f"/posts/{answer.pk}/reply/" not in forms(page)


def test_removed_post_offers_nothing(client, other_member, answer):
    posts.delete_post(other_member, post=answer)
    client.force_login(other_member)

    page = client.get(actions_url(answer)).content.decode()

    assert "This post was removed." in page and forms(page) == []


# The forms' routes answer a page without JavaScript ---------------------------


def test_helpful_without_htmx_goes_back_to_the_post_with_a_message(client, question, answer):
    reader = build_member(username="lena")
    client.force_login(reader)

    response = client.post(reverse("community:helpful", kwargs={"pk": answer.pk}), {"on": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#post-{answer.pk}"
    assert messages_of(response) == ["Marked as helpful."]
    assert HelpfulVote.objects.filter(voter=reader, post=answer).exists()


def test_reply_from_the_actions_page_goes_to_the_new_post_with_a_message(client, question, answer):
    client.force_login(build_member(username="lena"))

    response = client.post(reverse("community:reply", kwargs={"pk": answer.pk}), {"body": "Same here."})

    reply = Post.objects.get(parent=answer)
    assert response["Location"] == f"{question.get_absolute_url()}#post-{reply.pk}"
    assert messages_of(response) == ["Your reply is posted."]


# The shared page links every post to its actions ------------------------------


def test_shared_replies_link_every_shown_post_to_its_actions_and_carry_no_csrf_token(
    client, member, other_member, question, answer
):
    nested = build_reply(member, answer, body="Thanks!")
    removed = build_reply(other_member, question.opening_post, body="Posted twice.")
    posts.delete_post(other_member, post=removed)
    hidden = set_review(build_reply(other_member, question.opening_post, body="Rude."), review=Review.HIDDEN)
    thread = selectors.get_thread(member, question.pk)

    html = str(
        caching.reply_fragment(
            thread, "votes:1", lambda moderator: selectors.reply_page(thread, moderator=moderator), moderator=False
        )["html"]
    )

    for post in (answer, nested):
        assert f'<a class="action-button post-more" href="/posts/{post.pk}/actions/">' in html
    for post in (removed, hidden):
        assert f"/posts/{post.pk}/actions/" not in html
    assert "csrfmiddlewaretoken" not in html
    assert f'Actions<span class="visually-hidden"> on {other_member.name}\u2019s reply of' in html


def test_shared_thread_page_links_the_opening_post_and_stores_no_csrf_token(client, member, question, answer):
    client.force_login(build_member(username="lena"))

    page = client.get(question.get_absolute_url()).content.decode()

    version = Thread.objects.get(pk=question.pk).version
    pieces = cache.get(caching.shared_key(f"thread:{question.pk}:{version}:votes:1"))
    shared = b"".join(pieces[::2]).decode()
    for post in (question.opening_post, answer):
        assert f'href="/posts/{post.pk}/actions/"' in shared and f'href="/posts/{post.pk}/actions/"' in page
    assert "csrfmiddlewaretoken" not in shared
    assert f"on {member.name}\u2019s post of" in shared


# Times -------------------------------------------------------------------------


@pytest.mark.counters_unchecked  # the times are set by hand
def test_times_are_written_as_absolute_dates_in_both_template_engines(client, settings, member, question, answer):
    settings.TIME_ZONE = "UTC"
    Post.objects.filter(pk__in=[question.opening_post_id, answer.pk]).update(created_at=MOMENT)
    Thread.objects.filter(pk=question.pk).update(created_at=MOMENT, last_activity_at=MOMENT)
    stamp = '<time datetime="2026-12-03T21:05:00+00:00">3 Dec 2026, 21:05</time>'

    thread_page = client.get(question.get_absolute_url()).content.decode()
    home = client.get("/").content.decode()
    client.force_login(member)
    reply_page = client.get(reverse("community:reply", kwargs={"pk": answer.pk})).content.decode()
    actions_page = client.get(actions_url(answer)).content.decode()

    # The opening post is written by Django's engine and the replies by Jinja2's: the same text.
    opening, reply = article(thread_page, question.opening_post), article(thread_page, answer)
    for html in (opening, reply, home, reply_page, actions_page):
        assert stamp in html
    assert re.search(r"<time[^>]*>[^<]*\bago\b", thread_page + home + reply_page) is None
