"""The Jinja2 environment for the templates in each app's jinja2/ folder."""

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3
from jinja2 import Environment


def date(value, format_string: str) -> str:
    """Django's `date` filter: the value in the current time zone, in Django's date format."""
    local = timezone.localtime(value)
    # The two formats every post prints, without Django's general formatter.
    if format_string == "c":
        return local.isoformat()
    if format_string == "j M Y, H:i":
        return f"{local.day} {str(MONTHS_3[local.month]).title()} {local.year}, {local.hour:02}:{local.minute:02}"
    return dateformat.format(local, format_string)


def environment(**options) -> Environment:
    # Always escaped, whatever the settings say: these templates print user text.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.filters["date"] = date
    env.globals["url"] = reverse
    return env
