import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.builders import PASSWORD

pytestmark = pytest.mark.django_db


def test_member_changes_password(client, member):
    client.force_login(member)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "amber-quiet-meadow-7", "password2": "amber-quiet-meadow-7"},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("amber-quiet-meadow-7")


def test_password_change_with_wrong_old_password_changes_nothing(client, member):
    client.force_login(member)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-it", "password1": "amber-quiet-meadow-7", "password2": "amber-quiet-meadow-7"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["oldpassword"]
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_member_adds_email_and_it_must_be_verified(client, member, django_capture_on_commit_callbacks, mailoutbox):
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_email"), {"action_add": "", "email": "maria.work@example.com"})

    assert response.status_code == 302
    added = EmailAddress.objects.get(email="maria.work@example.com")
    assert added.user == member
    assert not added.verified
    assert mailoutbox[-1].to == ["maria.work@example.com"]


def test_member_cannot_claim_another_members_email(client, member, other_member):
    client.force_login(member)

    response = client.post(reverse("account_email"), {"action_add": "", "email": "olaf@example.com"})

    assert response.status_code == 200
    assert "already" in " ".join(response.context["form"].errors["email"])
    assert not EmailAddress.objects.filter(user=member, email="olaf@example.com").exists()


def test_account_pages_require_login(client):
    for name in ("account_email", "account_change_password", "accounts:settings"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name
