import time

import pytest
from django.urls import reverse

from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db

HERE, STRANGER = "198.51.100.7", "203.0.113.9"


def log_in(client, email, password, address=HERE, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra}, REMOTE_ADDR=address)


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


def fail_five_times(client, email, address):
    for _ in range(5):
        response = log_in(client, email, "wrong-password", address=address)
        assert "email address and/or password you specified are not correct" in response.content.decode()


def test_five_wrong_passwords_lock_that_address_out_with_429(client, member):
    fail_five_times(client, "maria@example.com", HERE)

    response = log_in(client, "maria@example.com", "wrong-password", address=HERE)

    assert response.status_code == 429
    assert 290 <= int(response["Retry-After"]) <= 300
    assert "Too many failed sign-ins. Try again in 5 minutes." in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_the_right_password_from_the_locked_out_address_is_refused_with_429(client, member):
    fail_five_times(client, "maria@example.com", HERE)

    response = log_in(client, "maria@example.com", PASSWORD, address=HERE)

    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_owner_signs_in_from_another_address_while_a_stranger_is_locked_out(client, member):
    fail_five_times(client, "maria@example.com", STRANGER)

    response = log_in(client, "maria@example.com", PASSWORD, address=HERE)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk


def test_sign_in_works_again_once_retry_after_has_passed(client, member, monkeypatch):
    fail_five_times(client, "maria@example.com", HERE)
    retry_after = int(log_in(client, "maria@example.com", PASSWORD, address=HERE)["Retry-After"])

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + retry_after + 1)
    response = log_in(client, "maria@example.com", PASSWORD, address=HERE)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk


def test_one_address_guessing_across_many_accounts_is_locked_out(client, member):
    for n in range(10):
        log_in(client, f"someone{n}@example.com", "wrong-password", address=STRANGER)

    response = log_in(client, "maria@example.com", "wrong-password", address=STRANGER)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


def test_too_many_sign_in_requests_get_the_sites_429_page(client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    log_in(client, "maria@example.com", "wrong-password")

    response = log_in(client, "maria@example.com", PASSWORD)

    assert response.status_code == 429
    assert "Please wait, then try again." in response.content.decode()


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
