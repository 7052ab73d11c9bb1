import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from community.management.commands.seed_demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_restores_demo_passwords():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (User.objects.count(), EmailAddress.objects.count())
    maria = User.objects.get(username="maria")
    maria.set_password("changed-by-someone")
    maria.save()

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert (User.objects.count(), EmailAddress.objects.count()) == counts
    assert User.objects.get(username="maria").check_password("lumen-member-demo")


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a["role"])
def test_every_demo_account_can_log_in(client, account):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    response = client.post(reverse("account_login"), {"login": account["email"], "password": account["password"]})

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_demo_roles_are_set_up():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert User.objects.get(username="tess").is_staff_member
    assert User.objects.get(username="mona").moderates_everywhere
    assert User.objects.get(username="sam").trust_level == User.TrustLevel.LEADER
    assert User.objects.filter(is_staff_member=False).count() >= 6
