from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from moderation.models import AuditEntry, Conversation
from moderation.screening import RateLimited
from moderation.services import feedback, sanctions
from notifications.emails import message_id
from outbox.models import Event
from tests.builders import build_category, build_member, build_moderator
from tests.test_security_headers import assert_strict

pytestmark = pytest.mark.django_db

HOSTILE = 'Hello <script>alert("x")</script> <img src=x onerror=alert(1)> [link](javascript:alert(2))'


class Elements(HTMLParser):
    """Every start tag with its attributes, and all text, as a browser would see them."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def assert_inert(self):
        for tag, attrs in self.tags:
            assert not (tag == "script" and "src" not in attrs), "an inline script got through"
            assert not any(name.startswith("on") for name in attrs), f"an event handler on <{tag}>"
            for name in ("href", "src"):
                assert not (attrs.get(name) or "").lower().startswith("javascript:"), f"a javascript: URL on <{tag}>"


def _banned_staff():
    banned = build_member(is_staff_member=True)
    User.objects.filter(pk=banned.pk).update(is_active=False)
    return User.objects.get(pk=banned.pk)


@pytest.fixture
def conversation(member):
    return feedback.start_conversation(member, subject="My order never arrived", body="Order 1234, please help.")


def url(name, **kwargs):
    return reverse(f"moderation:{name}", kwargs=kwargs)


# Services ---------------------------------------------------------------------


def test_member_starts_a_private_conversation(member, conversation):
    assert conversation.member == member and conversation.status == Conversation.Status.OPEN
    message = conversation.messages.get()
    assert message.author == member and message.from_staff is False
    assert message.body_html == "<p>Order 1234, please help.</p>\n"


def test_subject_and_body_are_required(member):
    with pytest.raises(ValidationError):
        feedback.start_conversation(member, subject="", body="Something")
    with pytest.raises(ValidationError):
        feedback.start_conversation(member, subject="Something", body="  ")

    assert not Conversation.objects.exists()


def test_anonymous_cannot_start_a_conversation(db):
    with pytest.raises(PermissionDenied):
        feedback.start_conversation(AnonymousUser(), subject="Hello there", body="Hi")


def test_new_conversations_are_rate_limited_per_day(member, staff):
    for n in range(feedback.NEW_CONVERSATIONS_PER_DAY):
        feedback.start_conversation(member, subject=f"Question {n}", body="Hi")

    with pytest.raises(RateLimited) as limited:
        feedback.start_conversation(member, subject="One too many", body="Hi")

    assert limited.value.retry_after > 0
    assert Conversation.objects.filter(member=member).count() == feedback.NEW_CONVERSATIONS_PER_DAY
    for n in range(feedback.NEW_CONVERSATIONS_PER_DAY + 1):
        feedback.start_conversation(staff, subject=f"Staff note {n}", body="Staff are not limited.")


def test_staff_reply_is_emailed_to_the_member(staff, conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = feedback.reply_to_conversation(staff, conversation=conversation, body="It ships **today**.")

    assert message.from_staff is True
    (email,) = mail.outbox
    assert email.to == ["maria@example.com"]
    assert "It ships **today**." in email.body
    assert f"/contact/{conversation.pk}/" in email.body
    # It is a notification like any other: its Message-ID is its delivery's key, and it can be turned off.
    event = Event.objects.get(type="ConversationMessagePosted")
    assert email.extra_headers["Message-ID"] == message_id(event.pk.hex, conversation.member_id)
    assert "List-Unsubscribe" in email.extra_headers


def test_member_reply_reopens_a_closed_conversation_and_sends_no_email(
    member, staff, conversation, django_capture_on_commit_callbacks
):
    feedback.set_conversation_status(staff, conversation=conversation, status=Conversation.Status.CLOSED)

    with django_capture_on_commit_callbacks(execute=True):
        feedback.reply_to_conversation(member, conversation=conversation, body="Still nothing, sorry.")

    assert Conversation.objects.get(pk=conversation.pk).status == Conversation.Status.OPEN
    assert mail.outbox == []


@pytest.mark.parametrize(
    "make_actor",
    [
        pytest.param(lambda: AnonymousUser(), id="anonymous"),
        pytest.param(lambda: build_member(), id="other-member"),
        pytest.param(lambda: build_moderator(), id="moderator"),
        pytest.param(lambda: build_moderator(category=build_category()), id="category-moderator"),
        pytest.param(_banned_staff, id="banned-staff"),
    ],
)
def test_only_the_member_and_staff_write_in_a_conversation(make_actor, conversation):
    with pytest.raises(PermissionDenied):
        feedback.reply_to_conversation(make_actor(), conversation=conversation, body="Let me in.")

    assert conversation.messages.count() == 1


def test_staff_assign_and_close_with_an_audit_record(staff, conversation):
    colleague = build_member(username="sam", is_staff_member=True)

    feedback.assign_conversation(staff, conversation=conversation, assignee=colleague)
    feedback.set_conversation_status(staff, conversation=conversation, status=Conversation.Status.CLOSED)

    conversation.refresh_from_db()
    assert conversation.assignee == colleague and conversation.status == Conversation.Status.CLOSED
    assigned, closed = AuditEntry.objects.order_by("pk")
    assert assigned.action == AuditEntry.Action.CONVERSATION_ASSIGNED and assigned.after == {"assignee": "sam"}
    assert closed.action == AuditEntry.Action.CONVERSATION_STATUS and closed.after == {"status": "closed"}
    assert assigned.actor == staff == closed.actor


def test_conversations_are_assigned_to_staff_only(staff, member, conversation):
    with pytest.raises(ValidationError):
        feedback.assign_conversation(staff, conversation=conversation, assignee=member)


@pytest.mark.parametrize(
    "make_actor",
    [lambda: AnonymousUser(), lambda: build_member(), lambda: build_moderator()],
    ids=["anonymous", "member", "moderator"],
)
def test_only_staff_assign_or_close(make_actor, staff, member, conversation):
    actor = make_actor()
    with pytest.raises(PermissionDenied):
        feedback.assign_conversation(actor, conversation=conversation, assignee=staff)
    with pytest.raises(PermissionDenied):
        feedback.set_conversation_status(actor, conversation=conversation, status=Conversation.Status.CLOSED)
    with pytest.raises(PermissionDenied):
        feedback.set_conversation_status(member, conversation=conversation, status=Conversation.Status.CLOSED)

    conversation.refresh_from_db()
    assert conversation.assignee is None and conversation.status == Conversation.Status.OPEN
    assert not AuditEntry.objects.exists()


def test_hostile_message_is_stored_inert(member):
    conversation = feedback.start_conversation(member, subject="<b>Subject</b>", body=HOSTILE)

    Elements(conversation.messages.get().body_html).assert_inert()


# Pages ------------------------------------------------------------------------


def test_member_lists_starts_and_reads_conversations(client, member, conversation):
    client.force_login(member)

    listing = client.get(url("conversations"))
    assert listing.status_code == 200 and "My order never arrived" in listing.content.decode()
    assert_strict("/contact/", listing)

    response = client.post(url("start_conversation"), {"subject": "Billing question", "body": "Why two charges?"})
    started = Conversation.objects.get(subject="Billing question")
    assert response.status_code == 302 and response["Location"] == started.get_absolute_url()

    page = client.get(started.get_absolute_url())
    assert page.status_code == 200 and "Why two charges?" in page.content.decode()
    assert_strict(started.get_absolute_url(), page)

    response = client.post(started.get_absolute_url(), {"body": "Any news?"})
    assert response.status_code == 302 and started.messages.count() == 2


def test_start_form_shows_errors(client, member):
    client.force_login(member)

    response = client.post(url("start_conversation"), {"subject": "", "body": ""})

    assert response.status_code == 400 and not Conversation.objects.exists()
    assert_strict("/contact/new/", response)


def test_start_form_is_rate_limited_with_retry_after(client, member):
    client.force_login(member)
    for n in range(feedback.NEW_CONVERSATIONS_PER_DAY):
        client.post(url("start_conversation"), {"subject": f"Question {n}", "body": "Hi"})

    response = client.post(url("start_conversation"), {"subject": "One more", "body": "Hi"})

    assert response.status_code == 429 and int(response["Retry-After"]) > 0


@pytest.mark.parametrize("name", ["conversations", "start_conversation", "inbox"])
def test_anonymous_is_sent_to_sign_in(client, name):
    response = client.get(url(name))

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_anonymous_is_sent_to_sign_in_for_a_conversation(client, conversation):
    response = client.get(conversation.get_absolute_url())

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "make_actor", [lambda: build_member(), lambda: build_moderator()], ids=["member", "moderator"]
)
def test_someone_else_gets_404(client, make_actor, conversation):
    client.force_login(make_actor())

    assert client.get(conversation.get_absolute_url()).status_code == 404
    assert client.post(conversation.get_absolute_url(), {"body": "Sneaky"}).status_code == 404
    assert client.post(conversation.get_absolute_url(), {"action": "status", "status": "closed"}).status_code == 404
    assert conversation.messages.count() == 1
    assert "My order never arrived" not in client.get(url("conversations")).content.decode()


def test_member_cannot_assign_or_close_through_the_page(client, member, staff, conversation):
    client.force_login(member)

    assign = client.post(conversation.get_absolute_url(), {"action": "assign", "assignee": staff.pk})
    close = client.post(conversation.get_absolute_url(), {"action": "status", "status": "closed"})

    assert assign.status_code == 403 and close.status_code == 403
    conversation.refresh_from_db()
    assert conversation.assignee is None and conversation.status == Conversation.Status.OPEN


@pytest.mark.parametrize(
    "make_actor", [lambda: build_member(), lambda: build_moderator()], ids=["member", "moderator"]
)
def test_inbox_is_for_staff(client, make_actor, conversation):
    client.force_login(make_actor())

    assert client.get(url("inbox")).status_code == 403


def test_staff_inbox_filters_and_handles_a_conversation(client, staff, member, conversation):
    closed = feedback.start_conversation(member, subject="An old question", body="Sorted now.")
    feedback.set_conversation_status(staff, conversation=closed, status=Conversation.Status.CLOSED)
    client.force_login(staff)

    def subjects(**params):
        response = client.get(url("inbox"), params)
        assert response.status_code == 200
        return response.content.decode()

    assert "My order never arrived" in subjects() and "An old question" not in subjects()
    assert "An old question" in subjects(status="closed")
    assert "My order never arrived" not in subjects(who="mine")
    assert_strict("/mod/inbox/", client.get(url("inbox")))

    page = conversation.get_absolute_url()
    assert client.post(page, {"action": "assign", "assignee": staff.pk}).status_code == 302
    assert "My order never arrived" in subjects(who="mine")
    assert "My order never arrived" not in subjects(who="unassigned")
    assert client.post(page, {"body": "On its way."}).status_code == 302
    assert client.post(page, {"action": "status", "status": "closed"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee == staff and conversation.status == Conversation.Status.CLOSED
    assert conversation.messages.last().from_staff
    response = client.get(page)
    assert response.status_code == 200
    assert_strict(page, response)


def test_suspended_member_can_still_write_to_the_team(client, member, moderator):
    sanctions.suspend(moderator, member=member, until=timezone.now() + timedelta(days=3), reason="Cooling off.")
    appeal = Conversation.objects.get(member=member)
    client.force_login(User.objects.get(pk=member.pk))

    page = client.get(appeal.get_absolute_url())
    assert page.status_code == 200 and "To appeal, reply below." in page.content.decode()
    assert client.post(appeal.get_absolute_url(), {"body": "I disagree."}).status_code == 302
    assert client.post(url("start_conversation"), {"subject": "Another thing", "body": "Hi"}).status_code == 302
    assert Conversation.objects.filter(member=member).count() == 2


def test_banned_member_is_signed_out_of_the_channel(client, member, moderator, conversation):
    client.force_login(member)
    sanctions.ban(moderator, member=member, reason="Fraud.")

    response = client.get(conversation.get_absolute_url())

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_hostile_message_and_reason_are_inert_on_the_page(client, member, moderator, staff):
    sanctions.warn(moderator, member=member, reason=HOSTILE)
    appeal = Conversation.objects.get(member=member)
    feedback.reply_to_conversation(member, conversation=appeal, body=HOSTILE)

    for viewer in (member, staff):
        client.force_login(viewer)
        response = client.get(appeal.get_absolute_url())
        page = Elements(response.content.decode())
        page.assert_inert()
        # The reason is shown as text, escaped, not as markup.
        assert any('<script>alert("x")</script>' in text for text in page.text)
