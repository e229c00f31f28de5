"""Importing villages from a spreadsheet: preview, all-or-nothing, idempotence, NFC/NFD, CSV and XLSX."""

import codecs
import csv
import io
import re
import unicodedata

import openpyxl
import pytest
import sqlalchemy as sa

from tests.conftest import BUNG_LAO, QUAI_TO
from tracker.admin import villages_import
from tracker.extensions import db
from tracker.models import AuditEvent, User, Village

COLUMNS = ["name", "commune", "former_commune", "households", "latitude", "longitude", "distance_km"]

GOOD_NEW = ["Pá Khoang", "03301", "Chiềng Đông", "77", "21.41", "103.30", "6.5"]
GOOD_CHANGED = ["Hua Chăn", "Búng Lao", "Ẳng Tở", "100", "", "", ""]  # 96 households before
GOOD_UNCHANGED = ["Hua Nạ", "Xã Búng Lao", "", "", "", "", ""]
BAD_ROWS = {
    "unknown commune": (["Bản Mới", "Mường Không Có", "", "", "", "", ""], "No commune called"),
    "outside Vietnam": (["Bản Xa", "03301", "", "", "48.85", "2.35", ""], "outside Vietnam"),
    "duplicate": (["pa khoang", "Búng Lao", "", "", "", "", ""], "is also on row 2, in the same commune"),
    "bad households": (["Bản Đông", "03295", "", "nhiều", "", "", ""], "is not a whole number"),
    "bad latitude": (["Bản Tây", "03295", "", "", "21,3,4", "103.1", ""], "Latitude: “21,3,4” is not a number."),
    "half a location": (["Bản Nam", "03295", "", "", "21.3", "", ""], "Give both the latitude and the longitude"),
    "no name": (["", "03295", "", "12", "", "", ""], "The village's name is missing."),
    "bad distance": (["Bản Bắc", "03295", "", "", "", "", "900"], "is not a number of kilometres"),
}


