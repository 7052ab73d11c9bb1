"""Shared pages take a shared and a personal context, and their regions are checked at startup."""

import logging

import pytest
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.template import Engine
from django.test import RequestFactory, override_settings

from community import caching
from community.checks import check_personal_regions, template_errors

pytestmark = pytest.mark.django_db

PROCESSORS = ["django.template.context_processors.request", "django.contrib.auth.context_processors.auth"]


def settings_with(templates):
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [("django.template.loaders.locmem.Loader", templates)],
                "context_processors": PROCESSORS,
            },
        }
    ]


@pytest.fixture
def pages(monkeypatch):
    """Serve these templates, with page.html rendered shared."""
    monkeypatch.setattr(caching, "SHARED_TEMPLATES", frozenset({"page.html"}))

    def use(templates):
        return override_settings(TEMPLATES=settings_with(templates))

    return use


def member_page(user, *, shared=None, personal=None, key="test-page"):
    request = RequestFactory().get("/")
    request.user = user
    response = caching.render_shared(
        request, "page.html", shared=lambda: shared or {}, personal=personal or {}, key=key
    )
    return response.content.decode()


def stored(key="test-page"):
    return cache.get(caching.shared_key(key))


# Pages whose regions break the rules are served whole, never broken or wrong.


def test_region_in_an_included_template_still_serves_the_member(pages, member, caplog):
    page = '<p>{% include "part.html" %}</p>'
    part = '{% load personal %}{% personal "me" %}@{{ user.username }}{% endpersonal %}'
    with pages({"page.html": page, "part.html": part}), caplog.at_level(logging.ERROR, logger="community.caching"):
        html = member_page(member)

    assert html == "<p>@maria</p>"
    assert "part.html holds a personal region" in caplog.text
    assert stored() is None


def test_region_in_a_with_block_renders_what_the_block_binds(pages, member):
    region = '{% personal "hi" %}{{ greeting }} @{{ user.username }}{% endpersonal %}'
    with pages({"page.html": '{% load personal %}{% with greeting="Hello" %}' + region + "{% endwith %}"}):
        html = member_page(member)

    assert html == "Hello @maria"
    assert stored() is None


def test_region_in_a_loop_renders_each_item(pages, member):
    region = '{% personal "n" %}[{{ n }}]{% endpersonal %}'
    with pages({"page.html": "{% load personal %}{% for n in numbers %}" + region + "{% endfor %}"}):
        html = member_page(member, shared={"numbers": [1, 2, 3]})

    assert html == "[1][2][3]"


def test_duplicate_region_names_keep_both_regions(pages, member):
    base = '{% load personal %}{% personal "menu" %}A{% endpersonal %}{% block content %}{% endblock %}'
    page = (
        '{% extends "base.html" %}{% load personal %}'
        '{% block content %}{% personal "menu" %}B{% endpersonal %}{% endblock %}'
    )
    with pages({"base.html": base, "page.html": page}):
        html = member_page(member)

    assert html == "AB"


def test_csrf_token_outside_a_region_is_never_shared(pages, member, caplog):
    with pages({"page.html": "<form>{% csrf_token %}</form>"}), caplog.at_level(logging.ERROR, "community.caching"):
        html = member_page(member)

    assert 'name="csrfmiddlewaretoken"' in html and caching.CSRF_SENTINEL not in html
    assert "a CSRF token outside its personal regions" in caplog.text
    assert stored() is None


# The bounded API.


def test_personal_region_sees_only_the_personal_context(pages, member):
    region = '{% personal "me" %}[{{ title }}|{{ mine }}|@{{ user.username }}]{% endpersonal %}'
    with pages({"page.html": "{% load personal %}{{ title }}" + region}):
        html = member_page(member, shared={"title": "Shared"}, personal={"mine": "Mine"})

    assert html == "Shared[|Mine|@maria]"


def test_shared_context_is_built_only_for_the_first_member(pages, member, other_member):
    built = []

    def shared():
        built.append(1)
        return {"title": "Shared"}

    request = RequestFactory().get("/")
    seen = []
    with pages(
        {"page.html": '{% load personal %}{{ title }} {% personal "me" %}@{{ user.username }}{% endpersonal %}'}
    ):
        for user in (member, other_member):
            request.user = user
            response = caching.render_shared(request, "page.html", shared=shared, personal={}, key="test-page")
            seen.append(response.content.decode())

    assert seen == ["Shared @maria", "Shared @olaf"]
    assert len(built) == 1


def test_page_without_a_key_is_built_alike_but_not_stored(pages, member, monkeypatch):
    stores = []
    monkeypatch.setattr(caching.cache, "set", lambda *args, **kwargs: stores.append(args))
    with pages({"page.html": '{% load personal %}{{ title }}{% personal "me" %}{{ title }}{% endpersonal %}'}):
        html = member_page(member, shared={"title": "Shared"}, key=None)

    assert html == "Shared"
    assert stores == []


