"""Versions that cached community fragments are keyed by.

A thread's and a category's versions are columns bumped with F() in the
writing transaction, so a reader always sees a version together with the data
it describes. Lists that span categories use one counter in the shared cache,
bumped after commit: a reader that raced the commit stores its page under the
old number, which is never read again. Nothing is ever invalidated; old keys
just age out.
"""

from django.core.cache import cache
from django.db import transaction

LIST_VERSION_KEY = "community:list-version"
FRAGMENT_SECONDS = 60 * 60
# Lists show relative times; a short life keeps them roughly right without JavaScript.
LIST_SECONDS = 5 * 60


def list_version() -> int:
    version = cache.get(LIST_VERSION_KEY)
    if version is None:
        cache.add(LIST_VERSION_KEY, 1, timeout=None)
        version = cache.get(LIST_VERSION_KEY, 1)
    return version


def bump_list_version_on_commit() -> None:
    def bump():
        try:
            cache.incr(LIST_VERSION_KEY)
        except ValueError:
            cache.add(LIST_VERSION_KEY, 1, timeout=None)

    transaction.on_commit(bump)
