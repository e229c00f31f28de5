"""Villages from a spreadsheet: read a CSV or XLSX file, preview every row, then write all or nothing.

Three steps, each a function that can be called without a request:

1. :func:`read_upload` reads the file into rows of text, or says in one message why it cannot
   (:class:`ImportFileError`: not CSV or XLSX, unreadable, no header, too many rows …).
2. :func:`preview_import` checks each row and compares it with the database: **new**, **changed**,
   **unchanged**, or **bad** with its reasons (unknown commune, coordinates outside Vietnam, a name twice
   in one commune, a number that is not one …). It writes nothing.
3. :func:`apply_import` writes the new and changed villages in one transaction, and only if no row is
   bad. Importing the same file again finds every row unchanged and writes nothing.

A village is matched by its commune and its name with accents and case ignored, so a name typed in NFD
(as some Mac and Excel exports write it) or in NFC, with or without its accents, finds the same village;
names are stored in NFC. An empty cell leaves the village's value as it is, and an import never renames a
village (its name is how it is found): rename one on its own page.

Between the preview and the confirmation the rows wait on the server in ``IMPORTS_FOLDER``
(``instance/imports/``), under a random token and bound to the user who uploaded them (:func:`store_upload`,
:func:`load_upload`); they are checked again at confirmation, since the database may have changed in between.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Commune, User, Village
from ..scoping import visible_communes, visible_villages
from ..textsearch import fold
from ..visits.forms import VIETNAM_LATITUDE, VIETNAM_LONGITUDE
from . import audit
from .errors import RuleError
from .users import clean_name
from .villages import snapshot

MAX_BYTES = 2 * 1024 * 1024  # the 1,446 villages of Điện Biên take about 100 kB as CSV
MAX_ROWS = 5000
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an XLSX unpacked: its XML, sheets and shared strings
PREVIEW_SECONDS = 60 * 60  # a preview not confirmed within the hour must be uploaded again
MAX_HOUSEHOLDS = 100_000
MAX_DISTANCE_KM = 500

COLUMNS = ("name", "commune", "former_commune", "households", "latitude", "longitude", "distance_km")
REQUIRED = ("name", "commune")

# Column headings the import understands, as _heading() writes them: the template's, and Vietnamese ones.
HEADINGS = {
    "name": ("name", "village", "village name", "ten", "ten thon", "ten thon ban", "thon", "thon ban", "ten ban"),
    "commune": ("commune", "commune code", "commune name", "xa", "ma xa", "ten xa", "xa phuong", "ma xa phuong"),
    "former_commune": ("former commune", "xa cu", "thuoc xa cu", "xa truoc sap nhap"),
    "households": ("households", "so ho", "ho"),
    "latitude": ("latitude", "lat", "vi do"),
    "longitude": ("longitude", "lon", "lng", "long", "kinh do"),
    "distance_km": (
        "distance km",
        "distance",
        "khoang cach",
        "khoang cach km",
        "khoang cach den trung tam xa",
        "khoang cach den trung tam xa km",
    ),
}
_HEADING_TO_COLUMN = {heading: column for column, headings in HEADINGS.items() for heading in headings}
_DIVISION_PREFIXES = ("xa ", "phuong ", "thi tran ", "dac khu ")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")

NEW, CHANGED, UNCHANGED, BAD = "new", "changed", "unchanged", "bad"


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why, for the file field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- 1. Reading the file --------------------------------------------------------------------------------


@dataclass
class Upload:
    """A file's rows as text: ``rows`` is ``[(row number in the spreadsheet, {column: text})]``."""

    filename: str
    rows: list[tuple[int, dict[str, str]]]
    ignored_columns: list[str] = field(default_factory=list)
    # Set when the file was not UTF-8 and was read as Windows Vietnamese (cp1258): check the names.
    legacy_encoding: bool = False


