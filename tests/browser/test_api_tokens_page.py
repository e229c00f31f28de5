"""The API tokens page on a phone: make a token, copy it from the page, use it, revoke it."""

import re

import requests
from playwright.sync_api import expect

from tests.browser.test_log_visit import sign_in


def test_make_use_and_revoke_a_token_on_a_phone(page, live_server, world, shot, language):
    sign_in(page, live_server)
    page.locator("footer a[href='/account/tokens']").click()
    expect(page).to_have_url(f"{live_server}/account/tokens")
    shot(page, "no tokens")
    page.locator("main form button[type=submit]").click()  # no name
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    page.locator("#name").fill("Bảng tính của xã")
    page.locator("main form button[type=submit].primary").click()
    secret = page.locator("#new-token").input_value().strip()
    assert re.fullmatch(r"trk_[A-Za-z0-9_-]{43}", secret)
    shot(page, "the new token")
    # The field fits the phone's width: the whole token can be selected and copied.
    box = page.locator("#new-token").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390

    answer = requests.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert answer.status_code == 200 and answer.json()["username"] == "official.bunglao"

    page.goto(f"{live_server}/account/tokens")
    expect(page.locator(".token-list li")).to_have_count(1)
    page.locator(".token-list button.danger").click()
    expect(page.locator(".flash-success")).to_be_visible()
    shot(page, "revoked")
    answer = requests.get(f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert answer.status_code == 401
