"""A concern's life in a phone's browser: linking a concern raised again, and taking one to resolved."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_log_visit import sign_in
from tests.browser.test_photos import camera_photo
from tracker.extensions import db
from tracker.models import Concern, ConcernEvent

pytestmark = pytest.mark.browser


def test_a_concern_raised_again_is_linked_to_the_open_one(app, world, factory, live_server, page, shot):
    open_id = factory.concern(world.hua_chan, world.official_bl, "Cuối bản chưa có điện", category="electricity")
    sign_in(page, live_server)
    page.goto(f"{live_server}/visits/new")
    page.locator("#village_id").select_option(str(world.hua_chan))
    page.locator("#concerns-0-title").fill("Vẫn chưa có điện")
    page.locator("#concerns-0-category_id").select_option(str(world.housing))
    page.locator("#concerns-0-category_id").select_option(str(world.electricity))
    offer = page.locator("fieldset.concern .similar .link-same")
    expect(offer).to_have_count(1)
    shot(page, "similar-offered")
    offer.click()
    expect(page.locator("fieldset.concern .linked")).to_be_visible()
    expect(page.locator("#concerns-0-same_as")).to_have_value(str(open_id))
    shot(page, "linked")
    page.locator("#submit").click()
    expect(page).to_have_url(re.compile(r"/visits/\d+$"))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Concern.id))) == 1
        notes = db.session.scalars(
            sa.select(ConcernEvent.note).where(ConcernEvent.concern_id == open_id, ConcernEvent.kind == "note")
        ).all()
        assert len(notes) == 1 and "Vẫn chưa có điện" in notes[0]


def test_official_resolves_a_concern_with_a_note_and_a_photo_and_the_resident_sees_it(
    app, world, factory, live_server, page, shot, language
):
    concern_id = factory.concern(
        world.hua_chan, world.official_bl, "Cuối bản chưa có điện", category="electricity", resident_name="Lò Thị Xuân"
    )
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        concern.assignee_id = world.official_bl
        db.session.commit()
        code = concern.reference_code
    sign_in(page, live_server)
    page.locator("header nav a[href$='/concerns/mine']").click()
    page.locator(f"main a[href$='/concerns/{concern_id}']").click()
    expect(page).to_have_url(re.compile(rf"/concerns/{concern_id}$"))
    shot(page, "my-concern")
    page.locator("#action-status > summary").click()
    page.locator("#status-status").select_option("resolved")
    page.locator("#status-note").fill("Điện lực đã kéo đường dây, 12 hộ đã có điện.")
    page.locator("#status-photo").set_input_files(
        files=[{"name": "xong.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}]
    )
    shot(page, "resolving")
    page.locator("#action-status button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".badge.status-resolved").first).to_be_visible()
    shot(page, "resolved")
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        assert concern.status == "resolved"
        assert [a.is_evidence for a in concern.attachments] == [True]
    # The resident, signed out, finds the new status by the code on the slip.
    page.locator("#logout-form button").click()
    expect(page).to_have_url(re.compile(r"/login"))  # signing out clears the phone's copies first, then posts
    page.goto(f"{live_server}/track")
    page.locator("#code").fill(f"{code[:4].lower()} {code[4:].lower()}")
    page.locator("form.lookup button[type=submit]").click()
    expect(page.locator(".badge.status-resolved")).to_be_visible()
    expect(page.locator("main")).to_contain_text("12 hộ đã có điện")
    expect(page.locator("main")).not_to_contain_text("Lò Thị Xuân")
    shot(page, "resident-sees-it")