def read_upload(filename: str, data: bytes) -> Upload:
    """The rows of an uploaded CSV or XLSX file.

    :raise ImportFileError: when the file is too large, of another kind, unreadable, has no heading row
        with at least the name and commune columns, no rows, or more than :data:`MAX_ROWS` rows.
    """
    filename = os.path.basename((filename or "").replace("\\", "/"))[:200]
    if len(data) > MAX_BYTES:
        raise ImportFileError(_l("The file is larger than %(size)s MB: split it into several.", size="2"))
    if not data:
        raise ImportFileError(_l("The file is empty."))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise ImportFileError(_l("This file is not a real Excel workbook (.xlsx). Save it again from Excel."))
        table, legacy = _read_xlsx(data), False
    elif extension in ("csv", "txt"):
        if data.startswith(b"PK\x03\x04"):
            raise ImportFileError(_l("This is an Excel workbook named as a CSV file: name it .xlsx, or save as CSV."))
        table, legacy = _read_csv(data)
    elif extension in ("xls", "ods", "numbers"):
        raise ImportFileError(_l("This spreadsheet format cannot be read: save it as Excel (.xlsx) or CSV UTF-8."))
    else:
        raise ImportFileError(_l("Choose a CSV file or an Excel workbook (.xlsx)."))
    return _rows_from_table(filename, table, legacy)


def _read_csv(data: bytes) -> tuple[list[list[str]], bool]:
    legacy = False
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                # Excel's plain "CSV" on a Vietnamese Windows writes cp1258 (tones as combining marks).
                text, legacy = data.decode("cp1258"), True
    except UnicodeDecodeError:
        raise ImportFileError(
            _l("The file's characters could not be read. Save it as “CSV UTF-8” and try again.")
        ) from None
    if "\x00" in text:
        raise ImportFileError(_l("This is not a text file. Choose a CSV file or an Excel workbook (.xlsx)."))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Excel writes ";" between cells where the decimal mark is a comma (Vietnamese settings): use what the
    # heading row uses most.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)], legacy
    except csv.Error:
        raise ImportFileError(_l("The file could not be read as CSV. Save it again as “CSV UTF-8”.")) from None


def _read_xlsx(data: bytes) -> list[list]:
    import openpyxl  # only the import needs it

    try:
        # A workbook is a zip: refuse one that would unpack to far more than a list of villages needs.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise ImportFileError(_l("This Excel workbook could not be opened. Save it again from Excel.")) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(_l("The file is larger than %(size)s MB: split it into several.", size="2"))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged workbook can fail in many ways inside openpyxl and zipfile
        current_app.logger.info("unreadable workbook uploaded for a village import", exc_info=True)
        raise ImportFileError(_l("This Excel workbook could not be opened. Save it again from Excel.")) from None
    try:
        sheet = workbook.worksheets[0]
        table = []
        for row in sheet.iter_rows(values_only=True):
            table.append(list(row))
            if len(table) > MAX_ROWS + 100:  # blank rows are skipped later; do not read a million
                break
        return table
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportFileError(_l("This Excel workbook could not be opened. Save it again from Excel.")) from None
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A cell as text in NFC: a number as it was typed (21.39211, not 21.392110000000001)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return clean_name(str(value))


def _heading(text) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(str(text or ""))).strip()


def _rows_from_table(filename: str, table: list[list], legacy: bool) -> Upload:
    rows = iter(enumerate(table, start=1))
    header = None
    for _number, cells in rows:
        if any(_cell_text(cell) for cell in cells):
            header = cells
            break
    if header is None:
        raise ImportFileError(_l("The file is empty."))
    positions: dict[str, int] = {}
    ignored = []
    for position, cell in enumerate(header):
        column = _HEADING_TO_COLUMN.get(_heading(cell))
        if column and column not in positions:
            positions[column] = position
        elif _cell_text(cell):
            ignored.append(_cell_text(cell))
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise ImportFileError(
            _l(
                "The first row must name the columns, as in the template. Missing: %(columns)s.",
                columns=", ".join(missing),
            )
        )
    result = []
    for number, cells in rows:
        values = {
            column: _cell_text(cells[position]) if position < len(cells) else ""
            for column, position in positions.items()
        }
        if not any(values.values()):
            continue
        if len(result) >= MAX_ROWS:
            raise ImportFileError(_l("At most 5,000 villages at a time: split the file into several."))
        result.append((number, values))
    if not result:
        raise ImportFileError(_l("The file has no villages under its heading row."))
    return Upload(filename=filename, rows=result, ignored_columns=ignored, legacy_encoding=legacy)


