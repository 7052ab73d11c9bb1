"""Every HTML page carries a strict Content Security Policy and no inline script."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Sample arguments for every route that takes some. A new route with
# parameters fails the sweep until it is listed here, so none is missed.
SAMPLE_KWARGS = {
    "profile": {"username": "maria"},
    "category": {"slug": "getting-started"},
    "follow_category": {"slug": "getting-started"},
    "tag": {"slug": "pairing"},
    "thread": {"pk": "{thread}", "slug": "how-do-i-pair-a-new-bulb"},
    "thread_short": {"pk": "{thread}"},
    "unaccept": {"pk": "{thread}"},
    "idea_vote": {"pk": "{thread}"},
    "me_too": {"pk": "{thread}"},
    "set_status": {"pk": "{thread}"},
    "follow_thread": {"pk": "{thread}"},
    "replies_since": {"pk": "{thread}"},
    "post_context": {"pk": "{post}"},
    "post_actions": {"pk": "{post}"},
    "reply": {"pk": "{post}"},
    "edit_post": {"pk": "{post}"},
    "revisions": {"pk": "{post}"},
    "delete_post": {"pk": "{post}"},
    "remove_post": {"pk": "{post}"},
    "helpful": {"pk": "{post}"},
    "accept": {"pk": "{post}"},
    "verify": {"pk": "{post}"},
    "account_confirm_email": {"key": "not-a-real-key"},
    "account_reset_password_from_key": {"uidb36": "1", "key": "set-password"},
    "media": None,  # serves uploaded files, not HTML
    "sitemap": None,  # XML for search engines, not HTML (tests/test_sitemaps.py)
    "item": {"pk": "{item}"},
    "claim": {"pk": "{item}"},
    "act": {"pk": "{item}"},
    "flag": {"pk": "{post}"},
    "member": {"username": "maria"},
    "sanction": {"username": "maria"},
    "note": {"username": "maria"},
    "purge": {"username": "maria"},
    "unpurge": {"username": "maria"},
    "lift": {"pk": "1"},
    "thread_tools": {"pk": "{thread}"},
    "thread_act": {"pk": "{thread}"},
    "conversation": {"pk": "{conversation}"},
    "badge": {"slug": "thank-you"},
    "give_badge": {"slug": "thank-you"},
    "remove_super_user": {"username": "maria"},
    "section": {"slug": "pairing"},
    "article": {"section": "pairing", "slug": "pair-a-bulb"},
    "edit": {"pk": "1"},
    "publish": {"pk": "1"},
    "unpublish": {"pk": "1"},
    "archive": {"pk": "1"},
    "open": {"pk": "1"},
    "suggest": {"pk": "{thread}"},
    "dismiss_candidate": {"pk": "{thread}"},
    "source_change": {"pk": "1"},
    "dismiss_source_change": {"pk": "1"},
    "mark_read": {"pk": "1"},
    "mute": {"username": "olaf"},
    "unmute": {"username": "olaf"},
    "unsubscribe": {"token": "not-a-real-token"},
    "digest_unsubscribe": {"token": "not-a-real-token"},
    "assign_owner": {"pk": "{thread}"},
}
NOT_HTML_PREFIXES = ("healthz", "static/")


def iter_paths(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from iter_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.name


def concrete(route, name):
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    if "<" not in route and "(?P" not in route:
        return "/" + route
    if name not in SAMPLE_KWARGS:
        pytest.fail(f"route {route!r} ({name}) takes arguments: add sample values to SAMPLE_KWARGS")
    kwargs = SAMPLE_KWARGS[name]
    if kwargs is None:
        return None
    for key, value in kwargs.items():
        route = re.sub(rf"<(?:\w+:)?{key}>|\(\?P<{key}>[^)]*\)", value, route)
    return "/" + route


def site_paths(thread=0, post=0, item=0, conversation=0):
    paths = set()
    for route, name in iter_paths(get_resolver().url_patterns):
        if route.startswith(NOT_HTML_PREFIXES):
            continue
        # The admin's object pages need objects; its list pages are swept.
        if route.startswith("admin/") and ("<" in route or "(?P" in route):
            continue
        paths.add(concrete(route, name))
    return sorted(p.format(thread=thread, post=post, item=item, conversation=conversation) for p in paths if p)


class ScriptAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        # JSON data blocks are never executed, so the CSP leaves them alone.
        if (
            tag == "script"
            and "src" not in names
            and dict(attrs).get("type")
            not in (
                "application/json",
                "application/ld+json",
            )
        ):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")


def assert_strict(path, response):
    policy = response.get("Content-Security-Policy", "")
    parts = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    directives = {name: value for name, _, value in parts}
    assert "script-src" in directives, f"{path}: no script-src in {policy!r}"
    assert "'unsafe-inline'" not in directives["script-src"], path
    assert "'unsafe-eval'" not in directives["script-src"], path
    assert directives.get("object-src") == "'none'", path
    assert directives.get("frame-ancestors") == "'none'", path
    audit = ScriptAudit()
    audit.feed(response.content.decode())
    assert audit.problems == [], f"{path}: {audit.problems}"


@pytest.fixture
def content(member, other_member):
    """Something behind every route that takes an argument."""
    from community.models import Tag
    from moderation.services.feedback import tell_member
    from tests.builders import build_category, build_member, build_reply, build_thread

    category = build_category(name="Getting started")
    Tag.objects.create(name="pairing", slug="pairing")
    thread = build_thread(member, category=category)
    answer = build_reply(other_member, thread.opening_post)
    held = build_reply(build_member(trust_level=0), thread.opening_post, body="Held for review")
    conversation = tell_member(other_member, member=member, subject="Hello", body="From the team")
    return {
        "thread": thread.pk,
        "post": answer.pk,
        "item": held.review_items.get().pk,
        "conversation": conversation.pk,
    }


def sweep(client, content):
    checked = 0
    for path in site_paths(**content):
        response = client.get(path)
        if response.get("Content-Type", "").startswith("text/html"):
            assert_strict(path, response)
            checked += 1
    return checked


def test_every_page_has_strict_csp_for_visitors(client, content):
    assert sweep(client, content) >= 15


def test_every_page_has_strict_csp_for_members(client, member, content):
    client.force_login(member)

    assert sweep(client, content) >= 25


def test_every_page_has_strict_csp_for_admins(client, staff, content):
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)

    assert sweep(client, content) >= 40


def test_error_pages_have_strict_csp(client, settings):
    settings.DEBUG = False

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert_strict("/no/such/page/", response)


def test_sweep_covers_the_routes_that_matter():
    paths = site_paths()

    for expected in ("/", "/search/", "/accounts/login/", "/accounts/signup/", "/settings/", "/u/maria/", "/new/"):
        assert expected in paths
