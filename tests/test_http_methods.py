"""HEAD answers like GET everywhere: monitors and link checkers send it, and HTTP requires it."""

import inspect

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import test_security_headers as pages

pytestmark = pytest.mark.django_db

# Something behind every route that takes an argument, as the security sweep builds it.
content = pages.content


def views(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from views(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            yield entry.lookup_str, entry.callback


def allowed_methods(view) -> list[str] | None:
    """The list a require_http_methods() wrapper (require_GET, require_safe...) lets through, if one wraps `view`."""
    while view is not None:
        if inspect.isfunction(view):
            methods = inspect.getclosurevars(view).nonlocals.get("request_method_list")
            if methods is not None:
                return methods
        view = getattr(view, "__wrapped__", None)
    return None


def test_no_view_takes_get_but_refuses_head():
    refusing = [
        name
        for name, view in views(get_resolver().url_patterns)
        if (methods := allowed_methods(view)) and "GET" in methods and "HEAD" not in methods
    ]

    assert refusing == []


def test_every_page_that_answers_get_answers_head_for_admins(client, staff, content):
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    checked = 0

    for path in pages.site_paths(**content):
        head = client.head(path)
        get = client.get(path)
        # Not always the same status: Django's admin login redirects a signed-in GET only.
        assert (head.status_code == 405) == (get.status_code == 405), path
        assert head.content == b"", path
        checked += get.status_code == 200

    assert checked >= 40


@pytest.mark.parametrize("name", ["moderation:audit", "moderation:moderators"])
def test_staff_pages_answer_head(client, staff, name):
    client.force_login(staff)

    response = client.head(reverse(name))

    assert response.status_code == 200
    assert response.content == b""