# --- 2. The preview -------------------------------------------------------------------------------------


@dataclass
class RowPreview:
    """One row of the file, checked and compared with the database."""

    number: int
    values: dict[str, str]
    status: str = NEW
    name: str = ""
    commune: Commune | None = None
    village: Village | None = None  # the village the row matches, if any
    parsed: dict = field(default_factory=dict)  # the row's values, read: name, former_commune, households …
    changes: dict = field(default_factory=dict)  # {field: [old, new]} for a changed village
    problems: list = field(default_factory=list)


@dataclass
class Preview:
    rows: list[RowPreview]

    def with_status(self, status: str) -> list[RowPreview]:
        return [row for row in self.rows if row.status == status]

    @property
    def counts(self) -> dict[str, int]:
        return {status: len(self.with_status(status)) for status in (NEW, CHANGED, UNCHANGED, BAD)}

    @property
    def has_bad_rows(self) -> bool:
        return any(row.status == BAD for row in self.rows)

    @property
    def has_changes(self) -> bool:
        return any(row.status in (NEW, CHANGED) for row in self.rows)


class CommuneIndex:
    """Communes found by official code ("03301" or "3301") or by name ("Búng Lao", "Xã Búng Lao", "bung lao")."""

    def __init__(self, communes):
        self.by_code = {commune.code: commune for commune in communes}
        self.by_name: dict[str, dict[int, Commune]] = {}
        for commune in communes:
            for key in {fold(commune.name), _without_division(fold(commune.name))}:
                self.by_name.setdefault(key, {})[commune.id] = commune

    def find(self, text: str) -> tuple[Commune | None, object | None]:
        """``(commune, None)``, or ``(None, message)`` when no commune or several have that name."""
        text = text.strip()
        if text.isdigit():
            commune = self.by_code.get(text.zfill(5))
            return (commune, None) if commune else (None, _l("No commune has the code %(code)s.", code=text))
        key = fold(text)
        found = self.by_name.get(key) or self.by_name.get(_without_division(key)) or {}
        if len(found) == 1:
            return next(iter(found.values())), None
        if found:
            return None, _l("Several communes are called “%(name)s”: give the official code instead.", name=text)
        return None, _l("No commune called “%(name)s” in the province.", name=text)


def _without_division(folded: str) -> str:
    for prefix in _DIVISION_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :]
    return folded


