"""The per-request member lookup answers as Django's own would."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.backends import AuthenticationBackend
from accounts.models import User
from tests.builders import build_member

pytestmark = pytest.mark.django_db


def test_it_loads_every_field_of_an_active_member():
    member = build_member(display_name="Ada Lovelace")

    loaded = AuthenticationBackend().get_user(member.pk)

    expected = User.objects.get(pk=member.pk)
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.attname
    assert loaded._state.adding is False and loaded._state.db == "default"


def test_nobody_for_an_unknown_id_or_an_inactive_account():
    banned = build_member()
    User.objects.filter(pk=banned.pk).update(is_active=False)

    assert AuthenticationBackend().get_user(banned.pk) is None
    assert AuthenticationBackend().get_user(banned.pk + 1000) is None


def test_a_session_signs_in_through_it_and_ends_when_the_password_changes():
    member = build_member()
    client = Client()
    client.force_login(member, backend="accounts.backends.AuthenticationBackend")
    assert client.session[SESSION_KEY] == str(member.pk)
    assert client.get("/settings/").status_code == 200

    member.set_password("an-entirely-new-passphrase")
    member.save()

    assert client.get("/settings/").status_code == 302
