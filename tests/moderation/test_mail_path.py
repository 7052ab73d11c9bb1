"""Moderation sends no mail of its own: the member hears of sanctions, decisions and the team's messages
through notifications, by email through the outbox, each email keyed by its delivery."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from moderation.models import Conversation
from moderation.services import feedback, sanctions
from moderation.services import posts as moderation_posts
from notifications.emails import message_id
from notifications.models import Kind, Preference
from outbox.models import Event

pytestmark = pytest.mark.django_db


def emails_off(user):
    """The member turned every notification email off."""
    for kind in Kind.values:
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"in_app": True, "email": False})


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_a_ban_is_emailed_even_to_a_member_who_turned_emails_off(
    member, moderator, django_capture_on_commit_callbacks
):
    emails_off(member)

    with django_capture_on_commit_callbacks(execute=True):
        sanctions.ban(moderator, member=member, reason="Selling fake tickets.")

    [email] = mails_to(member)
    assert "Selling fake tickets." in email.body and "can no longer sign in" in email.body
    # A notice about the account: nothing to unsubscribe from.
    assert "List-Unsubscribe" not in email.extra_headers
    assert "unsubscribe" not in email.body.lower()
    event = Event.objects.get(type="MemberSanctioned")
    assert email.extra_headers["Message-ID"] == message_id(event.pk.hex, member.pk)


def test_a_warning_is_emailed_once_with_the_reason_and_where_to_appeal(
    member, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sanctions.warn(moderator, member=member, reason="Please stop posting the same link.")

    [email] = mails_to(member)
    conversation = Conversation.objects.get(member=member)
    assert "Please stop posting the same link." in email.body
    assert f"/contact/{conversation.pk}/" in email.body


def test_a_suspension_says_until_when(member, moderator, django_capture_on_commit_callbacks):
    until = timezone.now() + timedelta(days=3)

    with django_capture_on_commit_callbacks(execute=True):
        sanctions.suspend(moderator, member=member, until=until, reason="Cooling off.")

    [email] = mails_to(member)
    assert "suspended your account until" in email.body
    assert str(timezone.localtime(until).year) in email.body


def test_a_removed_post_is_a_notification_its_author_can_turn_off(
    other_member, moderator, answer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moderation_posts.remove_post(moderator, post=answer, reason="Off topic")

    [email] = mails_to(other_member)
    assert "Off topic" in email.body and "/contact/" in email.body
    assert "List-Unsubscribe" in email.extra_headers


def test_a_removed_post_sends_nothing_to_an_author_who_turned_emails_off(
    other_member, moderator, answer, django_capture_on_commit_callbacks
):
    emails_off(other_member)

    with django_capture_on_commit_callbacks(execute=True):
        moderation_posts.remove_post(moderator, post=answer, reason="Off topic")

    assert mails_to(other_member) == []


def test_the_teams_reply_is_not_emailed_to_a_member_who_turned_it_off(
    member, staff, django_capture_on_commit_callbacks
):
    conversation = feedback.start_conversation(member, subject="My account", body="I can't change my email.")
    emails_off(member)

    with django_capture_on_commit_callbacks(execute=True):
        feedback.reply_to_conversation(staff, conversation=conversation, body="Try again now.")

    assert mails_to(member) == []


def test_a_suspended_member_hears_the_teams_answer_to_their_appeal(
    member, moderator, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suspension = sanctions.suspend(
            moderator, member=member, until=timezone.now() + timedelta(days=3), reason="Spam."
        )
    appeal = Conversation.objects.get(sanction=suspension)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        feedback.reply_to_conversation(staff, conversation=appeal, body="We are looking at it.")

    [email] = mails_to(member)
    assert "We are looking at it." in email.body
