"""A concern's life in a phone's browser: linking a concern raised again, and taking one to resolved."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_log_visit import sign_in
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
