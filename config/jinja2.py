"""The Jinja2 environment for the templates in each app's jinja2/ folder."""

from django.utils import dateformat, timezone
from jinja2 import Environment


def date(value, format_string: str) -> str:
    """Django's `date` filter: the value in the current time zone, in Django's date format."""
    local = timezone.localtime(value)
    if format_string == "c":
        # What Django's "c" gives, without its general formatter: every post prints one.
        return local.isoformat()
    return dateformat.format(local, format_string)


def environment(**options) -> Environment:
    # Always escaped, whatever the settings say: these templates print user text.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.filters["date"] = date
    return env
