"""The monthly report and the export in a supervisor's phone browser, with the demo's six months of work.

Elements are found by id, name or role, never by the interface's words, which may be Vietnamese or English.
"""

import csv
import io
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_log_visit import sign_in
from tests.conftest import BUNG_LAO
from tracker.demo import load_demo
from tracker.exports.scope import default_month
from tracker.extensions import db
from tracker.models import Concern, ConcernEvent, User
from tracker.workflow import change_status

pytestmark = pytest.mark.browser

LAST = default_month()
TITLE = "=Đường vào bản Hua Chăn sạt lở"
RESIDENT = "Lò Thị Xuân"
A4_WIDTH = round(210 / 25.4 * 96)  # CSS pixels


def month_of_demo(app, world, factory) -> str:
    """The demo's visits and concerns, and one more concern resolved last month (a title like a formula)."""
    with app.app_context():
        load_demo()
    raised = datetime.combine(LAST.first_day, time(9), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(UTC)
    concern_id = factory.concern(
        world.hua_chan, world.official_bl, title=TITLE, category="paperwork", created_at=raised, resident_name=RESIDENT
    )
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        supervisor = db.session.get(User, world.supervisor_bl)
        change_status(concern, "resolved", supervisor, note="Đã san gạt thông đường.", at=raised + timedelta(days=3))
        db.session.commit()
        return concern.reference_code


def no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_supervisor_reads_the_monthly_report_and_downloads_the_export(
    app, world, factory, live_server, page, shot, language
):
    code = month_of_demo(app, world, factory)
    with app.app_context():
        resolved_last_month = db.session.scalar(
            sa.select(sa.func.count(Concern.id)).where(
                Concern.status == "resolved",
                Concern.resolved_at >= LAST.bounds_utc()[0],
                Concern.resolved_at < LAST.bounds_utc()[1],
            )
        )

    sign_in(page, live_server, username="supervisor.province")
    page.locator("header nav a[href$='/exports/report']").click()
    expect(page).to_have_url(f"{live_server}/exports/report")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("header nav a[href$='/exports/report']")).to_have_attribute("aria-current", "page")
    expect(page.locator("#month")).to_have_value(str(LAST))
    expect(page.locator("#commune")).to_have_value("")  # the whole province
    expect(page.locator(".report-figures li")).to_have_count(6)
    expect(page.locator(".report-figures li").nth(1).locator("strong")).to_have_text(str(resolved_last_month))
    expect(page.locator(".report-table")).to_have_count(3)  # by category, by commune, satisfaction
    expect(page.locator("[data-print]")).to_be_visible()  # JavaScript shows the print button
    no_sideways_scrolling(page)
    shot(page, "report-province")

    # One commune: its figures only, and the list of its villages nobody visited.
    page.locator("#commune").select_option(BUNG_LAO)
    page.locator(".report-choice button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/exports/report\?month={LAST}&commune={BUNG_LAO}$"))
    expect(page.locator(".report-table")).to_have_count(2)  # by category, satisfaction
    no_sideways_scrolling(page)
    shot(page, "report-commune")

    # On paper: A4, nothing but the report.
    page.set_viewport_size({"width": A4_WIDTH, "height": 1123})
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator(".report-choice")).to_be_hidden()
    expect(page.locator("[data-print]")).to_be_hidden()
    expect(page.locator(".report-subject")).to_be_visible()
    no_sideways_scrolling(page)
    shot(page, "report-printed")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})

    # The export of the same month and commune, as CSV: opens in Excel with its diacritics.
    page.locator("main .actions a[href*='/exports/?']").click()
    expect(page).to_have_url(re.compile(r"/exports/\?month="))
    expect(page.locator("#month")).to_have_value(str(LAST))
    expect(page.locator("#commune")).to_have_value(BUNG_LAO)
    expect(page.locator("#include_personal_data")).not_to_be_checked()
    no_sideways_scrolling(page)
    shot(page, "export-page")
    page.locator("#commune").select_option("")  # back to the whole province
    with page.expect_download() as download_info:
        page.locator("#csv").click()
    download = download_info.value
    stem = "kien-nghi-da-giai-quyet" if language == "vi" else "resolved-concerns"
    assert download.suggested_filename == f"{stem}-{LAST}-{'toan-tinh' if language == 'vi' else 'province'}.csv"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == ("Mã tra cứu" if language == "vi" else "Reference code")
    assert len(rows) - 1 == resolved_last_month
    ours = next(row for row in rows if row[0] == code)
    assert "'" + TITLE in ours and RESIDENT not in data.decode("utf-8-sig")

    # With the residents' names, as XLSX: the export is recorded on each concern's timeline.
    page.locator("#include_personal_data").check()
    with page.expect_download() as download_info:
        page.locator("#xlsx").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert book.sheetnames[1] == ("Tổng hợp" if language == "vi" else "Summary")
    sheet = book.worksheets[0]
    assert sheet.max_row - 1 == resolved_last_month
    ours = next(row for row in sheet.iter_rows(values_only=True) if row[0] == code)
    assert TITLE in ours and RESIDENT in ours
    with app.app_context():
        events = db.session.scalar(sa.select(sa.func.count()).where(ConcernEvent.kind == "export"))
    assert events == resolved_last_month
    expect(page).to_have_url(re.compile(r"/exports/"))  # the page stays; the file was downloaded
    shot(page, "export-with-personal-data-ticked")
