"""The bell, the list, mark read, the settings page and muting, for the right and the wrong actor."""

import pytest
from django.urls import reverse

from community import caching
from community.models import Subscription
from community.services import subscriptions
from notifications import services
from notifications.emails import REQUIRED_KINDS
from notifications.models import Kind, MutedMember, Notification, Preference
from tests.builders import build_member, build_reply, build_thread
from tests.helpers import parse_html

VISITOR, OWNER, OTHER, MODERATOR, STAFF = "visitor", "owner", "other", "moderator", "staff"
ACTORS = (VISITOR, OWNER, OTHER, MODERATOR, STAFF)


@pytest.fixture
def answered(after_commit, member, other_member, question):
    """Maria's question, answered by Olaf: Maria has one unread notification."""
    return after_commit(build_reply, other_member, question.opening_post)


def state() -> list:
    return [
        sorted(Notification.objects.values_list("pk", "recipient_id", "read_at")),
        sorted(Preference.objects.values_list("user_id", "kind", "in_app", "email")),
        sorted(Subscription.objects.values_list("user_id", "thread_id", "category_id", "level")),
        sorted(MutedMember.objects.values_list("user_id", "muted_id")),
    ]


@pytest.fixture
def actors(member, other_member, moderator, staff):
    return {VISITOR: None, OWNER: member, OTHER: other_member, MODERATOR: moderator, STAFF: staff}


def signed_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


# The bell -------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count(client, member, answered):
    page = parse_html(signed_in(client, member).get(reverse("home")).content)

    bell = page.find("a", cls="bell")
    assert bell.find("span", cls="bell-count").text == "1"
    assert "1 unread" in bell.find("span", cls="visually-hidden").text


def test_the_bell_shows_no_count_when_all_is_read(client, member, answered):
    services.mark_all_read(member)

    page = parse_html(signed_in(client, member).get(reverse("home")).content)

    assert page.find("a", cls="bell").find("span", cls="bell-count") is None


def bell_count(client) -> str | None:
    count = parse_html(client.get(reverse("home")).content).find("a", cls="bell").find("span", cls="bell-count")
    return None if count is None else count.text


def test_the_bells_count_is_read_once_and_follows_every_change(
    after_commit, client, member, other_member, question, django_assert_num_queries
):
    signed_in(client, member)
    assert bell_count(client) is None
    with django_assert_num_queries(1):  # the member's row: the count is remembered
        assert bell_count(client) is None

    after_commit(build_reply, other_member, question.opening_post)
    assert bell_count(client) == "1"
    after_commit(build_reply, build_member(), question.opening_post)
    assert bell_count(client) == "2"

    after_commit(services.mark_read, member, notification=Notification.objects.filter(recipient=member).first())
    assert bell_count(client) is None
    after_commit(build_thread, other_member, category=question.category, body="@maria have a look")
    assert bell_count(client) == "1"
    after_commit(services.mark_all_read, member)
    assert bell_count(client) is None


def test_another_members_news_leaves_the_bells_count_alone(after_commit, client, member, other_member, question):
    signed_in(client, member)
    bell_count(client)
    version = caching.member_version(caching.INBOX, member.pk)

    after_commit(build_thread, member, category=question.category, body="@olaf what do you think?")

    assert Notification.objects.filter(recipient=other_member).exists()
    assert caching.member_version(caching.INBOX, member.pk) == version


def test_a_visitor_has_no_bell(client, answered):
    page = parse_html(client.get(reverse("home")).content)

    assert page.find("a", cls="bell") is None


# The list -------------------------------------------------------------------------


