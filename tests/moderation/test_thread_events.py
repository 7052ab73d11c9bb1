"""Moderators' thread actions go through one entry point that checks, acts, audits and publishes."""

import pytest
from django.core.management import call_command

from community.management.commands.seed_demo import pinned_titles
from community.models import Thread
from community.services import threads as community_threads
from moderation.models import AuditEntry
from moderation.services import threads as moderation_threads
from outbox.models import Event
from tests.builders import build_category, build_reply, build_thread

pytestmark = pytest.mark.django_db


def changes(thread):
    return [
        (e.payload["action"], tuple(e.payload["categories"]), e.payload["other_thread_id"])
        for e in Event.objects.filter(type="ThreadChanged", payload__thread_id=thread.pk).order_by("created_at")
    ]


def audited(thread):
    return list(
        AuditEntry.objects.filter(target_type="thread", target_id=thread.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_lock_close_and_pin_are_audited_and_published(moderator, question):
    moderation_threads.lock_thread(moderator, thread=question, reason="Heated")
    moderation_threads.unlock_thread(moderator, thread=question)
    moderation_threads.close_thread(moderator, thread=question)
    moderation_threads.reopen_thread(moderator, thread=question)
    moderation_threads.pin_thread(moderator, thread=question)
    moderation_threads.unpin_thread(moderator, thread=question)

    cat = (question.category_id,)
    assert changes(question) == [
        ("locked", cat, None),
        ("unlocked", cat, None),
        ("closed", cat, None),
        ("reopened", cat, None),
        ("pinned", cat, None),
        ("unpinned", cat, None),
    ]
    assert audited(question) == ["thread_state"] * 4 + ["thread_pinned"] * 2


def test_community_offers_no_unaudited_way_to_lock_or_pin():
    assert not hasattr(community_threads, "set_thread_state")
    assert not hasattr(community_threads, "set_pinned")


def test_move_rename_merge_split_and_duplicate_publish_what_followers_need(moderator, member, other_member, question):
    elsewhere = build_category(name="Elsewhere", slug="elsewhere")
    other = build_thread(other_member, category=question.category, title="The hub blinks red after an update")
    reply = build_reply(other_member, question.opening_post, body="Mine does this too, after the update.")

    moderation_threads.move_thread(moderator, thread=question, category=elsewhere)
    moderation_threads.rename_thread(moderator, thread=question, title="The hub forgets its network overnight")
    new = moderation_threads.split_thread(moderator, post=reply, title="Blinking after the update")
    moderation_threads.mark_duplicate(moderator, thread=new, original=other)
    moderation_threads.merge_threads(moderator, thread=new, into=other)

    assert changes(question) == [
        ("moved", (other.category_id, elsewhere.pk), None),
        ("renamed", (elsewhere.pk,), None),
        ("split", tuple({elsewhere.pk}), new.pk),
    ]
    assert changes(new) == [
        ("marked_duplicate", (elsewhere.pk,), other.pk),
        ("merged", tuple({elsewhere.pk, other.category_id}), other.pk),
    ]
    assert audited(question) == ["thread_moved", "thread_renamed", "thread_split"]


def test_refused_action_publishes_and_audits_nothing(member, question):
    with pytest.raises(Exception, match="moderate"):
        moderation_threads.lock_thread(member, thread=question)

    assert changes(question) == []
    assert audited(question) == []
    question.refresh_from_db()
    assert question.state == Thread.State.OPEN


def test_demo_pins_go_through_the_audited_path():
    call_command("seed_demo", verbosity=0)

    pinned = Thread.objects.filter(is_pinned=True)
    assert sorted(pinned.values_list("title", flat=True)) == sorted(pinned_titles())
    for thread in pinned:
        assert audited(thread) == ["thread_pinned"]