def _decimal(text: str) -> float | None:
    """A number as people type it in a spreadsheet: 21.39 or 21,39 (a Vietnamese decimal comma)."""
    text = text.replace("\u00a0", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _check_row(number: int, values: dict[str, str], communes: CommuneIndex) -> RowPreview:
    row = RowPreview(number=number, values=values)
    problems = row.problems
    row.name = clean_name(values.get("name"))
    if not row.name:
        problems.append(_l("The village's name is missing."))
    elif len(row.name) > 120:
        problems.append(_l("The village's name is longer than %(max)d characters.", max=120))
    commune_text = values.get("commune", "")
    if not commune_text:
        problems.append(_l("The commune is missing."))
    else:
        row.commune, problem = communes.find(commune_text)
        if problem:
            problems.append(problem)
    parsed = row.parsed
    former = clean_name(values.get("former_commune"))
    if len(former) > 120:
        problems.append(_l("The former commune is longer than %(max)d characters.", max=120))
    parsed["former_commune"] = former or None
    if values.get("households"):
        households = _decimal(values["households"])
        if households is None or not households.is_integer() or not 0 <= households <= MAX_HOUSEHOLDS:
            problems.append(
                _l("Households: “%(value)s” is not a whole number from 0 to 100,000.", value=values["households"])
            )
        else:
            parsed["households"] = int(households)
    for column, label in (("latitude", _l("Latitude")), ("longitude", _l("Longitude"))):
        if values.get(column):
            number = _decimal(values[column])
            if number is None:
                problems.append(_l("%(column)s: “%(value)s” is not a number.", column=label, value=values[column]))
            else:
                parsed[column] = number
    latitude, longitude = parsed.get("latitude"), parsed.get("longitude")
    if bool(values.get("latitude")) != bool(values.get("longitude")):
        problems.append(_l("Give both the latitude and the longitude, or neither."))
    elif latitude is not None and longitude is not None:
        inside = VIETNAM_LATITUDE[0] <= latitude <= VIETNAM_LATITUDE[1]
        inside = inside and VIETNAM_LONGITUDE[0] <= longitude <= VIETNAM_LONGITUDE[1]
        if not inside:
            problems.append(
                _l("These coordinates are outside Vietnam (latitude 8 to 24, longitude 102 to 118): check them.")
            )
    if values.get("distance_km"):
        distance = _decimal(values["distance_km"])
        if distance is None or not 0 <= distance <= MAX_DISTANCE_KM:
            problems.append(
                _l(
                    "Distance: “%(value)s” is not a number of kilometres from 0 to %(max)d.",
                    value=values["distance_km"],
                    max=MAX_DISTANCE_KM,
                )
            )
        else:
            parsed["distance_km"] = distance
    return row


def preview_import(actor: User, upload: Upload) -> Preview:
    """Check every row of ``upload`` and compare it with the villages ``actor`` may see. Writes nothing.

    :return: each row as new, changed, unchanged, or bad with its problems.
    """
    communes = CommuneIndex(list(db.session.scalars(visible_communes(actor))))
    rows = [_check_row(number, values, communes) for number, values in upload.rows]

    first_seen: dict[tuple[int, str], int] = {}
    for row in rows:
        if row.commune is None or not row.name:
            continue
        key = (row.commune.id, fold(row.name))
        if key in first_seen:
            row.problems.append(
                _l("“%(name)s” is also on row %(number)d, in the same commune.", name=row.name, number=first_seen[key])
            )
        else:
            first_seen[key] = row.number

    commune_ids = {row.commune.id for row in rows if row.commune is not None}
    existing = {
        (village.commune_id, village.name_folded): village
        for village in db.session.scalars(visible_villages(actor).where(Village.commune_id.in_(commune_ids)))
    }
    for row in rows:
        if row.problems:
            row.status = BAD
            continue
        row.village = existing.get((row.commune.id, fold(row.name)))
        if row.village is None:
            row.status = NEW
            continue
        row.name = row.village.name
        before = snapshot(row.village)
        after = dict(before)
        after.update({key: value for key, value in row.parsed.items() if value is not None})
        after["active"] = True  # a village listed in the file is in use
        row.changes = audit.changes_between(before, after)
        row.status = CHANGED if row.changes else UNCHANGED
    return Preview(rows)


# --- 3. Writing it --------------------------------------------------------------------------------------


def apply_import(actor: User, preview: Preview, filename: str) -> dict[str, int]:
    """Write the new and changed villages of ``preview`` in one transaction, each in the audit trail.

    Nothing is written when any row is bad, nor when nothing would change (the same file again).

    :return: how many villages were ``new``, ``changed`` and ``unchanged``.
    :raise RuleError: if the preview has bad rows, or the villages changed meanwhile (nothing written).
    """
    if preview.has_bad_rows:
        raise RuleError(None, _l("Correct the rows with problems and upload the file again: nothing was imported."))
    counts = preview.counts
    if not preview.has_changes:
        return counts
    try:
        for row in preview.rows:
            if row.status == NEW:
                village = Village(commune=row.commune, name=row.name, active=True, **row.parsed)
                db.session.add(village)
                db.session.flush()
                changes = {key: [None, value] for key, value in snapshot(village).items() if value is not None}
                label = f"{village.name} ({village.commune.name})"
                audit.record(actor, "village_created", "village", village.id, label, changes)
            elif row.status == CHANGED:
                village = row.village
                for key, (_old, new) in row.changes.items():
                    setattr(village, key, new)
                label = f"{village.name} ({village.commune.name})"
                audit.record(actor, "village_updated", "village", village.id, label, row.changes)
        summary = {
            "file": [None, filename],
            "new": [None, counts[NEW]],
            "changed": [None, counts[CHANGED]],
            "unchanged": [None, counts[UNCHANGED]],
        }
        audit.record(actor, "villages_imported", "import", None, filename, summary)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RuleError(
            None, _l("Villages were added or changed meanwhile: nothing was imported. Check the preview again.")
        ) from None
    return counts


# --- Keeping the rows between preview and confirmation --------------------------------------------------


def _imports_dir() -> Path:
    path = Path(current_app.config.get("IMPORTS_FOLDER") or Path(current_app.instance_path) / "imports")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(token: str) -> Path | None:
    return _imports_dir() / f"{token}.json" if _TOKEN.fullmatch(token or "") else None


def store_upload(user: User, upload: Upload) -> str:
    """Keep ``upload``'s rows for ``user`` until confirmed; return the random token naming them."""
    _purge_old_uploads()
    token = secrets.token_urlsafe(16)
    content = {
        "user_id": user.id,
        "created": time.time(),
        "filename": upload.filename,
        "rows": upload.rows,
        "ignored_columns": upload.ignored_columns,
        "legacy_encoding": upload.legacy_encoding,
    }
    path = _path(token)
    partial = path.with_suffix(".partial")
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
        json.dump(content, f, ensure_ascii=False)
    os.replace(partial, path)
    return token


def load_upload(user: User, token: str) -> Upload | None:
    """The rows ``user`` uploaded under ``token``; None if there are none, they are another user's, or the
    preview is more than an hour old."""
    path = _path(token)
    if path is None or not path.exists():
        return None
    try:
        with open(path, encoding="utf-8") as f:
            content = json.load(f)
    except (OSError, ValueError):
        return None
    if content.get("user_id") != user.id or time.time() - content.get("created", 0) > PREVIEW_SECONDS:
        return None
    return Upload(
        filename=content["filename"],
        rows=[(number, values) for number, values in content["rows"]],
        ignored_columns=content.get("ignored_columns", []),
        legacy_encoding=content.get("legacy_encoding", False),
    )


def discard_upload(token: str) -> None:
    path = _path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def _purge_old_uploads() -> None:
    """Remove the rows of previews nobody confirmed (older than a day)."""
    limit = time.time() - 24 * 60 * 60
    for path in _imports_dir().glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


# --- The template -----------------------------------------------------------------------------------------


def template_csv() -> bytes:
    """The CSV template: the heading row only, UTF-8 with a byte-order mark so that Excel reads the accents."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerow(COLUMNS)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def template_xlsx(explanations: list[tuple[str, str, str]], sheet_titles: tuple[str, str]) -> bytes:
    """The XLSX template: a sheet of villages with its heading row, and a sheet explaining each column.

    :param explanations: ``(column, what it holds, an example)`` for each column, in the reader's language.
    :param sheet_titles: the names of the two sheets (villages, explanations).
    """
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#E7F2EC", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    text = workbook.add_format({"num_format": "@"})
    villages = workbook.add_worksheet(sheet_titles[0][:31])
    for position, column in enumerate(COLUMNS):
        villages.write(0, position, column, bold)
        villages.set_column(position, position, 24 if position < 3 else 14)
    villages.set_column(1, 1, 24, text)  # a commune code keeps its leading zero
    villages.freeze_panes(1, 0)
    help_sheet = workbook.add_worksheet(sheet_titles[1][:31])
    help_sheet.set_column(0, 0, 18)
    help_sheet.set_column(1, 1, 70, wrap)
    help_sheet.set_column(2, 2, 24)
    for row, (column, meaning, example) in enumerate(explanations):
        help_sheet.write(row, 0, column, bold if row == 0 else None)
        help_sheet.write(row, 1, meaning, bold if row == 0 else wrap)
        help_sheet.write(row, 2, example, bold if row == 0 else None)
    workbook.close()
    return out.getvalue()