def test_several_replies_to_one_thread_are_one_line_linking_to_the_first(after_commit, client, member, question):
    first = after_commit(build_reply, build_member(), question.opening_post, "Try the reset button.")
    for _ in range(2):
        after_commit(build_reply, build_member(), question.opening_post, "Same here.")
    other = after_commit(build_thread, build_member(), category=question.category, body="@maria what do you think?")

    page = parse_html(signed_in(client, member).get(reverse("notifications:list")).content)

    lines = page.find_all("li", cls="notification")
    assert len(lines) == 2
    assert "mentioned you" in lines[0].text
    assert "3 new replies in" in lines[1].text
    assert lines[1].find("a", cls="notification-link").attrs["href"] == (
        f"{question.get_absolute_url()}#post-{first.pk}"
    )
    assert other.opening_post_id


def test_notification_text_is_escaped(after_commit, client, member, category):
    hostile = build_member(username="mallory", display_name="<img src=x onerror=alert(1)>")
    thread = build_thread(member, category=category, title="<script>alert('t')</script> pairing")
    after_commit(build_reply, hostile, thread.opening_post, "hi")

    body = signed_in(client, member).get(reverse("notifications:list")).content.decode()

    assert "<script>alert('t')</script>" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt; pairing" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_the_list_is_paginated(settings, after_commit, client, member, category):
    settings.NOTIFICATIONS_PER_PAGE = 2
    author = build_member()
    for n in range(3):
        after_commit(build_thread, author, category=category, title=f"Thread {n}", body="@maria look")

    first = parse_html(signed_in(client, member).get(reverse("notifications:list")).content)
    second = parse_html(client.get(reverse("notifications:list") + "?page=2").content)

    assert len(first.find_all("li", cls="notification")) == 2
    assert len(second.find_all("li", cls="notification")) == 1
    assert first.find("a", rel="next") is not None


