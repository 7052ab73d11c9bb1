import os
import shutil
import socket
import threading
import time
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


def _asgi_media_handler(application):
    """Uploaded files, served as pytest-django's live server serves them (Django's _MediaFilesHandler), over ASGI."""
    from django.conf import settings
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.views.static import serve

    class MediaFilesHandler(ASGIStaticFilesHandler):
        def get_base_url(self):
            return settings.MEDIA_URL

        def serve(self, request):
            return serve(request, self.file_path(request.path), document_root=settings.MEDIA_ROOT)

    return MediaFilesHandler(application)


class AsgiLiveServer:
    """The site served as in production, over ASGI (uvicorn), so its pages' WebSockets connect too.

    It stands in for pytest-django's `live_server` (whose WSGI server has no
    WebSockets) with the same face: `url`, and the ALLOWED_HOSTS change that
    pytest-django's helper switches on for each test. It runs in a thread of the
    test process, as that one does, sharing the cache and the channel layer.
    """

    def __init__(self, host: str = "localhost"):
        import uvicorn
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
        from django.test.utils import modify_settings

        from config.asgi import application

        with socket.socket() as probe:
            probe.bind((host, 0))
            self.port = probe.getsockname()[1]
        self.host = host
        config = uvicorn.Config(
            ASGIStaticFilesHandler(_asgi_media_handler(application)),
            host=host,
            port=self.port,
            lifespan="off",
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self._live_server_modified_settings = modify_settings(ALLOWED_HOSTS={"append": host})
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the ASGI test server did not start")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __str__(self) -> str:
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server():
    server = AsgiLiveServer()
    yield server
    server.stop()


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
