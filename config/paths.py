"""`reverse`, remembered: pages name the same addresses (categories, tags, members, sign in) again and again.

Django works each one out afresh, a dozen times on every thread page. The
answer depends only on the arguments, the URLconf and the script prefix, so
it is kept under all of them, for the life of the process.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse


@functools.lru_cache(maxsize=16384)
def _reversed(viewname: str, args: tuple, kwargs: tuple, urlconf: str, prefix: str) -> str:
    return django_reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs))


def reverse(viewname: str, args=None, kwargs=None) -> str:
    """`django.urls.reverse(viewname, args=args, kwargs=kwargs)`, worked out once."""
    key_args = tuple(args or ())
    key_kwargs = tuple(sorted((kwargs or {}).items()))
    try:
        return _reversed(viewname, key_args, key_kwargs, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    except TypeError:  # an argument that can't be a key: Django's way
        return django_reverse(viewname, args=args, kwargs=kwargs)