def test_the_list_needs_a_member(client):
    response = client.get(reverse("notifications:list"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_list_costs_a_constant_number_of_queries(
    after_commit, client, member, question, django_assert_max_num_queries
):
    for _ in range(5):
        after_commit(build_reply, build_member(), question.opening_post)
    after_commit(build_thread, build_member(), category=question.category, body="@maria look")
    signed_in(client, member)

    # Session and user, the bell, the page's count and lines, their notifications with actors and threads.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("notifications:list"))

    assert response.status_code == 200


# Mark read ------------------------------------------------------------------------


def test_mark_read_marks_the_whole_line(after_commit, client, member, question):
    for _ in range(2):
        after_commit(build_reply, build_member(), question.opening_post)
    note = Notification.objects.filter(recipient=member).first()

    response = signed_in(client, member).post(reverse("notifications:mark_read", args=[note.pk]))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=member, read_at=None).exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_mark_read_matrix(client, actors, actor, member, answered):
    note = Notification.objects.get(recipient=member)
    before = state()

    response = signed_in(client, actors[actor]).post(reverse("notifications:mark_read", args=[note.pk]))

    if actor == OWNER:
        assert response.status_code == 302
        assert Notification.objects.get(pk=note.pk).read_at is not None
    else:
        assert response.status_code in (302, 404)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login"))
        assert state() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_mark_all_read_matrix(client, actors, actor, member, answered):
    before = state()

    response = signed_in(client, actors[actor]).post(reverse("notifications:mark_all_read"))

    assert response.status_code == 302
    if actor == OWNER:
        assert not Notification.objects.filter(read_at=None).exists()
    else:
        # Everyone else's own notifications (none here): the owner's stay unread.
        assert state() == before
        if actor == VISITOR:
            assert response["Location"].startswith(reverse("account_login"))


def test_mark_read_needs_post_and_the_csrf_token(member, answered):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    note = Notification.objects.get(recipient=member)

    assert client.get(reverse("notifications:mark_read", args=[note.pk])).status_code == 405
    assert client.post(reverse("notifications:mark_read", args=[note.pk])).status_code == 403
    assert Notification.objects.get(pk=note.pk).read_at is None


# Preferences, watch levels and muting ----------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_preferences_matrix(client, actors, actor):
    before = state()

    response = signed_in(client, actors[actor]).post(reverse("notifications:preferences"), {"reply_in_app": "on"})

    assert response.status_code == 302
    if actor == VISITOR:
        assert response["Location"].startswith(reverse("account_login")) and state() == before
    else:
        saved = dict(Preference.objects.filter(user=actors[actor]).values_list("kind", "email"))
        # A sanction's notice is emailed whatever the member chooses; the form shows its box ticked and fixed.
        assert len(saved) == len(Kind) and not any(v for kind, v in saved.items() if kind not in REQUIRED_KINDS)


def test_turning_a_kind_off_stops_it(after_commit, client, member, other_member, question):
    signed_in(client, member).post(reverse("notifications:preferences"), {})

    after_commit(build_reply, other_member, question.opening_post)

    assert not Notification.objects.filter(recipient=member).exists()


def test_the_preferences_page_labels_every_checkbox(client, member, category):
    page = parse_html(signed_in(client, member).get(reverse("notifications:preferences")).content)

    boxes = page.find_all("input", type="checkbox")
    labels = {label.attrs.get("for") for label in page.find_all("label")}
    assert len(boxes) == 2 * len(Kind)
    assert all(box.attrs["id"] in labels for box in boxes)
    assert page.find("select", id=f"category-level-{category.pk}") is not None


@pytest.mark.parametrize("actor", ACTORS)
def test_watch_level_matrix(client, actors, actor, question):
    before = state()

    response = signed_in(client, actors[actor]).post(
        reverse("notifications:watch"), {"thread": question.pk, "level": Subscription.Level.MUTED}
    )

    assert response.status_code == 302
    if actor == VISITOR:
        assert response["Location"].startswith(reverse("account_login")) and state() == before
    else:
        assert Subscription.objects.get(user=actors[actor], thread=question).level == Subscription.Level.MUTED


def test_watching_a_thread_one_cannot_see_is_not_found(client, other_member, category):
    held = build_thread(build_member(trust_level=0), category=category)
    before = state()

    response = signed_in(client, other_member).post(
        reverse("notifications:watch"), {"thread": held.pk, "level": Subscription.Level.WATCHING}
    )

    assert response.status_code == 404 and state() == before


def test_a_bad_watch_level_is_refused_with_a_message(client, member, question):
    subscriptions.follow_thread(member, thread=question)
    before = state()

    response = signed_in(client, member).post(reverse("notifications:watch"), {"thread": question.pk, "level": "loud"})

    assert response.status_code == 302 and state() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_mute_matrix(client, actors, actor, other_member):
    before = state()

    response = signed_in(client, actors[actor]).post(reverse("notifications:mute", args=[other_member.username]))

    assert response.status_code == 302
    if actor == VISITOR:
        assert response["Location"].startswith(reverse("account_login")) and state() == before
    elif actor == OTHER:
        # Muting oneself is refused with a message, and changes nothing.
        assert state() == before
    else:
        assert MutedMember.objects.filter(user=actors[actor], muted=other_member).exists()


def test_muting_an_unknown_member_is_not_found(client, member):
    response = signed_in(client, member).post(reverse("notifications:mute", args=["nobody-here"]))

    assert response.status_code == 404 and not MutedMember.objects.exists()


def test_the_profile_offers_mute_and_then_unmute(client, member, other_member):
    signed_in(client, member)
    profile = other_member.get_absolute_url()

    page = parse_html(client.get(profile).content)
    assert page.find("form", action=reverse("notifications:mute", args=[other_member.username])) is not None

    client.post(reverse("notifications:mute", args=[other_member.username]))
    page = parse_html(client.get(profile).content)
    assert page.find("form", action=reverse("notifications:unmute", args=[other_member.username])) is not None


def test_ones_own_profile_has_no_mute_button(client, member):
    page = parse_html(signed_in(client, member).get(member.get_absolute_url()).content)

    assert page.find("form", action=reverse("notifications:mute", args=[member.username])) is None
