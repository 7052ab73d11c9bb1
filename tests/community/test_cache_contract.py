"""The cache contract: every service that changes what a page shows changes that page's key, and the next render
shows the change, for visitors and members alike; a change that a page does not show leaves its key alone."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from accounts import services as accounts_services
from community import caching, events
from community.models import Category, Thread
from community.services import posts, threads, votes
from moderation.services import flags, queue
from moderation.services import threads as moderation_threads
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db


@dataclass
class World:
    asker: Any
    helper: Any
    moderator: Any
    staff: Any
    lights: Any
    hubs: Any
    question: Thread
    answer: Any
    idea: Thread


@pytest.fixture
def world(member, other_member, staff):
    lights, hubs = build_category(name="Lights"), build_category(name="Hubs")
    question = build_thread(member, category=lights, title="Why does my bulb hum at night?", body="A faint hum.")
    answer = build_reply(other_member, question.opening_post, body="A dimmer that is not rated for LEDs hums.")
    idea = build_thread(other_member, category=hubs, kind="idea", title="Let the hub dim every bulb at sunset")
    return World(member, other_member, build_moderator(username="mod"), staff, lights, hubs, question, answer, idea)


def rename_category(category, name):
    """What the admin does when a category is saved (community.admin)."""
    with transaction.atomic():
        Category.objects.filter(pk=category.pk).update(name=name)
        events.publish(events.CategoryChanged(category_id=category.pk, parent_ids=()))


def thread_key(thread):
    return ("thread", Thread.objects.get(pk=thread.pk).version)


def list_key(category=None):
    return ("list", caching.list_version(category.slug if category else None))


# Each case: what the service does, the page that must change, its key, and what the next render shows.
CASES = {
    "reply": (
        lambda w: build_reply(w.staff, w.answer, body="Swap in a trailing-edge dimmer"),
        lambda w: w.question.get_absolute_url(),
        lambda w: thread_key(w.question),
        "Swap in a trailing-edge dimmer",
    ),
    "reply shows in the category list": (
        lambda w: build_reply(w.staff, w.question.opening_post, body="Same here"),
        lambda w: reverse("community:category", args=[w.lights.slug]),
        lambda w: list_key(w.lights),
        "last reply by Tess Nakamura",
    ),
    "edit": (
        lambda w: posts.edit_post(w.helper, post=w.answer, body="A dimmer meant for old bulbs hums with LEDs."),
        lambda w: w.question.get_absolute_url(),
        lambda w: thread_key(w.question),
        "meant for old bulbs",
    ),
    "removal": (
        lambda w: posts.delete_post(w.helper, post=w.answer),
        lambda w: w.question.get_absolute_url(),
        lambda w: thread_key(w.question),
        "!A dimmer that is not rated for LEDs hums.",
    ),
    "accepted answer": (
        lambda w: posts.accept_answer(w.asker, post=w.answer),
        lambda w: w.question.get_absolute_url(),
        lambda w: thread_key(w.question),
        "Accepted answer",
    ),
    "accepted answer shows on the home list": (
        lambda w: posts.accept_answer(w.asker, post=w.answer),
        lambda w: reverse("home"),
        lambda w: list_key(),
        "Answered",
    ),
    "helpful vote": (
        lambda w: votes.mark_helpful(w.asker, post=w.answer),
        lambda w: w.question.get_absolute_url(),
        lambda w: thread_key(w.question),
        '<span class="visually-hidden">(</span>1<span class="visually-hidden">)</span>',
    ),
    "idea vote": (
        lambda w: votes.vote_idea(w.asker, thread=w.idea),
        lambda w: w.idea.get_absolute_url(),
        lambda w: thread_key(w.idea),
        "<dt>Votes</dt><dd>1</dd>",
    ),
    "idea status": (
        lambda w: threads.set_idea_status(w.staff, thread=w.idea, status="planned", note="Coming soon."),
        lambda w: reverse("community:category", args=[w.hubs.slug]),
        lambda w: list_key(w.hubs),
        "Planned",
    ),
    "lock": (
        lambda w: moderation_threads.lock_thread(w.moderator, thread=w.question),
        lambda w: w.question.get_absolute_url(),
        lambda w: thread_key(w.question),
        "badge-locked",
    ),
    "rename": (
        lambda w: moderation_threads.rename_thread(w.moderator, thread=w.question, title="Humming LED bulbs"),
        lambda w: reverse("home"),
        lambda w: list_key(),
        "Humming LED bulbs",
    ),
    "move": (
        lambda w: moderation_threads.move_thread(w.moderator, thread=w.question, category=w.hubs),
        lambda w: reverse("community:category", args=[w.hubs.slug]),
        lambda w: list_key(w.hubs),
        "Why does my bulb hum at night?",
    ),
    "new thread": (
        lambda w: build_thread(w.helper, category=w.lights, title="Which bulbs survive a bathroom?"),
        lambda w: reverse("community:category", args=[w.lights.slug]),
        lambda w: list_key(w.lights),
        "Which bulbs survive a bathroom?",
    ),
    "a writer's new name, on a page they wrote in": (
        lambda w: accounts_services.update_profile(w.helper, display_name="Dimmer Doctor", bio=""),
        lambda w: w.question.get_absolute_url(),
        lambda w: thread_key(w.question),
        "Dimmer Doctor",
    ),
    "a category renamed, on its threads' pages": (
        lambda w: rename_category(w.lights, "Lighting and lamps"),
        lambda w: w.question.get_absolute_url(),
        lambda w: thread_key(w.question),
        "Lighting and lamps",
    ),
    "hidden by a moderator": (
        lambda w: queue.hide_post(
            w.moderator, item=flags.flag_post(w.asker, post=w.answer, reason="spam").item, reason="Spam"
        ),
        lambda w: w.question.get_absolute_url(),
        lambda w: thread_key(w.question),
        "!A dimmer that is not rated for LEDs hums.",
    ),
}


@pytest.mark.parametrize("reader", ["visitor", "member"])
@pytest.mark.parametrize("case", CASES)
def test_a_change_gives_its_page_a_new_key_and_the_next_render_shows_it(
    client, world, reader, case, django_capture_on_commit_callbacks
):
    act, url_of, key_of, shown = CASES[case]
    if reader == "member":
        client.force_login(build_member(username="reader"))
    url = url_of(world)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # now served from the cache
    before = key_of(world)

    with django_capture_on_commit_callbacks(execute=True):
        act(world)

    assert key_of(world) != before
    html = client.get(url).content.decode()
    if shown.startswith("!"):
        assert shown[1:] not in html
    else:
        assert shown in html


def test_a_helpful_vote_leaves_every_list_alone(world, django_capture_on_commit_callbacks):
    lists = (list_key(), list_key(world.lights), list_key(world.hubs))

    with django_capture_on_commit_callbacks(execute=True):
        votes.mark_helpful(world.asker, post=world.answer)

    assert (list_key(), list_key(world.lights), list_key(world.hubs)) == lists


def test_a_reply_in_one_category_leaves_another_categorys_page_alone(world, django_capture_on_commit_callbacks):
    hubs = list_key(world.hubs)

    with django_capture_on_commit_callbacks(execute=True):
        build_reply(world.staff, world.question.opening_post, body="Lights only")

    assert list_key(world.hubs) == hubs
    assert list_key(world.lights) != list_key(world.hubs)


def test_a_subcategorys_change_reaches_its_parents_page(world, django_capture_on_commit_callbacks):
    bulbs = build_category(name="Bulbs", parent=world.lights)
    parent = list_key(world.lights)

    with django_capture_on_commit_callbacks(execute=True):
        build_thread(world.helper, category=bulbs, title="Filament bulbs and dimmers")

    assert list_key(world.lights) != parent


@pytest.mark.parametrize("reader", ["visitor", "member"])
def test_a_spam_clean_up_and_its_undo_each_reach_the_cached_thread_page(
    client, world, reader, django_capture_on_commit_callbacks
):
    from moderation.services import spam

    if reader == "member":
        client.force_login(build_member(username="reader"))
    url, text = world.question.get_absolute_url(), "A dimmer that is not rated for LEDs hums."
    assert text in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        spam.purge_spammer(world.moderator, member=world.helper, reason="Spam")
    assert text not in client.get(url).content.decode()
    before = thread_key(world.question)

    with django_capture_on_commit_callbacks(execute=True):
        spam.unpurge_spammer(world.moderator, member=world.helper, reason="A mistake")

    assert thread_key(world.question) != before
    assert text in client.get(url).content.decode()
