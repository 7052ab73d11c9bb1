"""The demo site, crawled by link as each kind of reader, passes axe-core's WCAG 2.2 AA rules.

Every page reached is checked on a 390 px phone screen (axe, no sideways
scrolling, no console error) and again at 1280 px (axe). axe-core is vendored
from the npm registry in tests/browser/vendor and injected by the driver, so
nothing is fetched while the test runs and the site's CSP is not loosened.
"""

import io
import re
from collections import Counter, deque
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ROLES = {"visitor": None, "member": "maria", "moderator": "mona", "staff": "tess"}
MIN_PAGES, MAX_PAGES = 30, 40
# Pages of one shape (the same path with other ids, the same query keys) after
# which the crawl prefers pages it has not seen the like of.
SAME_SHAPE = 2
PHONE, DESKTOP = (390, 844), (1280, 900)
# Not pages: signing out, files, feeds, and Django's own admin, which is not Concierge's interface.
NOT_PAGES = re.compile(r"^/(accounts/logout|admin/|static/|media/|api/)|\.(xml|rss|atom|json|csv|zip|png|svg)$|/feed")

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
  .then(result => done(result.violations.map(v => ({
    rule: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary)
  }))))
  .catch(error => done([{rule: "axe-error", impact: "critical", nodes: [String(error)]}]));
"""
PAGE_FACTS = """
const nav = performance.getEntriesByType("navigation")[0];
return {
  status: nav ? nav.responseStatus : 0,
  width: document.documentElement.scrollWidth,
  links: [...document.querySelectorAll("a[href]")].map(a => a.href),
};
"""


def shape(path: str) -> str:
    """`/t/12/some-title/?page=2` and `/t/40/other/?page=3` are pages of one kind."""
    parts = urlsplit(path)
    keys = sorted(pair.split("=")[0] for pair in parts.query.split("&") if pair)
    return re.sub(r"/\d+(/[^/]+)?", "/N", parts.path) + "?" + "&".join(keys)


def sign_in(browser, base: str, username: str | None) -> None:
    browser.delete_all_cookies()
    if username is None:
        return
    client = Client()
    client.force_login(User.objects.get(username=username))
    browser.get(base + "/robots.txt")  # a cookie can only be set on the site's own origin
    browser.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value, "path": "/"})


def emulate(browser, size) -> None:
    width, height = size
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def crawl(browser, base: str) -> dict[str, list[str]]:
    """Problems by page, for up to MAX_PAGES pages reached from the home page by links."""
    queue, shapes = deque(["/"]), Counter()
    linked_from = {"/": "the start"}
    problems: dict[str, list[str]] = {}
    browser.set_script_timeout(60)
    while queue and len(problems) < MAX_PAGES:
        path = queue.popleft()
        emulate(browser, PHONE)
        browser.get(base + path)
        found = []
        facts = browser.execute_script(PAGE_FACTS)
        if facts["status"] >= 400:
            found.append(f"answered {facts['status']} to a link on {linked_from[path]}")
        if facts["width"] > PHONE[0]:
            found.append(f"{facts['width']} px wide on a {PHONE[0]} px screen")
        for size in (PHONE, DESKTOP):
            emulate(browser, size)
            browser.execute_script(AXE)
            for violation in browser.execute_async_script(RUN_AXE, WCAG_22_AA):
                found.append(f"axe {violation['rule']} ({violation['impact']}) at {size[0]} px: {violation['nodes']}")
        found += [f"console: {entry['message']}" for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        problems[path] = found
        shapes[shape(path)] += 1
        for link in facts["links"]:
            url, _ = urldefrag(link)
            if not url.startswith(base):
                continue
            target = url[len(base) :] or "/"
            if target in linked_from or NOT_PAGES.search(urlsplit(target).path):
                continue
            linked_from[target] = path
            # Pages of a kind already checked go to the back of the queue.
            (queue.append if shapes[shape(target)] >= SAME_SHAPE else queue.appendleft)(target)
    return problems


@pytest.fixture
def demo_site(live_server, settings):
    settings.DEBUG = False
    with redirect_stdout(io.StringIO()):
        call_command("seed_demo")
    return live_server.url


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_reader_can_reach_passes_wcag_22_aa(browser, demo_site, role):
    sign_in(browser, demo_site, ROLES[role])
    browser.get_log("browser")

    problems = crawl(browser, demo_site)

    assert len(problems) >= MIN_PAGES, f"only {len(problems)} pages reachable by links: {sorted(problems)}"
    failing = {path: found for path, found in problems.items() if found}
    assert failing == {}, "\n".join(f"{path}:\n  " + "\n  ".join(found) for path, found in failing.items())
