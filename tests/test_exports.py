"""The monthly export of resolved concerns (CSV, XLSX, the command line) and the monthly report.

Months are counted from today (the previous month is the export's default), so that the tests keep
working as the calendar moves: ``LAST`` is the previous local month, ``THIS`` the current one.
"""

import csv
import io
import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa

from tests.conftest import BUNG_LAO, QUAI_TO
from tracker.exports.csv_writer import cell, neutralise
from tracker.exports.report import monthly_figures
from tracker.exports.rows import days_to_resolve, export_rows, resolved_on_time
from tracker.exports.scope import ExportScope, Month, default_month
from tracker.extensions import db
from tracker.localtime import today
from tracker.models import Commune, Concern, ConcernEvent, User, Visit
from tracker.workflow import Referral, change_status, record_satisfaction

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LAST = default_month()
THIS = LAST.next()
BEFORE = LAST.previous()
RESOLUTION = "Đã hướng dẫn bà con làm lại giấy tờ."


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """The UTC instant of ``hour:minute`` on the local ``day`` in Điện Biên."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


def resolve(app, world, concern_id: int, at: datetime, note: str = RESOLUTION, status: str = "resolved") -> None:
    """Change the concern's status at ``at``, as the province's supervisor."""
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        change_status(concern, status, db.session.get(User, world.supervisor_province), note=note, at=at)
        db.session.commit()


def resolved(app, world, factory, raised_at, resolved_at, village=None, author=None, **values) -> int:
    """A paperwork concern (no evidence needed) raised at ``raised_at`` and resolved at ``resolved_at``."""
    values.setdefault("category", "paperwork")
    values.setdefault("title", "Xin cấp lại giấy khai sinh")
    concern_id = factory.concern(village or world.hua_chan, author or world.official_bl, created_at=raised_at, **values)
    resolve(app, world, concern_id, resolved_at)
    return concern_id


def code_of(app, concern_id: int) -> str:
    with app.app_context():
        return db.session.get(Concern, concern_id).reference_code


def export(client, month: Month, commune: str = "", file_format: str = "csv", personal: bool = False):
    data = {"month": str(month), "commune": commune, file_format: "1"}
    if personal:
        data["include_personal_data"] = "y"
    return client.post("/exports/", data=data)


def csv_rows(response) -> list[list[str]]:
    """The CSV download read back with Python's csv module: the header row, then the rows."""
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff"), "no byte-order mark: Excel would garble the diacritics"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def xlsx_book(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.data))


def codes(rows: list[list[str]]) -> list[str]:
    return [row[0] for row in rows[1:]]


# --- Which concerns, which month -----------------------------------------------------------------------


def test_a_concern_counts_in_the_local_month_of_its_resolution(app, client, auth, world, factory):
    raised = local(LAST.first_day - timedelta(days=3))
    late_evening = resolved(app, world, factory, raised, local(LAST.last_day, 23, 59), title="Cuối tháng")
    midnight = resolved(app, world, factory, raised, local(THIS.first_day, 0, 0), title="Đầu tháng")
    # 23:59 local on the last day is 16:59 UTC: the same UTC day, but it is the local day that counts.
    assert local(LAST.last_day, 23, 59).date() == LAST.last_day
    # 00:00 local on the first day is still the previous day in UTC.
    assert local(THIS.first_day, 0, 0).date() == LAST.last_day

    auth.login("supervisor.province")
    assert codes(csv_rows(export(client, LAST))) == [code_of(app, late_evening)]
    assert codes(csv_rows(export(client, THIS))) == [code_of(app, midnight)]
    assert codes(csv_rows(export(client, BEFORE))) == []


