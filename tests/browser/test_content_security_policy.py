"""The main pages under the Content-Security-Policy in a real browser: not one violation.

Chromium reports each violation as a console error and a ``securitypolicyviolation`` event; both are
collected while an official and an administrator go through the main pages with JavaScript on.
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


def test_the_main_pages_break_no_rule_of_the_policy(live_server, page, world, factory, shot):
    concern = factory.concern(world.hua_chan, world.official_bl, title="Cuối bản chưa có điện")
    console = []
    page.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.add_init_script(VIOLATIONS_SCRIPT)
    seen = []

    def visit(path):
        response = page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
        assert response.status < 400, (path, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        seen.extend(f"{path}: {v}" for v in page.evaluate("window.__cspViolations || []"))

    for path in ("/login", "/track"):
        visit(path)
    sign_in(page, live_server, "official.bunglao")
    for path in (
        "/",
        "/visits/new",
        "/visits",
        "/concerns/",
        "/concerns/mine",
        f"/concerns/{concern}",
        f"/concerns/{concern}/slip",
        f"/concerns/{concern}/photos",
        "/account/password",
    ):
        visit(path)
    shot(page, "concern page under the policy")
    page.context.clear_cookies()
    sign_in(page, live_server, "admin")
    for path in (
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
    ):
        visit(path)
    shot(page, "trends under the policy")
    assert not console, console
    assert not seen, seen
