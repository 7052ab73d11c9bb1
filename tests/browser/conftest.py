import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def chromium(*, scripts: bool = True):
    """A headless Chromium; with `scripts` False, one that runs no page JavaScript at all."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.skip("browser tests need Debian's chromium and chromium-driver (make browsers)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1280,900",
        "--hide-scrollbars",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if not scripts:
        # The content setting a reader gets from "Don't allow sites to use JavaScript".
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(5)
    return driver


@pytest.fixture(scope="session")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def browser_without_scripts():
    driver = chromium(scripts=False)
    yield driver
    driver.quit()


def _fresh(browser, live_server):
    browser.delete_all_cookies()
    browser.get_log("browser")  # drop what earlier tests left
    browser.url = lambda path="/": f"{live_server.url}{path}"
    return browser


@pytest.fixture
def page_without_scripts(browser_without_scripts, live_server):
    """`page`, in a browser whose reader turned JavaScript off."""
    return _fresh(browser_without_scripts, live_server)


@pytest.fixture
def page(browser, live_server):
    """A fresh browser session against the live test server."""
    yield _fresh(browser, live_server)
    problems = [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]
    ]
    assert problems == [], f"browser console reported: {problems}"


@pytest.fixture(scope="session")
def screenshot_dir():
    path = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "var" / "screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path
