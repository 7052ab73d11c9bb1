"""`config.paths.reverse` answers as Django's `reverse` does, under whatever URLconf and script prefix are current."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix
from django.urls import reverse as django_reverse

from config.paths import reverse


@pytest.mark.parametrize(
    ("viewname", "args", "kwargs"),
    [
        ("home", None, None),
        ("community:category", None, {"slug": "hubs"}),
        ("community:thread", None, {"pk": 7, "slug": "pairing"}),
        ("community:revisions", [12], None),
        ("recognition:profile", None, {"username": "zoë.smith"}),
    ],
)
def test_it_answers_as_django_does(viewname, args, kwargs):
    for _ in range(2):  # worked out, then remembered
        assert reverse(viewname, args=args, kwargs=kwargs) == django_reverse(viewname, args=args, kwargs=kwargs)


def test_a_script_prefix_is_part_of_the_answer():
    assert reverse("home") == "/"
    set_script_prefix("/community/")
    try:
        assert reverse("home") == "/community/"
    finally:
        clear_script_prefix()
    assert reverse("home") == "/"


def test_another_urlconf_gets_its_own_answers():
    assert reverse("community:category", kwargs={"slug": "hubs"}) == "/c/hubs/"
    with override_settings(ROOT_URLCONF="tests.urls_without_community"), pytest.raises(NoReverseMatch):
        reverse("community:category", kwargs={"slug": "hubs"})


def test_an_unknown_name_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            reverse("community:nothing-of-the-kind")