def test_shared_rendering_never_shows_the_member_even_through_an_unchecked_include(pages, member, other_member):
    with pages({"page.html": "{% include part %}", "part.html": "Hi @{{ user.username }}"}):
        first = member_page(member, shared={"part": "part.html"})
        second = member_page(other_member, shared={"part": "part.html"})

    assert first == second == "Hi @"


def test_a_page_not_declared_shared_is_refused(pages, member):
    with pages({"other.html": "Hi"}), pytest.raises(ImproperlyConfigured):
        request = RequestFactory().get("/")
        request.user = member
        caching.render_shared(request, "other.html", shared=dict, personal={}, key="test-page")


# The startup check.


def test_every_project_template_passes_the_check():
    assert check_personal_regions() == []


def test_the_check_runs_at_startup(pages):
    with pages({"page.html": '{% load personal %}{% with a=1 %}{% personal "a" %}{% endpersonal %}{% endwith %}'}):
        found = checks.run_checks(tags=[checks.Tags.templates])

    assert [error.id for error in found] == ["community.E001"]


def errors(templates, shared=("page.html",)):
    engine = Engine(
        loaders=[("django.template.loaders.locmem.Loader", templates)],
        libraries={"personal": "community.templatetags.personal", "jinja": "community.templatetags.jinja"},
    )
    return template_errors(engine, sorted(templates), shared=set(shared))


REGION = '{% personal "me" %}{{ user.username }}{% endpersonal %}'


@pytest.mark.parametrize(
    ("templates", "expected"),
    [
        ({"page.html": '{% include "part.html" %}', "part.html": "{% load personal %}" + REGION}, "part.html holds"),
        ({"page.html": "{% load personal %}{% for n in numbers %}" + REGION + "{% endfor %}"}, "inside {% for %}"),
        ({"page.html": "{% load personal %}{% with n=1 %}" + REGION + "{% endwith %}"}, "inside {% with %}"),
        (
            {"page.html": "{% load personal %}{% spaceless %}" + REGION + "{% endspaceless %}"},
            "inside {% spaceless %}",
        ),
        ({"page.html": "{% load personal %}" + REGION + REGION}, 'a second personal region named "me"'),
        (
            {
                "base.html": "{% load personal %}" + REGION + "{% block content %}{% endblock %}",
                "page.html": '{% extends "base.html" %}{% load personal %}{% block content %}'
                + REGION
                + "{% endblock %}",
            },
            'a second personal region named "me"',
        ),
        ({"page.html": "{{ user.name }}"}, '"user" is read outside'),
        ({"page.html": "{% if request.GET.q %}{% endif %}"}, '"request" is read outside'),
        ({"page.html": "{{ title|default:user.name }}"}, '"user" is read outside'),
        ({"page.html": "{{ csrf_token }}"}, '"csrf_token" is read outside'),
        ({"page.html": "<form>{% csrf_token %}</form>"}, "{% csrf_token %} outside"),
        ({"page.html": "{% if perms.community %}{% endif %}"}, '"perms" is read outside'),
        ({"page.html": "{% for m in messages %}{% endfor %}"}, '"messages" is read outside'),
        ({"page.html": "{% with u=user %}{% endwith %}"}, '"user" is read outside'),
        ({"page.html": '{% include "a.html" with person=user %}', "a.html": ""}, '"user" is read outside'),
        ({"page.html": '{% include "a.html" %}', "a.html": "{{ user }}"}, 'a.html, line 1: "user"'),
        ({"page.html": '{% extends "base.html" %}', "base.html": "{{ user }}"}, 'base.html, line 1: "user"'),
        ({"page.html": "{% include part %}"}, "includes a template chosen at run time"),
    ],
)
def test_the_check_rejects(templates, expected):
    found = errors(templates)

    assert any(expected in error.msg for error in found), [error.msg for error in found]


def test_the_check_accepts_regions_in_blocks_and_ifs_and_members_state_inside_them():
    found = errors(
        {
            "base.html": (
                '{% load personal %}{% block content %}{% endblock %}{% personal "a" %}{{ user }}{% endpersonal %}'
            ),
            "page.html": (
                '{% extends "base.html" %}{% load personal %}{% block content %}{% if shown %}'
                '{% personal "me" %}{% csrf_token %}{% include "a.html" with person=user %}{% endpersonal %}'
                '{% endif %}{% include "b.html" %}{% endblock %}'
            ),
            "a.html": "{{ person }} {{ request.path }}",
            "b.html": "{% for x in items %}{{ x }}{% endfor %}",
            "other.html": "{{ user }}{% csrf_token %}",
        }
    )

    assert found == []


# Regions in a Jinja2 part of a page ({% jinja_regions %}).


def with_jinja(templates):
    """Django's engine as `pages` sets it up, beside a Jinja2 engine serving `templates`."""
    from jinja2 import DictLoader

    return {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "OPTIONS": {"environment": "config.jinja2.environment", "loader": DictLoader(templates)},
    }