def test_resolved_reopened_and_resolved_again_appears_once_in_the_month_of_its_last_resolution(
    app, client, auth, world, factory
):
    concern_id = resolved(app, world, factory, local(BEFORE.first_day), local(BEFORE.first_day + timedelta(days=2)))
    resolve(app, world, concern_id, local(LAST.first_day + timedelta(days=1)), status="in_progress")  # reopened
    resolve(app, world, concern_id, local(LAST.first_day + timedelta(days=5)), note="Lần này đã xong hẳn.")
    # Another, resolved last month and reopened this month: it counts nowhere until resolved again.
    reopened = resolved(app, world, factory, local(BEFORE.first_day), local(LAST.first_day + timedelta(days=3)))
    resolve(app, world, reopened, local(THIS.first_day, 8), status="in_progress")

    auth.login("supervisor.province")
    assert codes(csv_rows(export(client, BEFORE))) == []
    rows = csv_rows(export(client, LAST))
    assert codes(rows) == [code_of(app, concern_id)]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Resolved on"] == (LAST.first_day + timedelta(days=5)).isoformat()
    assert row["How it was resolved"] == "Lần này đã xong hẳn."
    assert codes(csv_rows(export(client, THIS))) == []


def test_rows_match_a_count_made_independently(app, client, auth, world, factory):
    """Concerns of both communes resolved over three months, some open, rejected or reopened: the export of
    each month and scope holds exactly those whose last resolution falls in it, each once."""
    villages = [
        (world.hua_chan, world.official_bl),
        (world.hua_na, world.official_bl),
        (world.hua_sa_a, world.official_qt),
    ]
    start = local(BEFORE.first_day - timedelta(days=10))
    for n in range(36):
        village, author = villages[n % 3]
        concern_id = factory.concern(village, author, title=f"Kiến nghị số {n}", category="paperwork", created_at=start)
        # Spread over the three months, at any hour; every fifth stays open, every seventh is rejected.
        at = local(BEFORE.first_day, 0, 30) + timedelta(hours=53 * n)
        if n % 5 == 4:
            continue
        if n % 7 == 6:
            resolve(app, world, concern_id, at, note="Không thuộc thẩm quyền.", status="rejected")
            continue
        resolve(app, world, concern_id, at)
        if n % 6 == 0:  # reopened a day later, and resolved again a week after
            resolve(app, world, concern_id, at + timedelta(days=1), status="in_progress")
            resolve(app, world, concern_id, at + timedelta(days=8))

    def expected(month: Month, commune_code: str | None) -> list[str]:
        with app.app_context():
            found = []
            # In the export's order: by the moment of resolution, then by id.
            for concern in db.session.scalars(sa.select(Concern).order_by(Concern.resolved_at, Concern.id)):
                moment = concern.resolved_at.astimezone(TZ) if concern.resolved_at else None
                in_month = moment is not None and (moment.year, moment.month) == (month.year, month.month)
                in_scope = commune_code is None or concern.village.commune.code == commune_code
                if concern.status == "resolved" and in_month and in_scope:
                    found.append(concern.reference_code)
            return found

    auth.login("supervisor.province")
    total = 0
    for month in (BEFORE, LAST, THIS):
        for commune in (None, BUNG_LAO, QUAI_TO):
            got = codes(csv_rows(export(client, month, commune or "")))
            assert got == expected(month, commune), (str(month), commune)
            assert len(got) == len(set(got))
            if commune is None:
                total += len(got)
    with app.app_context():
        assert total == db.session.scalar(sa.select(sa.func.count()).where(Concern.status == "resolved"))
    assert total > 10


def test_rows_are_read_in_batches_without_gaps_or_repeats(app, world, factory):
    """In the order of resolution, then of id: several resolved at the same moment straddle the batches."""
    hours = [15, 9, 12, 12, 12, 12, 8, 20]
    ids = [resolved(app, world, factory, local(LAST.first_day), local(LAST.first_day, hour)) for hour in hours]
    expected = [code_of(app, i) for _hour, i in sorted(zip(hours, ids, strict=True))]
    with app.app_context():
        scope = ExportScope(LAST)
        for batch_size in (1, 2, 3, 7, 8, 50):
            rows = list(export_rows(scope, language="en", batch_size=batch_size))
            assert [row[0] for row in rows] == expected, batch_size


