"""Account email (verification, password reset) leaves through the outbox: a broker away at sign-up delays it
and loses nothing, and it reaches members whatever their notification settings, with no unsubscribe link."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications.models import Kind, Preference
from outbox import bus, tasks
from outbox.models import Event

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "email": "newcomer@example.com",
    "username": "newcomer",
    "password1": "violet-harbour-lantern",
    "password2": "violet-harbour-lantern",
}


def test_a_verification_email_queued_while_the_broker_is_away_is_sent_by_the_sweep(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    # Given a broker that refuses every hand-over while the visitor signs up
    def away(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis: Connection refused.")

    with monkeypatch.context() as outage:
        outage.setattr(tasks.deliver, "delay", away)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("account_signup"), SIGN_UP)

    # The sign-up went through, and its email waits in the outbox
    assert response.status_code == 302
    assert mail.outbox == []
    [waiting] = Event.objects.filter(type="MailQueued", relayed_at=None)
    assert waiting.payload["to"] == ["newcomer@example.com"]

    # When the broker is back and beat's sweep runs
    Event.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    assert bus.sweep() == 1
    assert bus.sweep() == 0

    # Then the verification email arrives, once
    [email] = mail.outbox
    assert email.to == ["newcomer@example.com"] and "/accounts/confirm-email/" in email.body


def test_a_password_reset_reaches_a_member_who_turned_every_email_off(
    client, member, django_capture_on_commit_callbacks
):
    for kind in Kind.values:
        Preference.objects.create(user=member, kind=kind, in_app=True, email=False)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.email})

    [email] = mail.outbox
    assert email.to == [member.email] and "/accounts/password/reset/key/" in email.body
    assert "List-Unsubscribe" not in email.extra_headers
    assert "unsubscribe" not in email.body.lower()


def test_an_account_emails_message_id_is_made_of_what_it_is(
    client, member, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://community.example.org"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": member.email})

    [email] = mail.outbox
    assert email.extra_headers["Message-ID"].endswith(".account@community.example.org>")
    payload = Event.objects.get(type="MailQueued").payload
    assert payload["message_id"] == email.extra_headers["Message-ID"]
