"""Test data built through the real services, so tests see what users would."""

import itertools

import factory

from accounts.models import User
from accounts.services import create_member

PASSWORD = "a-long-test-passphrase"
_seq = itertools.count(1)


def build_member(*, username=None, email=None, password=PASSWORD, **fields) -> User:
    n = next(_seq)
    username = username or f"member{n}"
    return create_member(username=username, email=email or f"{username}@example.com", password=password, **fields)


class MemberFactory(factory.Factory):
    """For tests that want many members with varied fields."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    display_name = factory.Faker("name")
    bio = factory.Faker("sentence")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return build_member(**kwargs)