# --- What a row says -----------------------------------------------------------------------------------


def test_a_row_says_what_the_report_needs(app, client, auth, world, factory):
    with app.app_context():
        official = db.session.get(User, world.official_bl)
        visit = Visit(
            village_id=world.hua_chan,
            visit_date=LAST.first_day,
            kind="dialogue",
            created_by=official,
            officials=[official],
        )
        db.session.add(visit)
        db.session.commit()
        visit_id = visit.id
    raised_at = local(LAST.first_day, 23, 30)  # late in the evening: the next local day starts soon after
    concern_id = factory.concern(
        world.hua_chan,
        world.official_bl,
        title="Đường vào bản bị sạt lở",
        category="paperwork",
        priority="high",
        created_at=raised_at,
        visit=None,
        resident_name="Lò Thị Xuân",
        resident_contact="0912 345 678",
    )
    with app.app_context():
        concern = db.session.get(Concern, concern_id)
        concern.visit_id = visit_id
        concern.assignee = db.session.get(User, world.colleague_bl)
        change_status(
            concern, "in_progress", db.session.get(User, world.colleague_bl), at=raised_at + timedelta(hours=1)
        )
        change_status(
            concern,
            "referred",
            db.session.get(User, world.supervisor_bl),
            referral=Referral(to="Phòng Kinh tế", due_on=LAST.first_day + timedelta(days=30)),
            at=raised_at + timedelta(hours=2),
        )
        # Resolved eight local days after it was raised: a day after its due date (high: 7 days).
        change_status(
            concern,
            "resolved",
            db.session.get(User, world.colleague_bl),
            note="=Đã san gạt, thông đường",
            at=local(LAST.first_day + timedelta(days=8), 0, 30),
        )
        db.session.commit()
        code = concern.reference_code

    auth.login("supervisor.bunglao")
    rows = csv_rows(export(client, LAST))
    assert rows[0] == [
        "Reference code",
        "Commune code",
        "Commune",
        "Village",
        "Category",
        "Priority",
        "Title",
        "Raised on",
        "Raised at the visit of",
        "Kind of visit",
        "Resolved on",
        "Days to resolve",
        "Due date",
        "On time or late",
        "How it was resolved",
        "Officials who handled it",
    ]
    assert rows[1] == [
        code,
        BUNG_LAO,
        "Xã Búng Lao",
        "Hua Chăn",
        "Paperwork and administrative procedures",
        "High",
        "Đường vào bản bị sạt lở",
        LAST.first_day.isoformat(),
        LAST.first_day.isoformat(),
        "Village dialogue",
        (LAST.first_day + timedelta(days=8)).isoformat(),
        "8",
        (LAST.first_day + timedelta(days=7)).isoformat(),
        "Late",  # the referral's later deadline does not move the due date
        "'=Đã san gạt, thông đường",
        "Cà Thị Lả; Tòng Văn Hải",  # the assignee, then who else changed its status
    ]


def test_a_cell_that_a_spreadsheet_would_run_gets_an_apostrophe():
    for text in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    for text in ("1+1", "Bản =", "", "'=already"):
        assert neutralise(text) == text
    assert cell(-3) == -3 and cell(date(2026, 10, 31)) == "2026-10-31" and cell(None) == ""


def test_days_to_resolve_and_on_time_are_counted_in_local_days():
    day = date(2026, 10, 1)
    assert days_to_resolve(day, day) == 0
    assert days_to_resolve(day, day + timedelta(days=1)) == 1
    assert resolved_on_time(day, day) and not resolved_on_time(day + timedelta(days=1), day)


