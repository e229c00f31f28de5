"""The walking skeleton in a phone's browser: sign in, log a visit with two concerns, find them again.

Elements are found by id, name or role, never by the interface's words, which may be Vietnamese or English.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import Concern, Visit

pytestmark = pytest.mark.browser

FIRST = {
    "title": "Cuối bản chưa có điện",
    "priority": "high",
    "resident_name": "Lò Văn Pánh",
}
SECOND = {
    "title": "Đường vào bản sạt lở sau mưa",
    "priority": "urgent",
    "resident_name": "Quàng Thị Xuân",
}


def sign_in(page, base_url: str, shot=None, username: str = "official.bunglao") -> None:
    page.goto(f"{base_url}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    if shot:
        shot(page, "sign-in")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")


def fill_concern(page, index: int, category_id: int, values: dict) -> None:
    page.locator(f"#concerns-{index}-title").fill(values["title"])
    page.locator(f"#concerns-{index}-category_id").select_option(str(category_id))
    page.locator(f"#concerns-{index}-priority").select_option(values["priority"])
    page.locator(f"#concerns-{index}-resident_name").fill(values["resident_name"])


def expect_both_titles(page) -> None:
    for values in (FIRST, SECOND):
        expect(page.locator("main .list").get_by_role("link", name=values["title"], exact=True)).to_have_count(1)


def check_database(app, world, kind: str, attendees: int) -> None:
    """Exactly one visit, to Hua Chăn, with the two concerns as typed."""
    with app.app_context():
        visits = db.session.scalars(sa.select(Visit)).all()
        assert len(visits) == 1
        visit = visits[0]
        assert visit.village_id == world.hua_chan
        assert (visit.kind, visit.attendees) == (kind, attendees)
        assert [u.id for u in visit.officials] == [world.official_bl]
        concerns = visit.concerns
        assert [(c.title, c.priority, c.resident_name) for c in concerns] == [
            (v["title"], v["priority"], v["resident_name"]) for v in (FIRST, SECOND)
        ]
        assert [c.category_id for c in concerns] == [world.electricity, world.housing]
        assert all(c.village_id == world.hua_chan and c.status == "new" for c in concerns)
        assert db.session.scalar(sa.select(sa.func.count(Concern.id))) == 2


def test_log_visit_with_two_concerns(app, world, live_server, page, shot, language):
    sign_in(page, live_server, shot)
    expect(page.locator("html")).to_have_attribute("lang", language)  # the phone's language is spoken
    shot(page, "home")

    page.locator("header nav a[href$='/visits/new']").click()
    expect(page).to_have_url(f"{live_server}/visits/new")
    # CSRF is on: the real form carries its token.
    expect(page.locator("#visit-form input[name=csrf_token]")).not_to_have_value("")
    shot(page, "empty-form")

    # Pick another village first, so the search has to change the choice.
    village = page.locator("#village_id")
    village.select_option(str(world.hua_na))
    search = page.locator("#village-search")
    expect(search).to_be_visible()
    search.fill("hua chan")  # no accents: finds Hua Chăn
    expect(village).to_have_value(str(world.hua_chan))
    expect(village.locator("option")).to_have_count(1)
    shot(page, "village-found")

    page.locator("#kind").select_option("door_to_door")
    page.locator("#attendees").fill("23")
    page.locator("#notes").fill("Họp dân ở nhà văn hoá bản.")
    fill_concern(page, 0, world.electricity, FIRST)
    shot(page, "first-concern")

    page.locator("#add-concern").click()
    # Added in the page, not by the server: the first concern is still there, the second is empty.
    expect(page.locator("#concerns fieldset.concern")).to_have_count(2)
    expect(page.locator("#concerns-0-title")).to_have_value(FIRST["title"])
    expect(page.locator("#concerns-1-title")).to_have_value("")
    expect(page.locator("#concerns-1-title")).to_be_focused()
    fill_concern(page, 1, world.housing, SECOND)
    shot(page, "second-concern")

    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/visits/\d+$"))
    expect(page.locator(".flash-success")).to_have_count(1)
    expect_both_titles(page)
    shot(page, "visit-saved")

    page.goto(f"{live_server}/concerns/")
    expect_both_titles(page)
    shot(page, "concerns-list")

    check_database(app, world, "door_to_door", 23)


def test_log_visit_without_javascript(app, world, live_server, page_without_js, shot):
    page = page_without_js
    sign_in(page, live_server)

    page.goto(f"{live_server}/visits/new")
    # The search box needs JavaScript, so it stays hidden; the select is enough.
    expect(page.locator("#village-search")).to_be_hidden()
    expect(page.locator("#concerns fieldset.concern .remove-concern")).to_be_hidden()
    page.locator("#village_id").select_option(str(world.hua_chan))
    page.locator("#kind").select_option("dialogue")
    page.locator("#attendees").fill("41")
    fill_concern(page, 0, world.electricity, FIRST)
    shot(page, "first-concern")

    # "Add another concern" posts the form and comes back with one more, empty, concern.
    page.locator("#add-concern").click()
    expect(page).to_have_url(f"{live_server}/visits/new")
    expect(page.locator("#concerns fieldset.concern")).to_have_count(2)
    expect(page.locator("#village_id")).to_have_value(str(world.hua_chan))
    expect(page.locator("#attendees")).to_have_value("41")
    expect(page.locator("#concerns-0-title")).to_have_value(FIRST["title"])
    expect(page.locator("#concerns-0-category_id")).to_have_value(str(world.electricity))
    expect(page.locator("#concerns-0-priority")).to_have_value(FIRST["priority"])
    expect(page.locator("#concerns-0-resident_name")).to_have_value(FIRST["resident_name"])
    expect(page.locator("#concerns-1-title")).to_have_value("")
    expect(page.locator(".error-summary")).to_have_count(0)
    shot(page, "concern-added")

    fill_concern(page, 1, world.housing, SECOND)
    shot(page, "second-concern")
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/visits/\d+$"))
    expect_both_titles(page)
    shot(page, "visit-saved")

    page.goto(f"{live_server}/concerns/")
    expect_both_titles(page)
    shot(page, "concerns-list")

    check_database(app, world, "dialogue", 41)


def test_unsaved_visit_is_kept_on_the_phone_and_restored(app, world, live_server, page, shot):
    sign_in(page, live_server)
    page.goto(f"{live_server}/visits/new")
    page.locator("#village_id").select_option(str(world.hua_chan))
    page.locator("#attendees").fill("17")
    fill_concern(page, 0, world.electricity, FIRST)
    page.locator("#add-concern").click()
    fill_concern(page, 1, world.housing, SECOND)
    # The official is called away before saving: the page is left, as if the tab were closed.
    page.goto(f"{live_server}/concerns/")
    page.goto(f"{live_server}/visits/new")
    banner = page.locator("#draft-banner")
    expect(banner).to_be_visible()
    shot(page, "draft-offered")
    page.locator("#draft-restore").click()
    expect(banner).to_be_hidden()
    expect(page.locator("#village_id")).to_have_value(str(world.hua_chan))
    expect(page.locator("#attendees")).to_have_value("17")
    expect(page.locator("#concerns-1-title")).to_have_value(SECOND["title"])
    expect(page.locator("#concerns-1-category_id")).to_have_value(str(world.housing))
    shot(page, "draft-restored")
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/visits/\d+$"))
    expect_both_titles(page)
    # Saved: the draft is gone, and a new form offers nothing to restore.
    page.goto(f"{live_server}/visits/new")
    expect(page.locator("#draft-banner")).to_be_hidden()
    assert page.evaluate("localStorage.getItem('tracker:visit-draft')") is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Concern.id))) == 2


def test_signing_out_forgets_the_draft(app, world, live_server, page):
    sign_in(page, live_server)
    page.goto(f"{live_server}/visits/new")
    fill_concern(page, 0, world.electricity, FIRST)
    assert "Lò Văn Pánh" in page.evaluate("localStorage.getItem('tracker:visit-draft')")
    page.locator("#logout-form button").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    assert page.evaluate("localStorage.getItem('tracker:visit-draft')") is None
