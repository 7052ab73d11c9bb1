import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

GOOD = {
    "email": "newcomer@example.com",
    "username": "newcomer",
    "password1": "violet-harbour-lantern",
    "password2": "violet-harbour-lantern",
}


def sign_up(client, capture, **overrides):
    with capture(execute=True):
        return client.post(reverse("account_signup"), {**GOOD, **overrides})


def confirmation_link(message):
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


def test_signup_sends_verification_email_through_celery_and_confirming_logs_in(
    client, django_capture_on_commit_callbacks
):
    response = sign_up(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="newcomer")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.com"]

    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200
    response = client.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("home")).context["user"] == user


def test_unverified_member_cannot_log_in(client, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    client.logout()

    response = client.post(reverse("account_login"), {"login": GOOD["email"], "password": GOOD["password1"]})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "maria@example.com"}, "email", "already registered"),
        ({"email": "MARIA@example.com"}, "email", "already registered"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"password1": "short1", "password2": "short1"}, "password1", "too short"),
        ({"password1": "8217364509123", "password2": "8217364509123"}, "password1", "entirely numeric"),
        ({"password2": "something-else-entirely"}, "password2", "same password"),
        ({"username": "maria"}, "username", "already exists"),
        ({"username": "MARIA"}, "username", "already exists"),
        ({"username": "bad name!"}, "username", "letters, digits"),
        ({"username": "<script>"}, "username", "letters, digits"),
    ],
)
def test_bad_signup_shows_field_error_and_creates_nothing(
    client, member, django_capture_on_commit_callbacks, overrides, field, message
):
    users_before = User.objects.count()

    response = sign_up(client, django_capture_on_commit_callbacks, **overrides)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert User.objects.count() == users_before
    assert EmailAddress.objects.count() == users_before
    assert mail.outbox == []


def test_unknown_verification_key_says_so(client):
    response = client.get(reverse("account_confirm_email", kwargs={"key": "not-a-real-key"}))

    assert response.status_code == 200
    assert "expired or is invalid" in response.content.decode()
