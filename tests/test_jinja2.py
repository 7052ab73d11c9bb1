"""The Jinja2 environment's filters give what Django's own give."""

from datetime import UTC, datetime

import pytest
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.test import override_settings
from django.utils.timezone import localtime


@pytest.mark.parametrize("format_string", ["c", "j M Y, H:i", "D j F"])
@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 12, 3, 22, 5, 9, 123456, tzinfo=UTC), datetime(2027, 5, 1, 7, 3, tzinfo=UTC)],
    ids=["december-evening", "may-morning"],
)
@override_settings(TIME_ZONE="Europe/Berlin")
def test_date_matches_djangos_filter_in_the_current_time_zone(format_string, moment):
    template = engines["jinja2"].from_string("{{ moment|date(format_string) }}")

    assert template.render({"moment": moment, "format_string": format_string}) == django_date(
        localtime(moment), format_string
    )


def test_date_reads_the_time_zone_of_each_rendering():
    template = engines["jinja2"].from_string("{{ moment|date('H:i') }} {{ moment|date('j M Y, H:i') }}")
    moment = datetime(2026, 12, 3, 22, 5, tzinfo=UTC)

    with override_settings(TIME_ZONE="Europe/Berlin"):
        assert template.render({"moment": moment}) == "23:05 3 Dec 2026, 23:05"
    with override_settings(TIME_ZONE="America/New_York"):
        assert template.render({"moment": moment}) == "17:05 3 Dec 2026, 17:05"


def test_jinja2_templates_escape_what_they_print():
    template = engines["jinja2"].from_string("<p>{{ name }}</p>{{ html|safe }}")

    assert template.render({"name": "<script>", "html": "<b>ok</b>"}) == "<p>&lt;script&gt;</p><b>ok</b>"