def test_formulas_are_neutralised_in_the_csv_and_stay_text_in_the_xlsx(app, client, auth, world, factory):
    titles = ['=HYPERLINK("http://example.com","x")', "+84 912", "-1+2", "@SUM(A1)", "Bình thường"]
    for n, title in enumerate(titles):
        resolved(app, world, factory, local(LAST.first_day), local(LAST.first_day, 11 + n), title=title)
    auth.login("supervisor.bunglao")
    rows = csv_rows(export(client, LAST))
    title_column = rows[0].index("Title")
    assert [row[title_column] for row in rows[1:]] == ["'" + t for t in titles[:-1]] + ["Bình thường"]

    sheet = xlsx_book(export(client, LAST, file_format="xlsx")).worksheets[0]
    cells = [row[title_column] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == titles
    assert {c.data_type for c in cells} == {"s"}  # strings, never formulas


def test_the_csv_and_the_xlsx_hold_the_same_rows_with_typed_cells(app, client, auth, world, factory):
    for n in range(4):
        resolved(
            app,
            world,
            factory,
            local(LAST.first_day, 8),
            local(LAST.first_day + timedelta(days=n * 3), 16),
            title=f"Số {n}",
        )
    resolved(
        app,
        world,
        factory,
        local(LAST.first_day),
        local(LAST.first_day, 9),
        village=world.hua_sa_a,
        author=world.official_qt,
    )
    auth.login("supervisor.province")
    rows = csv_rows(export(client, LAST))
    book = xlsx_book(export(client, LAST, file_format="xlsx"))
    assert book.sheetnames == ["Resolved concerns", "Summary"]
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"  # the header row stays in view
    xlsx = [list(row) for row in sheet.iter_rows(values_only=False)]
    assert [c.value for c in xlsx[0]] == rows[0]
    assert len(xlsx) == len(rows) == 6
    header = rows[0]
    for csv_row, cells in zip(rows[1:], xlsx[1:], strict=True):
        cells += [None] * (len(header) - len(cells))
        for name, text, xlsx_cell in zip(header, csv_row, cells, strict=True):
            value = None if xlsx_cell is None else xlsx_cell.value
            if name in ("Raised on", "Resolved on", "Due date"):
                assert isinstance(value, datetime) and xlsx_cell.is_date, name
                assert value.date().isoformat() == text
            elif name == "Days to resolve":
                assert isinstance(value, int) and xlsx_cell.data_type == "n"
                assert str(value) == text
            elif name == "Raised at the visit of":
                assert value is None and text == ""
            else:
                assert (value or "") == text, name
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFG"]
    assert all(8 <= width <= 62 for width in widths)


def test_headers_and_sheet_names_speak_the_users_language(app, client, auth, world, factory):
    resolved(app, world, factory, local(LAST.first_day), local(LAST.first_day, 15))
    auth.login("supervisor.bunglao")
    client.post("/language", data={"language": "vi", "next": "/"})
    rows = csv_rows(export(client, LAST))
    assert rows[0][:3] == ["Mã tra cứu", "Mã xã", "Xã"]
    assert rows[1][4] == "Giấy tờ, thủ tục hành chính"
    book = xlsx_book(export(client, LAST, file_format="xlsx"))
    assert book.sheetnames == ["Kiến nghị đã giải quyết", "Tổng hợp"]
    assert book.worksheets[0]["A1"].value == "Mã tra cứu"
    response = export(client, LAST, file_format="xlsx")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=kien-nghi-da-giai-quyet-{LAST}-{BUNG_LAO}.xlsx"
    )


def test_downloads_are_named_for_their_month_and_scope_and_not_cached(client, auth, world):
    auth.login("supervisor.province")
    response = export(client, LAST)
    assert response.headers["Content-Disposition"] == f'attachment; filename="resolved-concerns-{LAST}-province.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    response = export(client, LAST, QUAI_TO, "xlsx")
    assert f"resolved-concerns-{LAST}-{QUAI_TO}.xlsx" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"


# --- Scope and personal data ---------------------------------------------------------------------------


