"""The Jinja2 environment for the templates in each app's jinja2/ folder."""

import functools

from django.conf import settings
from django.template import defaultfilters
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3
from django.utils.html import json_script
from django.utils.module_loading import import_string
from django.utils.translation import get_language, override
from jinja2 import Environment, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from config import paths


@functools.cache
def _month_names(language: str | None) -> tuple[str, ...]:
    """The months' short names in `language` (the active one), indexed from 1."""
    with override(language):
        return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))


@pass_eval_context
def date(eval_ctx: EvalContext, value, format_string: str) -> str:
    """Django's `date` filter: the value in the current time zone, in Django's date format."""
    # The time zone and the month names hold for the whole rendering: looking them up (asgiref
    # locals, a translation) for each of a page's dates cost more than formatting the dates.
    try:
        zone, months = eval_ctx.local_time
    except AttributeError:
        zone, months = eval_ctx.local_time = timezone.get_current_timezone(), _month_names(get_language())
    local = timezone.localtime(value, zone)
    # The two formats every post prints, without Django's general formatter.
    if format_string == "c":
        return local.isoformat()
    if format_string == "j M Y, H:i":
        return f"{local.day} {months[local.month]} {local.year}, {local.hour:02}:{local.minute:02}"
    return dateformat.format(local, format_string)


@pass_eval_context
def url(eval_ctx: EvalContext, viewname: str, args=None, kwargs=None) -> str:
    """`reverse`, under the URLconf and script prefix read once per rendering (each read is an asgiref local's)."""
    try:
        place = eval_ctx.url_place
    except AttributeError:
        place = eval_ctx.url_place = paths.current_place()
    return paths.reverse_at(place, viewname, args, kwargs)


def django_include(template_name: str, **values) -> Markup:
    """A Django template (a shared component, such as a form field) rendered in place with `values`."""
    return Markup(render_to_string(template_name, values))  # noqa: S704 - an autoescaping template's output


def csrf_input(token) -> Markup:
    """What Django's {% csrf_token %} prints: the form's hidden CSRF field."""
    return Markup('<input type="hidden" name="csrfmiddlewaretoken" value="{}">').format(token)


def environment(**options) -> Environment:
    # Always escaped, whatever the settings say: these templates print user text.
    options.pop("autoescape", None)
    extensions = [*options.pop("extensions", ()), "community.templatetags.personal.PersonalExtension"]
    env = Environment(autoescape=True, extensions=extensions, **options)
    # Django's filters of the same names, so a template reads the same in either engine.
    env.filters.update(
        date=date,
        pluralize=defaultfilters.pluralize,
        truncatewords_html=defaultfilters.truncatewords_html,
        capfirst=defaultfilters.capfirst,
        json_script=json_script,
    )
    env.globals.update(url=url, django_include=django_include, csrf_input=csrf_input)
    # What other apps give these templates, named in settings so no app imports one above it.
    env.globals.update({name: import_string(path) for name, path in settings.JINJA2_GLOBALS.items()})
    return env
