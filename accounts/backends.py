"""Signing in with allauth, and loading the signed-in member on every request."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.db import DEFAULT_DB_ALIAS

from accounts.models import User
from config.prepared import PreparedValues

_FIELDS = [f.attname for f in User._meta.concrete_fields]
# Every field: the session's check reads the password hash, and pages read the rest.
_MEMBER = PreparedValues(lambda pk: User.objects.filter(pk=pk).order_by().values(*_FIELDS))


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, whose per-request user lookup runs SQL compiled once per process.

    Every signed-in page loads the member; building that query cost the ORM
    more than PostgreSQL took to answer it.
    """

    def get_user(self, user_id):
        rows = _MEMBER(user_id)
        if not rows:
            return None
        user = User.from_db(DEFAULT_DB_ALIAS, _FIELDS, [rows[0][name] for name in _FIELDS])
        return user if self.user_can_authenticate(user) else None