@pytest.fixture
def jinja_pages(monkeypatch):
    monkeypatch.setattr(caching, "SHARED_TEMPLATES", frozenset({"page.html"}))

    def use(django_templates, jinja_templates):
        return override_settings(TEMPLATES=[*settings_with(django_templates), with_jinja(jinja_templates)])

    return use


JINJA_PAGE = '{% load jinja %}<main>{% jinja_regions "body.html" %}</main>'


def test_jinja2_regions_are_rendered_for_each_member_over_one_shared_rendering(jinja_pages, member, other_member):
    body = '{{ title }} {% personal "me" %}@{{ user.username }}:{{ mine }}:{{ title }}{% endpersonal %}'
    built = []

    def shared():
        built.append(1)
        return {"title": "Shared"}

    request = RequestFactory().get("/")
    seen = []
    with jinja_pages({"page.html": JINJA_PAGE}, {"body.html": body}):
        for user in (member, other_member):
            request.user = user
            response = caching.render_shared(
                request, "page.html", shared=shared, personal={"mine": user.pk}, key="test-page"
            )
            seen.append(response.content.decode())

    # The region sees the personal context and the member, never the shared context.
    assert seen == [f"<main>Shared @maria:{member.pk}:</main>", f"<main>Shared @olaf:{other_member.pk}:</main>"]
    assert len(built) == 1
    assert stored()[1::2] == ["me"]  # the shared rendering left the region to each request


def test_jinja2_region_forms_carry_each_members_own_token(jinja_pages, member):
    body = '{% personal "form" %}<form>{{ csrf_input(csrf_token) }}</form>{% endpersonal %}'
    with jinja_pages({"page.html": JINJA_PAGE}, {"body.html": body}):
        html = member_page(member)

    assert 'name="csrfmiddlewaretoken" value="' in html and caching.CSRF_SENTINEL not in html
    assert stored() is not None


def jinja_errors(django_templates, jinja_templates):
    with override_settings(TEMPLATES=[*settings_with({}), with_jinja(jinja_templates)]):
        return errors(django_templates)


JINJA_REGION = '{% personal "me" %}{{ user.username }}{% endpersonal %}'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{% for n in numbers %}" + JINJA_REGION + "{% endfor %}", "inside {% for %}"),
        ("{% with n = 1 %}" + JINJA_REGION + "{% endwith %}", "inside {% with %}"),
        ("{% macro m() %}" + JINJA_REGION + "{% endmacro %}", "inside {% macro %}"),
        ('{% set n = 1 %}{% personal "me" %}{{ n }}{% endpersonal %}', 'reads "n", set outside it'),
        ("{{ user.name }}" + JINJA_REGION, '"user" is read outside'),
        ("{{ csrf_input(csrf_token) }}", '"csrf_token" is read outside'),
        ("{% if request.GET.q %}{% endif %}", '"request" is read outside'),
        ('{% include "part.html" %}', "part.html holds a personal region"),
    ],
)
def test_the_check_rejects_in_jinja2(body, expected):
    found = jinja_errors({"page.html": JINJA_PAGE}, {"body.html": body, "part.html": JINJA_REGION})

    assert any(expected in error.msg for error in found), [error.msg for error in found]


def test_the_check_rejects_a_name_used_by_a_django_region_and_a_jinja2_one():
    page = '{% load jinja personal %}{% personal "me" %}{% endpersonal %}{% jinja_regions "body.html" %}'
    found = jinja_errors({"page.html": page}, {"body.html": JINJA_REGION})

    assert any('a second personal region named "me"' in error.msg for error in found), [e.msg for e in found]


def test_the_check_accepts_jinja2_regions_in_ifs_and_members_state_inside_them():
    form = '{% personal "f" %}{{ csrf_token }}{% endpersonal %}'
    body = "{{ title }}{% if shown %}" + JINJA_REGION + "{% endif %}" + form
    found = jinja_errors({"page.html": JINJA_PAGE}, {"body.html": body})

    assert found == []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% load personal %}{% personal me %}{% endpersonal %}", "{% personal %} takes one quoted name"),
        ('{% load personal %}{% personal "a" "b" %}{% endpersonal %}', "{% personal %} takes one quoted name"),
        ("{% load jinja %}{% jinja_regions %}", "{% jinja_regions %} takes one quoted template name"),
        ("{% load jinja %}{% jinja_regions body %}", "{% jinja_regions %} takes one quoted template name"),
    ],
)
def test_the_region_tags_take_one_quoted_name(source, message):
    from django.template import TemplateSyntaxError

    engine = Engine(libraries={"personal": "community.templatetags.personal", "jinja": "community.templatetags.jinja"})
    with pytest.raises(TemplateSyntaxError, match=message.replace("{", r"\{").replace("}", r"\}")):
        engine.from_string(source)
