"""News of a moderator's thread actions for the thread's followers, and of the conversations with the team."""

import pytest
from django.core import mail
from django.urls import reverse

from community.models import Subscription
from moderation.services import feedback
from moderation.services import threads as thread_actions
from notifications import selectors
from notifications.models import Kind, Notification
from tests.builders import build_category, build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db


def told(user, kind=None) -> list[tuple[str, int | None, str]]:
    notes = Notification.objects.filter(recipient=user).order_by("pk")
    if kind:
        notes = notes.filter(kind=kind)
    return list(notes.values_list("kind", "thread_id", "detail"))


@pytest.fixture
def follower(question):
    """Follows the question by replying to it."""
    follower = build_member(username="fiona")
    build_reply(follower, question.opening_post, body="Same here.")
    return follower


# Thread actions ----------------------------------------------------------------------


def test_moving_a_followed_thread_tells_its_followers_but_not_the_moderator(
    after_commit, member, follower, moderator, question
):
    Subscription.objects.create(user=moderator, thread=question)
    elsewhere = build_category(name="Lighting")

    after_commit(thread_actions.move_thread, moderator, thread=question, category=elsewhere)

    assert told(follower, Kind.THREAD_MOVED) == [(Kind.THREAD_MOVED, question.pk, "moved")]
    assert told(member, Kind.THREAD_MOVED) == [(Kind.THREAD_MOVED, question.pk, "moved")]  # the author follows too
    assert told(moderator) == []


def test_merging_tells_the_merged_threads_followers_where_its_replies_went(
    after_commit, member, follower, moderator, question, category
):
    target = build_thread(build_member(username="gus"), category=category, title="Pairing bulbs, all in one place")

    after_commit(thread_actions.merge_threads, moderator, thread=question, into=target)

    assert told(follower, Kind.THREAD_MOVED) == [(Kind.THREAD_MOVED, target.pk, "merged")]
    assert told(moderator) == []
    [line] = selectors.lines(selectors.line_groups(follower))
    assert line.url == target.get_absolute_url()


def test_splitting_tells_the_original_threads_followers(after_commit, member, follower, moderator, question):
    reply = build_reply(build_member(username="hal"), question.opening_post, body="A different bulb entirely.")
    Notification.objects.all().delete()

    after_commit(thread_actions.split_thread, moderator, post=reply, title="A different bulb")

    assert told(follower) == [(Kind.THREAD_MOVED, question.pk, "split")]
    assert told(member) == [(Kind.THREAD_MOVED, question.pk, "split")]
    assert told(moderator) == []


def test_a_muted_follower_and_a_stranger_hear_nothing_of_a_move(after_commit, follower, moderator, question):
    Subscription.objects.filter(user=follower, thread=question).update(level=Subscription.Level.MUTED)
    stranger = build_member(username="sam")

    after_commit(thread_actions.move_thread, moderator, thread=question, category=build_category(name="Lighting"))

    assert told(follower) == []
    assert told(stranger) == []


def test_locking_a_thread_is_not_news_to_its_followers(after_commit, follower, moderator, question):
    after_commit(thread_actions.lock_thread, moderator, thread=question)

    assert told(follower, Kind.THREAD_MOVED) == []


def test_the_list_says_what_happened_to_the_thread(after_commit, client, follower, moderator, question):
    after_commit(thread_actions.move_thread, moderator, thread=question, category=build_category(name="Lighting"))
    client.force_login(follower)

    page = client.get(reverse("notifications:list")).content.decode()

    assert "was moved to another category" in page


# Conversations with the team -------------------------------------------------------


@pytest.fixture
def conversation(member):
    return feedback.start_conversation(member, subject="My account", body="I can't change my email.")


def test_a_staff_reply_tells_the_member_and_not_the_staff_member(after_commit, member, staff, conversation):
    after_commit(feedback.reply_to_conversation, staff, conversation=conversation, body="Try again now.")

    assert told(member) == [(Kind.STAFF_REPLY, None, str(conversation.pk))]
    assert told(staff) == []
    [line] = selectors.lines(selectors.line_groups(member))
    assert line.url == conversation.get_absolute_url()
    # The member is emailed once, by the notification, with the team's words.
    [message] = [m for m in mail.outbox if m.to == [member.email]]
    assert "from the team wrote to you" in message.subject
    assert "Try again now." in message.body


def test_the_members_message_tells_the_assigned_staff_member_only(after_commit, member, staff, conversation):
    other_staff = build_member(username="uma", is_staff_member=True)
    feedback.assign_conversation(staff, conversation=conversation, assignee=other_staff)

    after_commit(feedback.reply_to_conversation, member, conversation=conversation, body="Still broken.")

    assert told(other_staff) == [(Kind.CONVERSATION, None, str(conversation.pk))]
    assert told(staff) == []
    assert told(member) == []
    [message] = [m for m in mail.outbox if m.to == [other_staff.email]]
    assert conversation.get_absolute_url() in message.body


def test_the_members_message_in_an_unassigned_conversation_tells_nobody(after_commit, member, staff, conversation):
    after_commit(feedback.reply_to_conversation, member, conversation=conversation, body="Hello?")

    assert Notification.objects.count() == 0


def test_a_staff_member_who_replies_in_their_own_assigned_conversation_is_not_told(
    after_commit, member, staff, conversation
):
    feedback.assign_conversation(staff, conversation=conversation, assignee=staff)

    after_commit(feedback.reply_to_conversation, staff, conversation=conversation, body="On it.")

    assert told(staff) == []
    assert told(member) == [(Kind.STAFF_REPLY, None, str(conversation.pk))]


def test_an_assignee_who_is_no_longer_staff_is_not_told(after_commit, member, staff, conversation):
    feedback.assign_conversation(staff, conversation=conversation, assignee=staff)
    type(staff).objects.filter(pk=staff.pk).update(is_staff_member=False)

    after_commit(feedback.reply_to_conversation, member, conversation=conversation, body="Anyone?")

    assert told(staff) == []
