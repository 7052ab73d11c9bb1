"""`reverse`, remembered: pages name the same addresses (categories, tags, members, sign in) again and again.

Django works each one out afresh, a dozen times on every thread page. The
answer depends only on the arguments, the URLconf and the script prefix, so
it is kept under all of them, for the life of the process.

Addresses that name an id (a thread's, a post's) are seldom the same twice
on a page built from nothing, and Django's own `reverse` costs 15 to 35 µs. So an
address whose arguments are ids and slugs is worked out once per view and
kind of argument, with stand-ins, and the arguments are written into it: the
same text Django gives, since ids and slugs are written as they are (no
converter here changes them and URL quoting leaves their characters alone).
A view whose address does not take the stand-ins that way is left to Django.
"""

import functools
import re

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse

# Arguments written into an address as they are: a positive id, or a slug's characters.
_PLAIN_TEXT = re.compile(r"[-a-zA-Z0-9_]+\Z")


def _stand_in(kind: type, n: int, variant: int) -> int | str:
    # Unlike anything else in an address, each variant of each place different from the others.
    return 730_000_000_000 + 1_000 * variant + n if kind is int else f"sLot{variant}x{n}-Q_"


@functools.lru_cache(maxsize=1024)
def _template(viewname: str, kinds: tuple, names: tuple, urlconf: str, prefix: str) -> tuple[str, ...] | None:
    """The address split around its arguments' places (text, place, text, ...), or None where Django must answer.

    `kinds` gives each argument's type (int or str); `names` the keyword
    arguments' names, or () for positional ones. Worked out with two sets of
    stand-ins, and kept only if both give the same text around them.
    """

    def reversed_with(variant: int) -> tuple[str, list[str]]:
        values = [_stand_in(kind, n, variant) for n, kind in enumerate(kinds)]
        if names:
            url = django_reverse(viewname, urlconf=urlconf, kwargs=dict(zip(names, values, strict=True)))
        else:
            url = django_reverse(viewname, urlconf=urlconf, args=values)
        return url, [str(value) for value in values]

    try:
        pieces = []
        for variant in (0, 1):
            url, marks = reversed_with(variant)
            split = re.split("(" + "|".join(map(re.escape, marks)) + ")", url)
            if split[1::2] != marks:  # each argument once, in order, or the address is not plain
                return None
            pieces.append(split[::2])
    except NoReverseMatch:
        return None
    if pieces[0] != pieces[1]:
        return None
    return tuple(pieces[0])


@functools.lru_cache(maxsize=16384)
def _reversed(viewname: str, args: tuple, kwargs: tuple, urlconf: str, prefix: str) -> str:
    return django_reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs))


def _plain(value) -> bool:
    if type(value) is int:
        return value > 0
    return type(value) is str and _PLAIN_TEXT.match(value) is not None


def current_place() -> tuple[str, str]:
    """The URLconf and script prefix an address is worked out under: this request's."""
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


def reverse(viewname: str, args=None, kwargs=None) -> str:
    """`django.urls.reverse(viewname, args=args, kwargs=kwargs)`, worked out once."""
    return reverse_at(current_place(), viewname, args, kwargs)


def reverse_at(place: tuple[str, str], viewname: str, args=None, kwargs=None) -> str:
    """`reverse` under `place`, as `current_place()` gave it (a template reads it once for all its addresses)."""
    urlconf, prefix = place
    values = tuple(args or ()) if not kwargs else tuple(kwargs.values())
    if values and not (args and kwargs) and all(_plain(value) for value in values):
        names = tuple(kwargs) if kwargs else ()
        template = _template(viewname, tuple(type(value) for value in values), names, urlconf, prefix)
        if template is not None:
            parts = [template[0]]
            for value, text in zip(values, template[1:], strict=True):
                parts += (str(value), text)
            return "".join(parts)
    key_args = tuple(args or ())
    key_kwargs = tuple(sorted((kwargs or {}).items()))
    try:
        return _reversed(viewname, key_args, key_kwargs, urlconf, prefix)
    except TypeError:  # an argument that can't be a key: Django's way
        return django_reverse(viewname, urlconf=urlconf, args=args, kwargs=kwargs)
