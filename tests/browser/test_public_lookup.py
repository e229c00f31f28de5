"""The public look-up on a resident's phone, signed out; the slip an official prints for a resident.

Elements are found by id, name or role, never by the interface's words, which may be Vietnamese or English.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.conftest import PASSWORD
from tracker.extensions import db
from tracker.models import Concern, User
from tracker.workflow import add_note, change_status

pytestmark = pytest.mark.browser

CODE = "H1S0NZ6M"
RESIDENT_NAME = "Lò Thị Pánh"
PUBLIC_NOTE = "Đã khảo sát nguồn nước đầu bản"
RESOLUTION = "Đã lắp đường ống mới từ khe suối về bản"
# The A6 sheet less the slip's 7 mm margins, in CSS pixels (96 per inch).
A6_CONTENT = {"width": round((105 - 14) / 25.4 * 96), "height": round((148 - 14) / 25.4 * 96)}


def resolved_concern(app, world, factory) -> int:
    """A water concern of Hua Chăn with a public note, resolved, under the code H1S0 NZ6M."""
    concern_id = factory.concern(
        world.hua_chan, world.official_bl, title="Giếng nước cạn", category="water", resident_name=RESIDENT_NAME
    )
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        concern.reference_code = CODE
        supervisor = db.session.get(User, world.supervisor_bl)
        change_status(concern, "in_progress", supervisor)
        add_note(concern, PUBLIC_NOTE, supervisor, public=True)
        change_status(concern, "resolved", supervisor, note=RESOLUTION)
        db.session.commit()
    return concern_id


def look_up(page, base_url: str, typed: str, shot=None) -> None:
    page.goto(f"{base_url}/track")
    page.locator("#code").fill(typed)
    if shot:
        shot(page, "look-up")
    page.locator("form.lookup button[type=submit]").click()


def test_resident_looks_up_a_concern_and_answers(app, world, factory, live_server, page, shot, language):
    concern_id = resolved_concern(app, world, factory)
    page.goto(f"{live_server}/login")  # a resident who lands on the sign-in page finds the look-up
    page.locator("#track-link").click()
    expect(page).to_have_url(f"{live_server}/track")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("header nav")).to_have_count(0)  # signed out: the simple header

    look_up(page, live_server, "nope-nope")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#code")).to_have_value("")
    shot(page, "not-found")

    look_up(page, live_server, "h1so-nz6m", shot)  # typed loosely, O for 0
    expect(page).to_have_url(re.compile(r"/track\?code="))
    expect(page.locator("h1")).to_contain_text("H1S0 NZ6M")
    expect(page.locator(".badge.status-resolved")).to_be_visible()
    expect(page.locator("main")).to_contain_text(PUBLIC_NOTE)
    expect(page.locator("main")).not_to_contain_text(RESIDENT_NAME)
    expect(page.locator("main")).not_to_contain_text("Giếng nước cạn")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "result")

    page.locator("input[name=answer][value=satisfied]").check()
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/track/{CODE}")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("input[name=answer]")).to_have_count(0)
    shot(page, "answered")
    with app.app_context():
        assert db.session.get(Concern, concern_id).satisfaction == "satisfied"


def test_look_up_without_javascript(app, world, factory, live_server, page_without_js, shot):
    resolved_concern(app, world, factory)
    page = page_without_js
    look_up(page, live_server, "H1S0 NZ6M")
    expect(page.locator("h1")).to_contain_text("H1S0 NZ6M")
    page.locator("input[name=answer][value=partly]").check()
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/track/{CODE}")
    expect(page.locator("input[name=answer]")).to_have_count(0)
    shot(page, "answered")


def test_official_prints_the_slip(app, world, factory, live_server, page, shot):
    concern_id = factory.concern(world.hua_chan, world.official_bl, category="water", resident_name=RESIDENT_NAME)
    with app.app_context():
        db.session.get(Concern, concern_id).reference_code = "HRS9NZ6M"
        db.session.commit()
    page.goto(f"{live_server}/login")
    page.locator("#username").fill("official.bunglao")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/")

    page.goto(f"{live_server}/concerns/{concern_id}")
    page.locator("#slip-link").click()
    expect(page).to_have_url(f"{live_server}/concerns/{concern_id}/slip")
    expect(page.locator(".slip-code")).to_have_text("HRS9 NZ6M")
    expect(page.locator(".slip-url")).to_have_text(f"{live_server}/track")
    expect(page.locator(".slip svg.qr")).to_be_visible()
    expect(page.locator("[data-print]")).to_be_visible()  # the script shows the button …
    expect(page.locator("[data-print-hint]")).to_be_hidden()  # … and hides the words it replaces
    expect(page.locator("main")).not_to_contain_text(RESIDENT_NAME)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "slip")

    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("[data-print]")).to_be_hidden()
    shot(page, "slip-print")
    page.set_viewport_size(A6_CONTENT)  # the printable part of an A6 sheet
    shot(page, "slip-print-a6")
    # Printed, it is one A6 sheet (105 × 148 mm is 297.6 × 419.5 points).
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (SCREENSHOTS / f"{shot.prefix}-slip-a6.pdf").write_bytes(pdf)  # to look at, beside the screenshots
    sizes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(sizes) == 1, f"{len(sizes)} pages"
    assert [round(float(v)) for v in sizes[0]] == [298, 420]
    with app.app_context():
        assert db.session.scalar(sa.select(Concern.satisfaction).where(Concern.id == concern_id)) is None
