"""The supervisors' review in a browser, as the province supervisor sees it on a phone and on a laptop.

With the demo's six months of visits and concerns, so that the screenshots look like the real thing; they
are left in ``test-artifacts/screenshots/`` to be looked at. Elements are found by id, name or role, never
by the interface's words.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.conftest import QUAI_TO
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.extensions import db
from tracker.models import Concern, ConcernEvent

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo(visits_per_village=4)


def sign_in(page, base_url: str, username: str = "supervisor.province") -> None:
    page.goto(f"{base_url}/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/(change-password)?$"))


def fits_the_width(page) -> bool:
    """Nothing makes the page itself scroll sideways (wide tables scroll inside their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def visit_every_review_page(page, live_server, shot, width: str) -> None:
    page.goto(f"{live_server}/review/")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main .stats .stat")).to_have_count(6)
    assert fits_the_width(page)
    shot(page, f"overview-{width}")

    page.goto(f"{live_server}/review/concerns?status=open&sort=due")
    expect(page.locator("main table.concerns-table tbody tr").first).to_be_visible()
    assert fits_the_width(page)
    shot(page, f"concerns-{width}")

    page.goto(f"{live_server}/review/coverage")
    expect(page.locator("main table.data").first).to_be_visible()
    assert fits_the_width(page)
    shot(page, f"coverage-{width}")

    page.goto(f"{live_server}/review/trends")
    charts = page.locator("main svg.chart[role=img]")
    expect(charts).to_have_count(2)
    for index in range(2):
        box = charts.nth(index).bounding_box()
        assert box["width"] <= page.viewport_size["width"]
        assert box["height"] > 200  # drawn, not collapsed
    assert fits_the_width(page)
    shot(page, f"trends-{width}")


def test_province_supervisor_reviews_on_a_phone_and_a_laptop(app, demo, live_server, page, shot):
    sign_in(page, live_server)
    visit_every_review_page(page, live_server, shot, "phone")

    # A commune's view from the province's table, then its village page from the coverage list.
    page.goto(f"{live_server}/review/")
    page.locator("#communes-heading ~ .table-scroll tbody th a").first.click()
    expect(page).to_have_url(re.compile(r"/review/\?commune=\d+$"))
    shot(page, "commune-phone")
    page.goto(f"{live_server}/review/coverage?show=all")
    page.locator("main table.data tbody th a").last.click()
    expect(page).to_have_url(re.compile(r"/villages/\d+$"))
    assert fits_the_width(page)
    shot(page, "village-phone")

    page.set_viewport_size(LAPTOP)
    visit_every_review_page(page, live_server, shot, "laptop")

    # Printed: no navigation or forms, the charts whole, the tables not cut off by their scrolling box.
    page.emulate_media(media="print")
    expect(page.locator("main .subnav")).to_be_hidden()
    expect(page.locator("main svg.chart")).to_have_count(2)
    shot(page, "trends-print")


def test_bulk_assignment_ticks_all_and_assigns_with_csrf(app, demo, factory, live_server, page, shot):
    """The heading's box ticks every concern of the page; the form posts with its CSRF token."""
    official_id = factory.user("colleague.quaito", "official", QUAI_TO, full_name="Lò Thị Ánh")
    commune_id = factory.commune_id(QUAI_TO)
    sign_in(page, live_server)
    page.goto(f"{live_server}/review/concerns?commune={commune_id}&status=open&sort=oldest")
    boxes = page.locator("input.tick-one")
    count = boxes.count()
    assert count > 0
    page.locator("#tick-all").check()
    for index in range(count):
        expect(boxes.nth(index)).to_be_checked()
    page.locator("#bulk-assignee").select_option(str(official_id))
    shot(page, "ticked")
    page.locator("form.bulk button[type=submit]").click()
    expect(page.locator(".flash").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/review/concerns\?"))
    shot(page, "assigned")
    with app.app_context():
        # Every open concern shown was the official's already or is now, each with its event.
        ids = [int(v) for v in page.locator("input.tick-one").evaluate_all("els => els.map(e => e.value)")]
        concerns = db.session.scalars(sa.select(Concern).where(Concern.id.in_(ids))).all()
        assert concerns and all(c.assignee_id == official_id for c in concerns)
        events = db.session.scalar(
            sa.select(sa.func.count(ConcernEvent.id)).where(
                ConcernEvent.kind == "assignment", ConcernEvent.new_value == str(official_id)
            )
        )
        assert events == count


def test_official_is_refused_the_review_but_sees_a_village(app, demo, live_server, page):
    sign_in(page, live_server, "official.bunglao")
    expect(page.locator("header nav a[href='/review/']")).to_have_count(0)
    response = page.goto(f"{live_server}/review/")
    assert response.status == 403
