"""A muted thread or category is one the member asked to hear nothing of: it is not one they follow."""

import pytest
from django.urls import reverse

from community import selectors
from community.models import Subscription
from moderation.services.threads import merge_threads
from notifications import services
from tests.builders import build_thread
from tests.helpers import parse_html

pytestmark = pytest.mark.django_db


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return parse_html(response.content)


def thread_button(client, user, thread):
    return page(client, user, thread.get_absolute_url()).find("form", cls="follow-form").find("button")


def category_button(client, user, category):
    html = page(client, user, category.get_absolute_url())
    return html.find("form", action=reverse("community:follow_category", args=[category.slug])).find("button")


def test_a_muted_thread_shows_follow_not_following(client, member, question):
    # The asker follows their own question; muting it stops that.
    assert thread_button(client, member, question).attrs["aria-pressed"] == "true"

    services.set_watch_level(member, level=Subscription.Level.MUTED, thread=question)

    button = thread_button(client, member, question)
    assert (button.text.strip(), button.attrs["aria-pressed"]) == ("Follow", "false")


def test_following_a_muted_thread_watches_it_again(client, member, question):
    services.set_watch_level(member, level=Subscription.Level.MUTED, thread=question)
    client.force_login(member)

    client.post(reverse("community:follow_thread", args=[question.pk]), {"on": "1"})

    assert Subscription.objects.get(user=member, thread=question).level == Subscription.Level.WATCHING
    assert thread_button(client, member, question).attrs["aria-pressed"] == "true"


def test_a_tracked_thread_still_shows_following(client, member, question):
    services.set_watch_level(member, level=Subscription.Level.TRACKING, thread=question)

    assert thread_button(client, member, question).attrs["aria-pressed"] == "true"


def test_the_following_list_leaves_out_muted_threads(member, category, question):
    other = build_thread(member, category=category, title="Which hub should I buy?")
    services.set_watch_level(member, level=Subscription.Level.MUTED, thread=question)

    listed = list(selectors.thread_list(member, filter_name="following").values_list("pk", flat=True))

    assert listed == [other.pk]


def test_a_muted_category_shows_follow_not_following(client, member, category):
    services.set_watch_level(member, level=Subscription.Level.MUTED, category=category)

    button = category_button(client, member, category)
    assert button.attrs["aria-pressed"] == "false"
    assert button.text.strip().startswith("Follow") and not button.text.strip().startswith("Following")


def test_a_watched_category_shows_following(client, member, category):
    services.set_watch_level(member, level=Subscription.Level.WATCHING, category=category)

    assert category_button(client, member, category).attrs["aria-pressed"] == "true"


def test_a_merge_keeps_each_followers_level_and_leaves_muters_out(member, other_member, staff, category, question):
    into = build_thread(staff, category=category, title="Pairing bulbs, all in one place")
    services.set_watch_level(other_member, level=Subscription.Level.TRACKING, thread=question)
    muter = question.author
    services.set_watch_level(muter, level=Subscription.Level.MUTED, thread=question)

    merge_threads(staff, thread=question, into=into)

    levels = dict(Subscription.objects.filter(thread=into).values_list("user_id", "level"))
    assert levels.get(other_member.pk) == Subscription.Level.TRACKING
    assert muter.pk not in levels