def test_the_scope_never_leaks_another_commune(app, client, auth, world, factory):
    mine = resolved(app, world, factory, local(LAST.first_day), local(LAST.first_day, 15))
    theirs = resolved(
        app,
        world,
        factory,
        local(LAST.first_day),
        local(LAST.first_day, 16),
        village=world.hua_sa_a,
        author=world.official_qt,
    )
    auth.login("supervisor.bunglao")
    # The commune supervisor's own commune, whatever is asked for the province.
    assert codes(csv_rows(export(client, LAST))) == [code_of(app, mine)]
    assert codes(csv_rows(export(client, LAST, BUNG_LAO))) == [code_of(app, mine)]
    book = xlsx_book(export(client, LAST, file_format="xlsx"))
    assert [c.value for c in book.worksheets[0]["A"]][1:] == [code_of(app, mine)]
    summary = [c.value for row in book["Summary"].iter_rows() for c in row if c.value]
    assert "Xã Quài Tở" not in summary and "Hua Sa A" not in summary
    # Another commune, or no such commune: 404, on every page.
    for commune in (QUAI_TO, "99999", "abc"):
        assert export(client, LAST, commune).status_code == 404
        assert export(client, LAST, commune, "xlsx").status_code == 404
        assert client.get(f"/exports/report?commune={commune}").status_code == 404
        assert client.get(f"/exports/?commune={commune}").status_code == 404
    page = client.get("/exports/report").get_data(as_text=True)
    assert "Hua Sa A" not in page and "Xã Quài Tở" not in page

    auth.logout()
    auth.login("supervisor.province")
    assert codes(csv_rows(export(client, LAST, QUAI_TO))) == [code_of(app, theirs)]
    assert codes(csv_rows(export(client, LAST))) == [code_of(app, mine), code_of(app, theirs)]


def test_officials_may_not_export_nor_see_the_report(client, auth, world):
    auth.login("official.bunglao")
    assert client.get("/exports/").status_code == 403
    assert client.get("/exports/report").status_code == 403
    assert export(client, LAST, BUNG_LAO, personal=True).status_code == 403
    assert "/exports/report" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("supervisor.bunglao")
    assert 'href="/exports/report"' in client.get("/").get_data(as_text=True)


