"""Running the demo's real services at a moment in the past, so that its history spans weeks.

Everything in the project reads the time through django.utils.timezone.now:
the services, the ledger's daily caps, model defaults and auto_now fields.
That function asks its module's `datetime` for the time, so replacing that
one name moves every clock at once, and the points, badges and posts the
services write carry the day they would have had.
"""

import contextlib
import datetime
from collections.abc import Iterator
from unittest import mock

from django.utils import timezone

_real = datetime.datetime


class _Stopped(type):
    # Values made before the clock stopped are still datetimes to whoever checks.
    def __instancecheck__(cls, value) -> bool:
        return isinstance(value, _real)

    def __subclasscheck__(cls, subclass) -> bool:
        return issubclass(subclass, _real)


@contextlib.contextmanager
def clock_at(moment: datetime.datetime) -> Iterator[None]:
    """Within the block, timezone.now() is `moment` (aware)."""

    class Then(_real, metaclass=_Stopped):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    with mock.patch.object(timezone, "datetime", Then):
        yield
