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


@pytest.mark.parametrize(
    ("viewname", "args", "kwargs"),
    [
        ("community:thread", None, {"pk": 730_000_000_000, "slug": "sLot0x0-Q_"}),  # the stand-ins themselves
        ("community:thread", None, {"pk": 1, "slug": "a"}),
        ("community:thread", None, {"pk": 98_765, "slug": "Mixed_Case-slug-2"}),
        ("community:post_actions", [5], None),
        ("community:revisions", [0], None),  # no id is 0: Django's answer, however it is reached
        ("community:category", None, {"slug": 42}),  # a number where a slug goes
        ("faq:article", None, {"section": "setup", "slug": "pair-a-hub"}),
    ],
)
def test_ids_and_slugs_written_into_an_address_read_as_djangos(viewname, args, kwargs):
    for _ in range(2):
        assert reverse(viewname, args=args, kwargs=kwargs) == django_reverse(viewname, args=args, kwargs=kwargs)
    set_script_prefix("/help/")
    try:
        assert reverse(viewname, args=args, kwargs=kwargs) == django_reverse(viewname, args=args, kwargs=kwargs)
    finally:
        clear_script_prefix()


@pytest.mark.parametrize("argument", ["not-an-id", -3])
def test_what_django_refuses_is_still_refused(argument):
    reverse("community:revisions", args=[12])  # the view's address, worked out for ids
    with pytest.raises(NoReverseMatch):
        reverse("community:revisions", args=[argument])


def test_a_jinja_template_names_addresses_under_the_prefix_of_its_request():
    from django.template import engines

    template = engines["jinja2"].from_string("{{ url('home') }} {{ url('community:revisions', args=[5]) }}")
    assert template.render() == "/ /posts/5/revisions/"
    set_script_prefix("/community/")
    try:
        assert template.render() == "/community/ /community/posts/5/revisions/"
    finally:
        clear_script_prefix()
