"""The export files themselves, the same from the web and from the command line: names, titles, contents.

A file's name says what it holds, in plain ASCII so that every system keeps it:
``kien-nghi-da-giai-quyet-2026-10-03301.xlsx`` (Vietnamese) or ``resolved-concerns-2026-10-03301.xlsx``
(English) for one commune, ``…-2026-10-toan-tinh.csv`` / ``…-2026-10-province.csv`` for the province.
"""

from collections.abc import Iterator
from typing import BinaryIO

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models import Commune
from . import csv_writer, xlsx_writer
from .report import monthly_figures
from .rows import columns, export_rows, headers
from .scope import ExportScope, Month

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_STEMS = {"vi": ("kien-nghi-da-giai-quyet", "toan-tinh"), "en": ("resolved-concerns", "province")}


def file_name(scope: ExportScope, file_format: str, language: str) -> str:
    """The download's name, e.g. ``kien-nghi-da-giai-quyet-2026-10-03301.xlsx``."""
    stem, province = FILE_STEMS.get(language, FILE_STEMS["vi"])
    return f"{stem}-{scope.month}-{scope.commune_code or province}.{file_format}"


def month_label(month: Month, language: str) -> str:
    """The month in words: "tháng 10 năm 2026", "October 2026"."""
    return format_skeleton("yMMMM", month.first_day, locale=language)


def scope_label(scope: ExportScope) -> str:
    """The commune's name, or the whole province's (in the current language)."""
    if scope.commune is not None:
        return scope.commune.name
    province = db.session.scalar(sa.select(Commune.province_name).limit(1)) or ""
    return _("All of %(province)s province", province=province)


def title(scope: ExportScope, language: str) -> str:
    """What the export holds, in words: "Concerns resolved in October 2026 — Xã Búng Lao"."""
    with force_locale(language):
        return _(
            "Concerns resolved in %(month)s — %(scope)s",
            month=month_label(scope.month, language),
            scope=scope_label(scope),
        )


def csv_stream(scope: ExportScope, *, language: str, include_personal: bool = False) -> Iterator[bytes]:
    """The CSV file of the export, in pieces, read from the database as it is written."""
    rows = export_rows(scope, language=language, include_personal=include_personal)
    return csv_writer.csv_chunks(headers(include_personal, language), rows)


def write_csv(file: BinaryIO, scope: ExportScope, *, language: str, include_personal: bool = False) -> int:
    """Write the CSV file of the export to the binary ``file``; return how many rows it has."""
    count = 0

    def counted(rows):
        nonlocal count
        for count, row in enumerate(rows, start=1):  # noqa: B007 — the count is the point
            yield row

    rows = counted(export_rows(scope, language=language, include_personal=include_personal))
    csv_writer.write_csv(file, headers(include_personal, language), rows)
    return count


def write_xlsx(path: str, scope: ExportScope, *, language: str, include_personal: bool = False) -> int:
    """Write the XLSX workbook of the export to ``path`` (rows, then the summary sheet); return the row count."""
    figures = monthly_figures(scope, language)
    return xlsx_writer.write_xlsx(
        path,
        headers(include_personal, language),
        [column.kind for column in columns(include_personal)],
        export_rows(scope, language=language, include_personal=include_personal),
        figures,
        title=title(scope, language),
        language=language,
    )
