"""Test data built through the real services, so tests see what users would."""

import itertools

from accounts.models import User
from accounts.services import create_member

PASSWORD = "a-long-test-passphrase"
_seq = itertools.count(1)


def build_member(*, username=None, email=None, password=PASSWORD, **fields) -> User:
    """A basic member (trust level 1), whose posts are published at once; pass trust_level=0 for a newcomer."""
    n = next(_seq)
    username = username or f"member{n}"
    fields.setdefault("trust_level", User.TrustLevel.BASIC)
    return create_member(username=username, email=email or f"{username}@example.com", password=password, **fields)


def build_moderator(*, category=None, **fields) -> User:
    """A moderator everywhere, or of `category` only."""
    from moderation.models import ModeratorRole
    from moderation.services.roles import sync_scope

    user = build_member(**fields)
    ModeratorRole.objects.create(user=user, category=category)
    return sync_scope(user)


def build_category(*, name="Getting started", slug=None, **fields):
    from community.models import Category

    return Category.objects.create(name=name, slug=slug or name.lower().replace(" ", "-"), **fields)


def build_thread(author, *, category, kind="question", title="How do I pair a new bulb?", body="It won't pair.", **kw):
    from community.services.threads import start_thread

    return start_thread(author, category=category, kind=kind, title=title, body=body, **kw)


def build_reply(author, parent, body="Try resetting it."):
    from community.services.posts import reply

    return reply(author, parent=parent, body=body)
