"""Fixtures for the browser tests: the test app served on a real port, headless Chromium, screenshots.

The ``app`` fixture of ``tests/conftest.py`` is parametrized per database, so every browser test runs once
on SQLite and, when ``TEST_DATABASE_URL`` is set, once more on PostgreSQL.

Playwright cannot download its own browser here: Debian's Chromium is used. Without it the tests are
skipped, unless ``REQUIRE_BROWSER`` is set (as in CI), in which case they fail.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "") not in ("", "0")


@pytest.fixture
def live_server(app):
    """The test app with CSRF on, served from a daemon thread; yields its base URL."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # shutdown() waits for the serving loop to look again: every 50 ms rather than the default half second.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: browser tests need it (apt-get install chromium)."
        if _browser_required():
            pytest.fail(f"REQUIRE_BROWSER is set but {reason}", pytrace=False)
        print(f"\nSkipping browser tests. {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _context(browser, **options):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(params=["vi", "en"])
def language(request) -> str:
    """The language the phone's browser asks for: every browser test runs in Vietnamese and in English."""
    return request.param


LOCALES = {"vi": "vi-VN", "en": "en-US"}


@pytest.fixture
def page(browser, language):
    """A phone-sized page with JavaScript on."""
    context = _context(browser, locale=LOCALES[language])
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page_without_js(browser, language):
    """A phone-sized page with JavaScript off: what a form must survive."""
    context = _context(browser, java_script_enabled=False, locale=LOCALES[language])
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def db_name(app) -> str:
    """The database this run of the test uses: ``sqlite`` or ``postgresql``."""
    return app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+", 1)[0]


class Screenshots:
    """Full-page screenshots numbered in order: ``<test>-<db>-NN-<step>.png``."""

    def __init__(self, test_name: str, db: str):
        self.prefix = f"{test_name}-{db}"
        self.count = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob(f"{self.prefix}-*.png"):
            old.unlink()

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shot(request, db_name, language):
    return Screenshots(request.node.originalname, f"{db_name}-{language}")
