"""The main pages under the Content-Security-Policy in a real browser: not one violation.

Chromium reports each violation as a console error and a ``securitypolicyviolation`` event; both are
collected while an official and an administrator go through the main pages with JavaScript on. Each page is
watched until the network has been quiet for half a second (``networkidle``), so that what its scripts do after
loading is seen too; the pages are opened in turn in a few tabs of the same browser, so that those half seconds
pass side by side rather than one after another.
"""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

VIOLATIONS_SCRIPT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(
    event.violatedDirective + ' ' + (event.blockedURI || 'inline') + ' ' + event.sourceFile + ':' + event.lineNumber
  );
});
"""


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state("networkidle")


TABS = 4


def test_the_main_pages_break_no_rule_of_the_policy(live_server, page, world, factory, shot):
    concern = factory.concern(world.hua_chan, world.official_bl, title="Cuối bản chưa có điện")
    console = []
    page.context.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.context.add_init_script(VIOLATIONS_SCRIPT)
    tabs = [page] + [page.context.new_page() for _ in range(TABS - 1)]
    showing = {}  # tab -> the path it was sent to, until it has been read
    seen = []

    def read(tab):
        """The tab's page, once the network has been quiet for half a second: its status, policy and violations."""
        if tab not in showing:
            return
        path, response = showing.pop(tab)
        tab.wait_for_load_state("networkidle")
        assert response.status < 400, (path, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        seen.extend(f"{path}: {v}" for v in tab.evaluate("window.__cspViolations || []"))

    def visit_all(paths, screenshot=None):
        """Each path in the next tab (once that tab's previous page has been read), the last pages read, the last
        one photographed; then the tabs are emptied, so that nothing of these pages runs on behind the next ones."""
        for n, path in enumerate(paths):
            tab = tabs[n % TABS]
            read(tab)
            showing[tab] = (path, tab.goto(f"{live_server}{path}"))
        for tab in tabs:
            read(tab)
        if screenshot:
            shot(tabs[(len(paths) - 1) % TABS], screenshot)
        for tab in tabs:
            tab.goto("about:blank")

    visit_all(("/login", "/track"))
    sign_in(page, live_server, "official.bunglao")
    visit_all(
        (
            "/",
            "/visits/new",
            "/visits",
            "/concerns/",
            "/concerns/mine",
            f"/concerns/{concern}",
            f"/concerns/{concern}/slip",
            f"/concerns/{concern}/photos",
            "/account/password",
        ),
        "concern page under the policy",
    )
    page.context.clear_cookies()
    sign_in(page, live_server, "admin")
    visit_all(
        (
            "/review/",
            "/review/concerns",
            "/review/coverage",
            "/review/trends",
            f"/villages/{world.hua_chan}",
            "/exports/",
            "/exports/report",
            "/admin/",
            "/admin/users",
            "/admin/villages",
            "/admin/villages/import",
            "/admin/categories",
            "/admin/audit",
        ),
        "trends under the policy",
    )
    assert not console, console
    assert not seen, seen
