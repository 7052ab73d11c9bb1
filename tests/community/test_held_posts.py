"""What a new member sees of their own held thread or reply, and the Follow button's state."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from community.models import Review, Thread
from tests.builders import build_member, build_reply, build_thread
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db

BODY = "My hub blinks red since the update."
NOTICE = "Only you and the moderators can see this thread until a moderator approves it."


@pytest.fixture
def newcomer(db):
    return build_member(username="nico", trust_level=0)


def page_for(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return parse_html(response.content)


def follow_button(page):
    return page.find("form", cls="follow-form").find("button")


def test_held_first_thread_shows_one_notice_and_its_body_once(client, newcomer, category):
    thread = build_thread(newcomer, category=category, title="Hub blinks red after update", body=BODY)
    assert thread.review == Review.PENDING

    page = page_for(client, newcomer, thread.get_absolute_url())

    notices = page.find_all(cls="held-notice")
    assert len(notices) == 1
    assert NOTICE in notices[0].text and "get a message saying why" in notices[0].text
    assert page.find("main").text.count(BODY) == 1
    assert page.find(id="pending-heading") is None  # the opening post is no pending reply
    assert "awaiting review" not in page.find("section", id="replies").text.lower()


def test_the_note_after_posting_a_held_thread_agrees_with_the_notice(client, newcomer, category):
    client.force_login(newcomer)

    response = client.post(
        reverse("community:start_thread"),
        {"category": category.pk, "kind": "question", "title": "Hub blinks red after update", "body": BODY},
        follow=True,
    )

    page = parse_html(response.content)
    assert Thread.objects.get().review == Review.PENDING
    assert "Thanks! Your thread is waiting for a moderator to approve it." in page.find(cls="messages").text
    assert NOTICE in page.find(cls="held-notice").text
    assert page.find("main").text.count(BODY) == 1


def test_moderators_see_the_held_thread_notice_about_its_author(client, newcomer, category, moderator):
    thread = build_thread(newcomer, category=category, title="Hub blinks red after update", body=BODY)

    page = page_for(client, moderator, thread.get_absolute_url())

    notice = page.find(cls="held-notice").text
    assert "Only its author and the moderators can see this thread" in notice
    assert "Only you" not in notice


def test_published_thread_shows_no_held_notice(client, member, question, other_member):
    for reader in (member, other_member):
        assert page_for(client, reader, question.get_absolute_url()).find(cls="held-notice") is None


def test_held_reply_appears_once_marked_awaiting_review(client, member, category, newcomer, other_member):
    question = build_thread(member, category=category, body="The bulb stays dark")
    held = build_reply(newcomer, question.opening_post, body="Secret sauce: hold the button.")
    assert held.review == Review.PENDING

    page = page_for(client, newcomer, question.get_absolute_url())

    assert page.find("main").text.count("Secret sauce: hold the button.") == 1
    assert page.find("main").text.count("The bulb stays dark") == 1
    post = page.find("article", id=f"post-{held.pk}")
    assert "Awaiting review" in post.find(cls="badge").text
    assert "Your reply is awaiting review" in page.find(id="pending-heading").text
    notice = page.find("section", cls="pending-posts").find(cls="held-notice").text
    assert "Only you and the moderators can see it until a moderator approves it." in notice
    assert len(page.find_all(id=f"post-{held.pk}")) == 1

    others = page_for(client, other_member, question.get_absolute_url())
    assert others.find(cls="pending-posts") is None and others.find(cls="held-notice") is None


def test_a_held_reply_appears_once_to_an_author_who_has_since_become_a_moderator(client, member, category, newcomer):
    from moderation.models import ModeratorRole
    from moderation.services.roles import sync_scope

    question = build_thread(member, category=category, body="The bulb stays dark")
    held = build_reply(newcomer, question.opening_post, body="Secret sauce: hold the button.")
    ModeratorRole.objects.create(user=newcomer, category=None)

    page = page_for(client, sync_scope(newcomer), question.get_absolute_url())

    assert page.find("main").text.count("Secret sauce: hold the button.") == 1
    assert len(page.find_all(id=f"post-{held.pk}")) == 1 and page.find(cls="pending-posts") is None


def test_the_note_after_a_held_reply_names_a_reply(client, question, newcomer):
    client.force_login(newcomer)

    response = client.post(
        reverse("community:reply", kwargs={"pk": question.opening_post.pk}), {"body": "Try the reset pin."}
    )

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Thanks! Your reply is waiting for a moderator to approve it."
    ]


def test_follow_button_says_following_on_first_render_and_after_each_toggle(client, question, other_member):
    url = question.get_absolute_url()
    follow = reverse("community:follow_thread", kwargs={"pk": question.pk})

    button = follow_button(page_for(client, other_member, url))
    assert (button.text, button.attrs["aria-pressed"]) == ("Follow", "false")

    button = follow_button(parse_html(client.post(follow, {"on": "1"}, follow=True).content))
    assert (button.text, button.attrs["aria-pressed"]) == ("Following", "true")
    assert question.subscriptions.filter(user=other_member).exists()

    button = follow_button(parse_html(client.post(follow, {"on": "0"}, follow=True).content))
    assert (button.text, button.attrs["aria-pressed"]) == ("Follow", "false")


def test_a_thread_starter_already_follows_their_thread(client, member, question, other_member):
    button = follow_button(page_for(client, member, question.get_absolute_url()))
    assert (button.text, button.attrs["aria-pressed"]) == ("Following", "true")

    # The shared rendering the starter's page came from carries nobody's follow state.
    button = follow_button(page_for(client, other_member, question.get_absolute_url()))
    assert (button.text, button.attrs["aria-pressed"]) == ("Follow", "false")


def test_category_follow_button_says_following(client, member, category):
    from community.services.subscriptions import follow_category

    follow_category(member, category=category)
    page = page_for(client, member, category.get_absolute_url())

    button = page.find("form", action=f"/c/{category.slug}/follow/").find("button")
    assert button.text.startswith("Following") and button.attrs["aria-pressed"] == "true"
