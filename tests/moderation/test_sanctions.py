from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.services import posts
from moderation.models import AuditEntry, Conversation, MemberNote, Sanction
from moderation.services import feedback, sanctions, trust
from moderation.tasks import expire_sanctions
from tests.builders import PASSWORD, build_member, build_moderator, build_reply

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action


def fresh(user):
    return User.objects.get(pk=user.pk)


def soon(**delta):
    return timezone.now() + timedelta(**(delta or {"days": 3}))


def audit_actions(member):
    return list(
        AuditEntry.objects.filter(target_type="member", target_id=member.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )


# Warnings ---------------------------------------------------------------------


def test_warning_tells_member_why_and_how_to_appeal(member, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        warning = sanctions.warn(moderator, member=member, reason="Please stop posting the same link.")

    assert warning.kind == Sanction.Kind.WARNING and warning.created_by == moderator
    conversation = Conversation.objects.get(member=member)
    assert conversation.sanction == warning
    message = conversation.messages.get()
    assert message.from_staff and message.author == moderator
    assert "Please stop posting the same link." in message.body
    assert "appeal" in message.body
    entry = AuditEntry.objects.get(action=Action.MEMBER_WARNED)
    assert entry.actor == moderator and entry.reason == "Please stop posting the same link."
    assert entry.after["sanction"] == warning.pk
    assert [m.to for m in mail.outbox] == [["maria@example.com"]]


def test_sanction_without_reason_is_refused(member, moderator):
    with pytest.raises(ValidationError):
        sanctions.warn(moderator, member=member, reason="   ")

    assert not Sanction.objects.exists() and not AuditEntry.objects.exists()


# Suspensions ------------------------------------------------------------------


def test_suspended_member_can_read_and_write_to_the_team_but_not_reply(client, member, moderator, question, answer):
    until = soon(days=2)

    suspension = sanctions.suspend(moderator, member=member, until=until, reason="Cooling off.")

    member = fresh(member)
    assert member.suspended_until == until and suspension.ends_at == until
    assert Action.MEMBER_SUSPENDED in audit_actions(member)
    with pytest.raises(PermissionDenied):
        posts.reply(member, parent=answer, body="I am still here.")
    client.force_login(member)
    assert client.get(question.get_absolute_url()).status_code == 200
    conversation = feedback.start_conversation(member, subject="About my suspension", body="I'm sorry.")
    assert conversation.messages.count() == 1


def test_suspension_that_ends_in_the_past_is_refused(member, moderator):
    with pytest.raises(ValidationError) as refused:
        sanctions.suspend(moderator, member=member, until=timezone.now() - timedelta(hours=1), reason="Late.")

    assert "future" in str(refused.value)
    assert fresh(member).suspended_until is None
    assert not Sanction.objects.exists() and not AuditEntry.objects.exists()


def test_a_shorter_suspension_does_not_cut_a_longer_one(member, moderator):
    longer = soon(days=10)
    sanctions.suspend(moderator, member=member, until=longer, reason="First.")

    sanctions.suspend(moderator, member=member, until=soon(days=1), reason="Second.")

    assert fresh(member).suspended_until == longer


# Bans -------------------------------------------------------------------------


def test_ban_closes_the_account_and_emails_the_reason(client, member, moderator, django_capture_on_commit_callbacks):
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        ban = sanctions.ban(moderator, member=member, reason="Selling fake tickets.")

    assert fresh(member).is_active is False and ban.ends_at is None
    # The open session ends: the backend refuses an inactive user.
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    visitor = Client()
    assert visitor.login(username="maria", password=PASSWORD) is False
    response = visitor.post(reverse("account_login"), {"login": "maria@example.com", "password": PASSWORD})
    assert "_auth_user_id" not in visitor.session
    assert response.status_code != 302 or response["Location"] != reverse("home")
    (email,) = mail.outbox
    assert email.to == ["maria@example.com"]
    assert "Selling fake tickets." in email.body and "can no longer sign in" in email.body
    assert Conversation.objects.get(member=member).sanction == ban
    assert Action.MEMBER_BANNED in audit_actions(member)


def test_ban_that_ends_in_the_past_is_refused(member, moderator):
    with pytest.raises(ValidationError):
        sanctions.ban(moderator, member=member, until=timezone.now() - timedelta(days=1), reason="Old.")

    assert fresh(member).is_active


def test_scoped_moderator_can_warn_but_not_ban(member, category, question):
    scoped = build_moderator(category=category)

    sanctions.warn(scoped, member=member, reason="Keep it civil.")
    with pytest.raises(PermissionDenied, match="global moderators"):
        sanctions.ban(scoped, member=member, reason="Nope.")

    assert fresh(member).is_active
    assert list(Sanction.objects.values_list("kind", flat=True)) == [Sanction.Kind.WARNING]


# Wrong actors -----------------------------------------------------------------


def _suspended_moderator():
    suspended = build_moderator()
    User.objects.filter(pk=suspended.pk).update(suspended_until=soon())
    return fresh(suspended)


def _suspended_member():
    suspended = build_member()
    User.objects.filter(pk=suspended.pk).update(suspended_until=soon())
    return fresh(suspended)


def _banned_moderator():
    banned = build_moderator()
    User.objects.filter(pk=banned.pk).update(is_active=False)
    return fresh(banned)


@pytest.mark.parametrize(
    "make_actor",
    [
        pytest.param(lambda: AnonymousUser(), id="anonymous"),
        pytest.param(lambda: build_member(), id="member"),
        pytest.param(lambda: build_member(trust_level=4), id="leader"),
        pytest.param(_suspended_member, id="suspended-member"),
        pytest.param(_banned_moderator, id="banned-moderator"),
    ],
)
@pytest.mark.parametrize("action", ["warn", "suspend", "ban"])
def test_wrong_actor_cannot_sanction(member, make_actor, action):
    actor = make_actor()
    call = {
        "warn": lambda: sanctions.warn(actor, member=member, reason="x"),
        "suspend": lambda: sanctions.suspend(actor, member=member, until=soon(), reason="x"),
        "ban": lambda: sanctions.ban(actor, member=member, reason="x"),
    }[action]

    with pytest.raises(PermissionDenied):
        call()

    member = fresh(member)
    assert member.is_active and member.suspended_until is None
    assert not Sanction.objects.exists() and not AuditEntry.objects.exists()


def test_suspended_moderator_has_no_moderator_rights_until_it_ends(member):
    """A suspended moderator must not police others; the role comes back when the suspension ends."""
    with pytest.raises(PermissionDenied):
        sanctions.warn(_suspended_moderator(), member=member, reason="Careful.")

    assert not Sanction.objects.exists()


def test_nobody_sanctions_themselves_or_staff(moderator, staff):
    with pytest.raises(PermissionDenied, match="yourself"):
        sanctions.suspend(moderator, member=moderator, until=soon(), reason="x")
    with pytest.raises(PermissionDenied, match="Staff"):
        sanctions.ban(moderator, member=staff, reason="x")
    other_staff = build_member(is_staff_member=True)
    with pytest.raises(PermissionDenied, match="Staff"):
        sanctions.warn(staff, member=other_staff, reason="x")

    assert not Sanction.objects.exists()


# Lifting ----------------------------------------------------------------------


def test_lifting_a_suspension_lets_the_member_post_and_answers_in_the_appeal(
    member, moderator, answer, django_capture_on_commit_callbacks
):
    suspension = sanctions.suspend(moderator, member=member, until=soon(), reason="Cooling off.")
    appeal = Conversation.objects.get(sanction=suspension)
    feedback.reply_to_conversation(fresh(member), conversation=appeal, body="It was a misunderstanding.")

    with django_capture_on_commit_callbacks(execute=True):
        lifted = sanctions.lift(moderator, sanction=suspension, reason="Fair enough, sorry.")

    assert lifted.lifted_by == moderator and lifted.lifted_at is not None
    member = fresh(member)
    assert member.suspended_until is None
    posts.reply(member, parent=answer, body="Thanks for lifting it.")
    assert appeal.messages.count() == 3 and Conversation.objects.filter(member=member).count() == 1
    assert "Fair enough, sorry." in appeal.messages.last().body
    assert mail.outbox and mail.outbox[-1].to == ["maria@example.com"]
    assert Action.SANCTION_LIFTED in audit_actions(member)


def test_lifting_one_of_two_bans_keeps_the_member_out(member, moderator):
    first = sanctions.ban(moderator, member=member, reason="One.")
    sanctions.ban(moderator, member=member, until=soon(days=30), reason="Two.")

    sanctions.lift(moderator, sanction=first, reason="Appeal granted for the first.")

    assert fresh(member).is_active is False


def test_lifting_a_ban_lets_the_member_sign_in(client, member, moderator):
    ban = sanctions.ban(moderator, member=member, reason="Mistake.")

    sanctions.lift(moderator, sanction=ban, reason="Wrong account.")

    assert fresh(member).is_active
    assert client.login(username="maria", password=PASSWORD)


def test_lift_twice_is_refused(member, moderator):
    suspension = sanctions.suspend(moderator, member=member, until=soon(), reason="x")
    sanctions.lift(moderator, sanction=suspension, reason="y")

    with pytest.raises(ValidationError, match="already ended"):
        sanctions.lift(moderator, sanction=suspension, reason="again")


def test_scoped_moderator_cannot_lift_a_ban(member, moderator, category):
    ban = sanctions.ban(moderator, member=member, reason="x")

    with pytest.raises(PermissionDenied):
        sanctions.lift(build_moderator(category=category), sanction=ban, reason="y")
    with pytest.raises(PermissionDenied):
        sanctions.lift(build_member(), sanction=ban, reason="y")

    assert Sanction.objects.get(pk=ban.pk).lifted_at is None
    assert fresh(member).is_active is False


def test_withdrawn_warning_no_longer_caps_trust(member, moderator):
    warning = sanctions.warn(moderator, member=member, reason="x")
    assert trust.sanction_cap(member) == 1

    sanctions.lift(moderator, sanction=warning, reason="Not fair.")

    assert Sanction.objects.get(pk=warning.pk).lifted_at is not None
    assert trust.sanction_cap(member) is None


# Expiry -----------------------------------------------------------------------


def _run_out(sanction):
    Sanction.objects.filter(pk=sanction.pk).update(ends_at=timezone.now() - timedelta(minutes=1))


def test_expiry_task_ends_a_suspension_once(member, moderator, answer):
    suspension = sanctions.suspend(moderator, member=member, until=soon(), reason="x")
    _run_out(suspension)

    assert expire_sanctions.delay().get() == 1
    assert expire_sanctions.delay().get() == 0

    suspension.refresh_from_db()
    assert suspension.expired_at is not None and suspension.lifted_at is None
    assert fresh(member).suspended_until is None
    expired = AuditEntry.objects.filter(action=Action.SANCTION_EXPIRED)
    assert expired.count() == 1 and expired.get().actor is None
    posts.reply(fresh(member), parent=answer, body="Back again.")


def test_expiry_keeps_a_suspension_that_is_still_running(member, moderator):
    short = sanctions.suspend(moderator, member=member, until=soon(days=1), reason="x")
    longer_end = soon(days=20)
    sanctions.suspend(moderator, member=member, until=longer_end, reason="y")
    _run_out(short)

    expire_sanctions()

    assert fresh(member).suspended_until == longer_end


def test_expiry_lets_a_temporarily_banned_member_back_unless_another_ban_holds(member, other_member, moderator):
    temporary = sanctions.ban(moderator, member=member, until=soon(days=7), reason="x")
    held = sanctions.ban(moderator, member=other_member, until=soon(days=7), reason="x")
    sanctions.ban(moderator, member=other_member, reason="permanent")
    _run_out(temporary)
    _run_out(held)

    assert expire_sanctions() == 2

    assert fresh(member).is_active is True
    assert fresh(other_member).is_active is False


def test_lifted_sanction_does_not_expire_again(member, moderator):
    suspension = sanctions.suspend(moderator, member=member, until=soon(), reason="x")
    sanctions.lift(moderator, sanction=suspension, reason="y")
    _run_out(suspension)

    assert expire_sanctions() == 0


# Notes ------------------------------------------------------------------------


def test_moderator_notes_are_audited(member, moderator):
    note = sanctions.add_note(moderator, member=member, body="Asked twice about refunds; check their order.")

    assert note.author == moderator and MemberNote.objects.filter(member=member).count() == 1
    entry = AuditEntry.objects.get(action=Action.NOTE_ADDED)
    assert entry.after == {"note": "Asked twice about refunds; check their order."}


@pytest.mark.parametrize("make_actor", [lambda: AnonymousUser(), lambda: build_member()], ids=["anonymous", "member"])
def test_only_moderators_keep_notes(member, make_actor):
    with pytest.raises(PermissionDenied):
        sanctions.add_note(make_actor(), member=member, body="x")

    assert not MemberNote.objects.exists()


def test_empty_note_is_refused(member, moderator):
    with pytest.raises(ValidationError):
        sanctions.add_note(moderator, member=member, body=" ")


# Trust ------------------------------------------------------------------------


def test_sanctions_recalculate_trust(member, moderator, category, question):
    build_reply(member, question.opening_post, body="One more detail.")
    assert User.objects.get(pk=member.pk).trust_level == 1

    sanctions.suspend(moderator, member=member, until=soon(), reason="x")

    assert fresh(member).trust_level == 0
    assert Action.TRUST_CHANGED in audit_actions(member)