def test_personal_data_only_when_asked_for_and_then_recorded(app, client, auth, world, factory):
    concern_id = resolved(
        app,
        world,
        factory,
        local(LAST.first_day),
        local(LAST.first_day, 15),
        resident_name="Lò Thị Xuân",
        resident_contact="+84 912 345 678",
    )
    other_month = resolved(
        app, world, factory, local(LAST.first_day), local(THIS.first_day, 9), resident_name="Cà Văn Ơn"
    )
    auth.login("supervisor.bunglao")
    rows = csv_rows(export(client, LAST))
    assert "Resident's name" not in rows[0]
    assert not any("Xuân" in cell or "912" in cell for row in rows for cell in row)
    book = xlsx_book(export(client, LAST, file_format="xlsx"))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert "Resident's name" not in cells and not any("Xuân" in c or "912" in c for c in cells)

    def export_events() -> list[ConcernEvent]:
        with app.app_context():
            return db.session.scalars(sa.select(ConcernEvent).where(ConcernEvent.kind == "export")).all()

    assert export_events() == []

    rows = csv_rows(export(client, LAST, personal=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Resident's name"] == "Lò Thị Xuân"
    assert row["Resident's contact"] == "'+84 912 345 678"  # a leading + is neutralised too
    events = export_events()
    assert [(e.concern_id, e.author_id, e.public, e.new_value, e.note) for e in events] == [
        (concern_id, world.supervisor_bl, False, "csv", f"{LAST} · CSV")
    ]
    sheet = xlsx_book(export(client, LAST, file_format="xlsx", personal=True)).worksheets[0]
    assert [c.value for c in sheet[1]][-2:] == ["Resident's name", "Resident's contact"]
    assert [c.value for c in sheet[2]][-2:] == ["Lò Thị Xuân", "+84 912 345 678"]
    assert len(export_events()) == 2
    assert all(e.concern_id != other_month for e in export_events())
    # The event is on the concern's timeline, and never on the resident's public page.
    page = client.get(f"/concerns/{concern_id}").get_data(as_text=True)
    assert "Personal data exported" in page


# --- The form ------------------------------------------------------------------------------------------


def test_the_export_page_offers_the_previous_month_and_the_users_scope(client, auth, world):
    auth.login("supervisor.province")
    page = client.get("/exports/").get_data(as_text=True)
    assert f'<option selected value="{LAST}">' in page
    assert '<option value="03295">Xã Quài Tở</option>' in page
    assert 'name="include_personal_data"' in page
    auth.logout()
    auth.login("supervisor.bunglao")
    page = client.get("/exports/").get_data(as_text=True)
    assert '<input type="hidden" name="commune" value="03301">' in page
    assert "Xã Quài Tở" not in page


def test_a_bad_month_is_said_next_to_the_field(client, auth, world):
    auth.login("supervisor.province")
    for month in ("2026-13", "garbage", str(THIS.next()), ""):
        response = client.post("/exports/", data={"month": month, "commune": "", "csv": "1"})
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "Choose a month from the list." in response.get_data(as_text=True)
    page = client.get("/exports/report?month=1999-01").get_data(as_text=True)
    assert "Choose a month from the list." in page


# --- The monthly report --------------------------------------------------------------------------------


@pytest.fixture
def month_of_work(app, world, factory):
    """Last month in Búng Lao (and one concern in Quài Tở): what the report of the month must say.

    * raised in the month: 4 in Búng Lao (one of them still open), 1 in Quài Tở;
    * resolved in the month: 3 in Búng Lao — in 0, 2 and 10 days (the last one late) — and 1 in Quài Tở in 1;
    * overdue when the month ended: the open urgent one, and one referred whose deadline had passed;
      not the one referred with a deadline still ahead, nor one resolved since;
    * visited: Hua Chăn, not Hua Nạ.
    """
    first = LAST.first_day
    ids = {
        "same_day": resolved(app, world, factory, local(first, 8), local(first, 17), category="paperwork"),
        "two_days": resolved(app, world, factory, local(first + timedelta(days=3)), local(first + timedelta(days=5))),
        "late": resolved(
            app, world, factory, local(first + timedelta(days=4)), local(first + timedelta(days=14)), priority="high"
        ),
        "quai_to": resolved(
            app,
            world,
            factory,
            local(first),
            local(first + timedelta(days=1)),
            village=world.hua_sa_a,
            author=world.official_qt,
        ),
        "open_urgent": factory.concern(
            world.hua_na,
            world.official_bl,
            category="water",
            priority="urgent",
            created_at=local(first + timedelta(days=2)),
        ),
        # Raised before the month, referred with a deadline that passed within it.
        "referred_late": factory.concern(world.hua_na, world.official_bl, created_at=local(BEFORE.first_day)),
        "referred_ahead": factory.concern(world.hua_na, world.official_bl, created_at=local(BEFORE.first_day)),
        # Overdue during the month, resolved only this month: it was still overdue when the month ended.
        "resolved_after": factory.concern(
            world.hua_na, world.official_bl, category="paperwork", created_at=local(BEFORE.first_day)
        ),
    }
    with app.app_context():
        supervisor = db.session.get(User, world.supervisor_province)
        for key, due in (
            ("referred_late", first + timedelta(days=3)),
            ("referred_ahead", THIS.first_day + timedelta(days=20)),
        ):
            concern = db.session.get(Concern, ids[key])
            change_status(concern, "referred", supervisor, referral=Referral(to="Huyện", due_on=due), at=local(first))
        concern = db.session.get(Concern, ids["same_day"])
        record_satisfaction(concern, "satisfied", None)
        record_satisfaction(db.session.get(Concern, ids["late"]), "not_satisfied", supervisor)
        official = db.session.get(User, world.official_bl)
        db.session.add(Visit(village_id=world.hua_chan, visit_date=LAST.last_day, kind="dialogue", created_by=official))
        db.session.add(Visit(village_id=world.hua_na, visit_date=THIS.first_day, kind="dialogue", created_by=official))
        db.session.commit()
    resolve(app, world, ids["resolved_after"], local(THIS.first_day, 9))
    return ids


def test_monthly_figures_of_a_commune(app, world, month_of_work):
    with app.app_context():
        commune = db.session.scalar(sa.select(Commune).where(Commune.code == BUNG_LAO))
        figures = monthly_figures(ExportScope(LAST, commune), "en")
    total = figures.total
    assert (total.raised, total.resolved, total.on_time) == (4, 3, 2)
    assert total.median_days == 2 and total.on_time_share == pytest.approx(2 / 3)
    assert total.overdue_at_end == 3  # the urgent one, the referral past its deadline, the one resolved since
    assert (total.villages, total.villages_visited, figures.villages_not_visited) == (2, 1, [("Xã Búng Lao", "Hua Nạ")])
    by_category = {f.label: (f.raised, f.resolved, f.on_time, f.overdue_at_end) for f in figures.by_category}
    assert by_category == {
        "Water and irrigation": (1, 0, 0, 1),
        "Paperwork and administrative procedures": (3, 3, 2, 1),
        "Electricity": (0, 0, 0, 1),
    }
    assert [(f.code, f.resolved) for f in figures.by_commune] == [(BUNG_LAO, 3)]
    assert [(code, count) for code, _label, count in figures.satisfaction] == [
        ("satisfied", 1),
        ("partly", 0),
        ("not_satisfied", 1),
        ("not_reached", 0),
        ("", 1),
    ]


def test_monthly_figures_of_the_province(app, world, month_of_work):
    with app.app_context():
        figures = monthly_figures(ExportScope(LAST), "en")
        communes = db.session.scalar(sa.select(sa.func.count()).select_from(Commune))
    assert (figures.total.raised, figures.total.resolved, figures.total.on_time) == (5, 4, 3)
    assert figures.total.median_days == 1.5  # 0, 1, 2, 10
    assert len(figures.by_commune) == communes  # every commune, those with nothing to report too
    quai_to = next(f for f in figures.by_commune if f.code == QUAI_TO)
    assert (quai_to.raised, quai_to.resolved, quai_to.on_time, quai_to.median_days) == (1, 1, 1, 1)
    assert (quai_to.villages, quai_to.villages_visited) == (1, 0)


def test_the_report_page_and_the_xlsx_summary_show_the_same_figures(app, client, auth, world, month_of_work):
    auth.login("supervisor.bunglao")
    page = client.get("/exports/report").get_data(as_text=True)
    assert "Xã Búng Lao" in page
    for text in ("Concerns raised", "Still overdue at month end", "Hua Nạ", "(67%)"):
        assert text in page, text
    assert "<strong>1 of 2</strong> Villages visited" in page

    sheet = xlsx_book(export(client, LAST, file_format="xlsx"))["Summary"]
    values = {}
    for row in sheet.iter_rows():
        if row[0].value and len(row) > 1:
            values.setdefault(row[0].value, row[1].value)  # the first time a label is met: the totals
    assert values["Concerns raised"] == 4
    assert values["Concerns resolved"] == 3
    assert values["Resolved on time"] == 2
    assert values["Share resolved on time"] == pytest.approx(2 / 3)
    assert values["Median days to resolve"] == 2
    assert values["Still overdue at month end"] == 3
    assert (values["Villages"], values["Villages visited"], values["Villages not visited"]) == (2, 1, 1)
    assert values["Satisfied"] == 1 and values["Not recorded"] == 1
    assert sheet["A1"].value == f"Concerns resolved in {LAST.first_day:%B %Y} — Xã Búng Lao"


def test_the_report_of_another_month_and_an_empty_one(client, auth, world, month_of_work):
    auth.login("supervisor.province")
    page = client.get(f"/exports/report?month={BEFORE}&commune=").get_data(as_text=True)
    assert "No concern was raised or resolved in this month." not in page  # two were raised then
    page = client.get(f"/exports/report?month={LAST.previous().previous()}").get_data(as_text=True)
    assert "No concern was raised or resolved in this month." in page
    assert "By commune" in page


# --- The command line ----------------------------------------------------------------------------------


def test_the_command_line_writes_the_same_rows_as_the_web(app, client, auth, runner, world, factory, tmp_path):
    resolved(app, world, factory, local(LAST.first_day), local(LAST.first_day, 15), resident_name="Lò Thị Xuân")
    resolved(
        app,
        world,
        factory,
        local(LAST.first_day),
        local(LAST.first_day, 16),
        village=world.hua_sa_a,
        author=world.official_qt,
    )
    auth.login("supervisor.province")
    web = csv_rows(export(client, LAST, BUNG_LAO))
    output = tmp_path / "out.csv"
    result = runner.invoke(
        args=["export-resolved", "--month", str(LAST), "--commune", "3301", "--output", str(output), "--language", "en"]
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote 1 concern resolved in {LAST} to {output}." in result.output
    text = output.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:], newline=""))) == web

    xlsx = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export-resolved", "--month", str(LAST), "--output", str(xlsx)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Kiến nghị đã giải quyết", "Tổng hợp"]  # Vietnamese unless told
    assert book.worksheets[0].max_row == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.xlsx"]  # nothing left behind


