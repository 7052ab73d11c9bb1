import pytest
from django.urls import reverse

from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


def test_member_logs_in_with_email(client, member):
    response = log_in(client, "maria@example.com", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == member.pk


def test_login_is_case_insensitive_on_email(client, member):
    assert log_in(client, "Maria@Example.com", PASSWORD).status_code == 302


def test_offsite_next_is_ignored(client, member):
    response = log_in(client, "maria@example.com", PASSWORD, next="https://evil.example.net/steal")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_protocol_relative_next_is_ignored(client, member):
    response = log_in(client, "maria@example.com", PASSWORD, next="//evil.example.net/")

    assert response["Location"] == reverse("home")


def test_local_next_is_followed(client, member):
    response = log_in(client, "maria@example.com", PASSWORD, next="/settings/")

    assert response["Location"] == "/settings/"


def test_wrong_password_is_rate_limited_per_account(client, member):
    for _ in range(5):
        response = log_in(client, "maria@example.com", "wrong-password")
        assert "email address and/or password you specified are not correct" in response.content.decode()

    response = log_in(client, "maria@example.com", PASSWORD)

    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_requires_post(client, member):
    client.force_login(member)

    client.get(reverse("account_logout"))
    assert "_auth_user_id" in client.session

    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_password_reset_mail_goes_out(client, member, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "maria@example.com"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body