def csv_bytes(rows, header=COLUMNS, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return codecs.BOM_UTF8 + data if bom else data


def xlsx_bytes(rows, header=COLUMNS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        # Numbers as Excel keeps them: numbers, not text.
        sheet.append([_typed(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _typed(value: str):
    if re.fullmatch(r"\d+", value) and not value.startswith("0"):
        return int(value)
    if re.fullmatch(r"\d+\.\d+", value):
        return float(value)
    return value or None


def upload(client, content: bytes, filename: str = "villages.csv"):
    return client.post(
        "/admin/villages/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def preview(client, content: bytes, filename: str = "villages.csv"):
    """Upload and follow to the preview; return (preview URL, page text)."""
    response = upload(client, content, filename)
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.location
    page = client.get(url)
    assert page.status_code == 200
    return url, page.get_data(as_text=True)


def villages_snapshot(app) -> list[tuple]:
    with app.app_context():
        return [
            (
                v.id,
                v.commune_id,
                v.name,
                v.former_commune,
                v.households,
                v.latitude,
                v.longitude,
                v.distance_km,
                v.active,
            )
            for v in db.session.scalars(sa.select(Village).order_by(Village.id))
        ]


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


def counts(page: str) -> dict[str, int]:
    return {
        status: int(re.search(rf'class="count-{status}"><strong>(\d+)</strong>', page).group(1))
        for status in ("new", "changed", "unchanged", "bad")
    }


@pytest.fixture
def admin(auth, world):
    auth.login("admin")


# --- The preview writes nothing; the confirmation writes all or nothing -----------------------------------


def test_the_preview_of_good_and_bad_rows_writes_nothing_and_says_why(app, client, admin):
    before, events = villages_snapshot(app), audit_count(app)
    rows = [GOOD_NEW, GOOD_CHANGED, GOOD_UNCHANGED, *(row for row, _ in BAD_ROWS.values())]
    url, page = preview(client, csv_bytes(rows))
    assert counts(page) == {"new": 1, "changed": 1, "unchanged": 1, "bad": len(BAD_ROWS)}
    for _row, reason in BAD_ROWS.values():
        assert reason in page
    assert "nothing is imported while a row has a problem" in page
    assert 'id="confirm-import"' not in page
    assert villages_snapshot(app) == before and audit_count(app) == events

    # Confirming anyway (a hand-made request) writes nothing either.
    response = client.post(url)
    assert response.status_code == 200
    assert "Correct the rows with problems" in response.get_data(as_text=True)
    assert villages_snapshot(app) == before and audit_count(app) == events


def test_the_confirmed_import_writes_exactly_the_good_rows(app, client, admin, world):
    before = villages_snapshot(app)
    url, page = preview(client, csv_bytes([GOOD_NEW, GOOD_CHANGED, GOOD_UNCHANGED]))
    assert counts(page) == {"new": 1, "changed": 1, "unchanged": 1, "bad": 0}
    assert "Nothing has been saved yet." in page and 'id="confirm-import"' in page
    assert villages_snapshot(app) == before

    response = client.post(url, follow_redirects=True)
    assert "Villages imported: 1 new, 1 changed, 1 unchanged." in response.get_data(as_text=True)
    after = villages_snapshot(app)
    assert len(after) == len(before) + 1
    with app.app_context():
        new = db.session.scalar(sa.select(Village).where(Village.name == "Pá Khoang"))
        assert (new.commune.code, new.former_commune, new.households) == (BUNG_LAO, "Chiềng Đông", 77)
        assert (new.latitude, new.longitude, new.distance_km, new.active) == (21.41, 103.30, 6.5, True)
        hua_chan = db.session.get(Village, world.hua_chan)
        assert (hua_chan.households, hua_chan.distance_km) == (100, 11.5)  # empty cells leave values alone
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["village_created", "village_updated", "villages_imported"]
        changed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "village_updated")).one()
        assert changed.changes == {"households": [96, 100]} and changed.target_id == world.hua_chan
        summary = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "villages_imported")).one()
        assert summary.changes["new"] == [None, 1] and summary.target_label == "villages.csv"
    # The preview is used up.
    response = client.get(url)
    assert response.status_code == 302 and response.location == "/admin/villages/import"


def test_importing_the_same_file_twice_changes_nothing(app, client, admin):
    content = csv_bytes([GOOD_NEW, GOOD_CHANGED, GOOD_UNCHANGED, ["Nà Sáy", QUAI_TO, "", "70", "21.5", "103.4", "2.1"]])
    url, _page = preview(client, content)
    client.post(url)
    after_first, events = villages_snapshot(app), audit_count(app)

    url, page = preview(client, content)
    assert counts(page) == {"new": 0, "changed": 0, "unchanged": 4, "bad": 0}
    assert "Nothing to import" in page and 'id="confirm-import"' not in page
    response = client.post(url, follow_redirects=True)
    assert "Nothing to import" in response.get_data(as_text=True)
    assert villages_snapshot(app) == after_first and audit_count(app) == events


def test_the_rows_are_checked_again_at_confirmation(app, client, admin, factory):
    url, page = preview(client, csv_bytes([GOOD_NEW]))
    assert counts(page)["new"] == 1
    # Meanwhile someone adds the same village by hand.
    factory.village("Pá Khoang", BUNG_LAO, households=70)
    response = client.post(url, follow_redirects=True)
    assert "1 changed" in response.get_data(as_text=True)
    with app.app_context():
        villages = db.session.scalars(sa.select(Village).where(Village.name_folded == "pa khoang")).all()
        assert len(villages) == 1 and villages[0].households == 77


def test_a_village_no_longer_in_use_listed_in_the_file_is_in_use_again(app, client, admin, world):
    with app.app_context():
        db.session.get(Village, world.hua_na).active = False
        db.session.commit()
    url, page = preview(client, csv_bytes([GOOD_UNCHANGED]))
    assert counts(page)["changed"] == 1
    client.post(url)
    with app.app_context():
        assert db.session.get(Village, world.hua_na).active


# --- Names in NFC or NFD, CSV or XLSX ---------------------------------------------------------------------


def existing_rows(form: str) -> list[list[str]]:
    rows = [
        ["Hua Chăn", "Búng Lao", "Ẳng Tở", "96", "", "", "11.5"],
        ["Hua Nạ", "Xã Búng Lao", "", "", "", "", ""],
        ["Hua Sa A", "Quài Tở", "", "", "", "", "12.4"],
    ]
    return [[unicodedata.normalize(form, cell) for cell in row] for row in rows]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_xlsx_and_csv_in_nfc_and_nfd_match_the_same_villages(app, client, admin, world, kind, form):
    rows = existing_rows(form)
    if form == "NFD":
        assert rows[0][0] != "Hua Chăn" and unicodedata.normalize("NFC", rows[0][0]) == "Hua Chăn"
    content = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    with app.app_context():
        admin_user = db.session.scalar(sa.select(User).where(User.username == "admin"))
        result = villages_import.preview_import(admin_user, villages_import.read_upload(f"v.{kind}", content))
        assert [row.status for row in result.rows] == ["unchanged"] * 3
        assert [row.village.id for row in result.rows] == [world.hua_chan, world.hua_na, world.hua_sa_a]
    _url, page = preview(client, content, f"villages.{kind}")
    assert counts(page) == {"new": 0, "changed": 0, "unchanged": 3, "bad": 0}


def test_new_villages_from_an_nfd_file_are_stored_in_nfc_and_found_again_from_nfc(app, client, admin):
    nfd = [[unicodedata.normalize("NFD", cell) for cell in GOOD_NEW]]
    url, _page = preview(client, xlsx_bytes(nfd), "villages.xlsx")
    client.post(url)
    with app.app_context():
        village = db.session.scalar(sa.select(Village).where(Village.name_folded == "pa khoang"))
        assert village.name == "Pá Khoang" and unicodedata.is_normalized("NFC", village.name)
        assert village.former_commune == "Chiềng Đông"
    _url, page = preview(client, csv_bytes([GOOD_NEW]))
    assert counts(page) == {"new": 0, "changed": 0, "unchanged": 1, "bad": 0}


# --- Reading what Excel and others write ------------------------------------------------------------------


@pytest.mark.parametrize("commune", ["03301", "3301", "Búng Lao", "Xã Búng Lao", "bung lao", "BÚNG LAO", " Búng  Lao "])
def test_the_commune_is_found_by_code_or_name(app, client, admin, commune):
    _url, page = preview(client, csv_bytes([["Pá Khoang", commune, "", "", "", "", ""]]))
    assert counts(page)["new"] == 1, commune


def test_a_csv_from_a_vietnamese_excel_with_semicolons_and_decimal_commas(app, client, admin):
    rows = [["Pá Khoang", "03301", "", "77", "21,41", "103,30", "6,5"]]
    url, page = preview(client, csv_bytes(rows, delimiter=";", bom=True))
    assert counts(page)["new"] == 1
    client.post(url)
    with app.app_context():
        village = db.session.scalar(sa.select(Village).where(Village.name == "Pá Khoang"))
        assert (village.latitude, village.longitude, village.distance_km) == (21.41, 103.30, 6.5)


def test_a_csv_in_windows_vietnamese_is_read_with_a_warning(app, client, admin):
    # Excel's plain "CSV" on Vietnamese Windows: cp1258, whose tones are combining marks.
    content = csv_bytes([["Pá Khoang", "Búng Lao", "", "", "", "", ""]], encoding="cp1258")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    _url, page = preview(client, content)
    assert "was read as Windows Vietnamese text" in page
    assert "Pá Khoang" in page and counts(page)["new"] == 1


def test_vietnamese_headings_are_understood_and_unknown_columns_named(app, client, admin):
    header = ["Tên thôn, bản", "Mã xã", "Xã cũ", "Số hộ", "Vĩ độ", "Kinh độ", "Khoảng cách (km)", "Ghi chú"]
    rows = [["Pá Khoang", "03301", "Chiềng Đông", "77", "21.41", "103.30", "6.5", "mới lập"]]
    _url, page = preview(client, csv_bytes(rows, header=header))
    assert counts(page)["new"] == 1
    assert "These columns are not used: Ghi chú." in page


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("villages.xls", b"\xd0\xcf\x11\xe0 old excel", "save it as Excel (.xlsx) or CSV UTF-8"),
        ("villages.pdf", b"%PDF-1.4", "Choose a CSV file or an Excel workbook (.xlsx)."),
        ("villages", b"name,commune\n", "Choose a CSV file or an Excel workbook (.xlsx)."),
        ("villages.csv", b"", "The file is empty."),
        ("villages.csv", b"\n\n", "The file is empty."),
        ("villages.csv", "thôn,xã cũ\nHua Chăn,Ẳng Tở\n".encode(), "Missing: commune."),
        ("villages.csv", b"name,commune\n", "The file has no villages under its heading row."),
        ("villages.csv", b"PK\x03\x04 a workbook", "named as a CSV file"),
        ("villages.xlsx", b"name,commune\nA,03301\n", "not a real Excel workbook"),
        ("villages.xlsx", b"PK\x03\x04 damaged", "could not be opened"),
        ("villages.csv", b"name,commune\n\x00\x00", "This is not a text file."),
        ("villages.csv", b"\xff\xfe\x00\xd8", "could not be read"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_beside_the_field(app, client, admin, filename, content, message):
    response = upload(client, content, filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'id="file-error"' in page


def test_a_file_too_large_is_refused(app, client, admin):
    content = b"name,commune\n" + b"x" * villages_import.MAX_BYTES
    response = upload(client, content)
    assert response.status_code == 200
    assert "The file is larger than 2 MB" in response.get_data(as_text=True)


def test_too_many_rows_are_refused(app, client, admin):
    rows = [[f"Bản {n}", "03301", "", "", "", "", ""] for n in range(villages_import.MAX_ROWS + 1)]
    response = upload(client, csv_bytes(rows))
    assert "At most 5,000 villages at a time" in response.get_data(as_text=True)


def test_no_file_chosen(client, admin):
    response = client.post("/admin/villages/import", data={}, content_type="multipart/form-data")
    assert "Choose the file to import." in response.get_data(as_text=True)


# --- The preview is the uploader's, for an hour -----------------------------------------------------------


def test_a_preview_belongs_to_whoever_uploaded_it(app, client, admin, factory):
    url, _page = preview(client, csv_bytes([GOOD_NEW]))
    factory.user("admin.two", "admin", None)
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    other.post("/login", data={"username": "admin.two", "password": "correct-horse-battery"})
    for response in (other.get(url, follow_redirects=True), other.post(url, follow_redirects=True)):
        assert "This preview has expired or is not yours." in response.get_data(as_text=True)
    assert len(villages_snapshot(app)) == 3


def test_a_preview_expires(app, client, admin, monkeypatch):
    url, _page = preview(client, csv_bytes([GOOD_NEW]))
    monkeypatch.setattr(villages_import, "PREVIEW_SECONDS", -1)
    assert client.post(url).location == "/admin/villages/import"
    assert len(villages_snapshot(app)) == 3


@pytest.mark.parametrize("token", ["../../secret_key", "short", "x" * 22])
def test_a_made_up_token_finds_nothing(client, admin, token):
    response = client.get(f"/admin/villages/import/{token}")
    assert response.status_code in (302, 404)


# --- The templates ----------------------------------------------------------------------------------------


def test_the_csv_template_opens_in_excel_and_imports_as_empty(client, admin):
    response = client.get("/admin/villages/template.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=villages.csv"
    assert response.data.startswith(codecs.BOM_UTF8)
    assert response.data.decode("utf-8-sig").strip() == ",".join(COLUMNS)
    assert "The file has no villages under its heading row." in upload(client, response.data).get_data(as_text=True)


def test_the_xlsx_template_has_the_columns_and_their_explanations(client, admin):
    response = client.get("/admin/villages/template.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    villages, explanations = workbook.worksheets
    assert [cell.value for cell in villages[1]] == COLUMNS
    assert explanations["A2"].value == "name" and "Required" in explanations["B2"].value
    page = upload(client, response.data, "villages.xlsx").get_data(as_text=True)
    assert "The file has no villages under its heading row." in page


def test_the_import_page_explains_the_columns(client, admin):
    page = client.get("/admin/villages/import").get_data(as_text=True)
    for column in COLUMNS:
        assert f"<code>{column}</code>" in page
    assert 'enctype="multipart/form-data"' in page


def test_a_workbook_that_unpacks_to_far_too_much_is_refused(app, client, admin):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<a>" + b"0" * (villages_import.MAX_UNPACKED_BYTES + 1) + b"</a>")
    assert len(out.getvalue()) < villages_import.MAX_BYTES
    page = upload(client, out.getvalue(), "villages.xlsx").get_data(as_text=True)
    assert "The file is larger than 2 MB" in page