def test_the_command_line_defaults_to_last_month_and_the_downloads_name(app, runner, world, factory, tmp_path):
    resolved(app, world, factory, local(LAST.first_day), local(LAST.first_day, 15))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(args=["export-resolved", "--commune", BUNG_LAO, "--format", "xlsx"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"kien-nghi-da-giai-quyet-{LAST}-{BUNG_LAO}.xlsx").exists()


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--month", "2026-13"], 2, "'2026-13' is not a month: write it as YYYY-MM"),
        (["--month", "oct"], 2, "is not a month"),
        (["--commune", "99999"], 1, "No commune with code 99999"),
        (["--format", "pdf"], 2, "'pdf' is not one of 'csv', 'xlsx'"),
        (["--include-personal-data"], 1, "needs --by USERNAME"),
        (["--include-personal-data", "--by", "official.bunglao"], 1, "is not an active supervisor"),
        (["--include-personal-data", "--by", "supervisor.bunglao"], 1, "of their own commune only"),
        (["--include-personal-data", "--by", "supervisor.bunglao", "--commune", QUAI_TO], 1, "own commune only"),
    ],
)
def test_the_command_line_refuses_clearly(app, runner, world, tmp_path, args, exit_code, message):
    output = tmp_path / "out.csv"
    result = runner.invoke(args=["export-resolved", "--output", str(output), *args])
    assert result.exit_code == exit_code
    assert message in result.output
    assert list(tmp_path.iterdir()) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(ConcernEvent.kind == "export")) == 0


def test_the_command_line_records_personal_data_exports_for_the_supervisor_named(app, runner, world, factory, tmp_path):
    concern_id = resolved(
        app, world, factory, local(LAST.first_day), local(LAST.first_day, 15), resident_name="Lò Thị Xuân"
    )
    output = tmp_path / "out.csv"
    args = ["export-resolved", "--month", str(LAST), "--commune", BUNG_LAO, "--output", str(output)]
    result = runner.invoke(args=[*args, "--include-personal-data", "--by", "supervisor.bunglao"])
    assert result.exit_code == 0, result.output
    assert "Lò Thị Xuân" in output.read_text(encoding="utf-8-sig")
    with app.app_context():
        events = db.session.scalars(sa.select(ConcernEvent).where(ConcernEvent.kind == "export")).all()
        assert [(e.concern_id, e.author_id) for e in events] == [(concern_id, world.supervisor_bl)]
    assert today()  # the clock the default month comes from
