"""The XLSX workbook of an export: the resolved concerns, and a summary sheet with the month's figures.

Written with XlsxWriter in ``constant_memory`` mode: each row goes to a temporary file as soon as it is
written, so memory stays flat however many rows there are. Rows must then be written in order, which the
export does; the column widths are set at the end, once the widest value of each column is known.

* Sheet 1, the concerns (its name in the export's language): a header row that stays in view when
  scrolling (frozen), a filter on it, typed cells — days are dates with a date format, numbers are
  numbers, text is always written as text (a title starting with ``=`` is a string, never a formula).
* Sheet 2, "Summary" ("Tổng hợp"): the figures of :func:`.report.monthly_figures`, the same as the report
  page: totals, by category, by commune, the residents' satisfaction and the villages not visited.
"""

from collections.abc import Iterable, Sequence
from datetime import date

import xlsxwriter
from flask_babel import force_locale, pgettext
from flask_babel import lazy_gettext as _l

from .report import LABELS, Figures, MonthlyFigures
from .rows import DATE, NUMBER

CONCERNS_SHEET = _l("Resolved concerns")
DATE_FORMATS = {"vi": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
MAX_WIDTH = 60
DATE_WIDTH = 11


def write_xlsx(
    path: str,
    headers: Sequence[str],
    kinds: Sequence[str],
    rows: Iterable[Sequence],
    figures: MonthlyFigures,
    *,
    title: str,
    language: str,
) -> int:
    """Write the workbook to ``path``: ``rows`` under ``headers`` (``kinds`` says how each column is
    typed: :data:`.rows.TEXT`, :data:`.rows.DATE` or :data:`.rows.NUMBER`), then the summary sheet of
    ``figures`` under ``title``. :return: how many rows were written."""
    with force_locale(language):
        # "Summary" alone is already a message elsewhere (a different word in Vietnamese): a sheet's name.
        concerns_name, summary_name = str(CONCERNS_SHEET), pgettext("sheet", "Summary")
        labels = {key: str(label) for key, label in LABELS.items()}
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    try:
        formats = {
            "header": workbook.add_format({"bold": True, "bg_color": "#E4EFE9", "bottom": 1}),
            "date": workbook.add_format({"num_format": DATE_FORMATS.get(language, "yyyy-mm-dd")}),
            "title": workbook.add_format({"bold": True, "font_size": 13}),
            "bold": workbook.add_format({"bold": True}),
            "percent": workbook.add_format({"num_format": "0%"}),
            "decimal": workbook.add_format({"num_format": "0.0"}),
        }
        sheet = workbook.add_worksheet(concerns_name[:31])
        count = _write_concerns(sheet, headers, kinds, rows, formats)
        summary = workbook.add_worksheet(summary_name[:31])
        _write_summary(summary, figures, title, labels, formats)
    finally:
        workbook.close()
    return count


def _write_concerns(sheet, headers, kinds, rows, formats) -> int:
    widths = [min(len(header) + 2, MAX_WIDTH) for header in headers]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, formats["header"])
    sheet.freeze_panes(1, 0)
    row_number = 0
    for row_number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue  # nothing to write: an empty cell costs nothing in constant_memory mode
            kind = kinds[col]
            if kind == DATE and isinstance(value, date):
                sheet.write_datetime(row_number, col, value, formats["date"])
                width = DATE_WIDTH
            elif kind == NUMBER and isinstance(value, int | float):
                sheet.write_number(row_number, col, value)
                width = len(str(value)) + 2
            else:
                text = str(value)
                sheet.write_string(row_number, col, text)
                width = len(text) + 2
            if width > widths[col]:
                widths[col] = min(width, MAX_WIDTH)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.autofilter(0, 0, row_number, len(headers) - 1)
    return row_number


def _write_summary(sheet, figures: MonthlyFigures, title: str, labels: dict[str, str], formats) -> None:
    """The summary sheet, top to bottom (constant_memory mode writes each row once, in order)."""
    total = figures.total
    row = 0
    sheet.write_string(row, 0, title, formats["title"])
    row += 2
    headline = [
        ("raised", total.raised, None),
        ("resolved", total.resolved, None),
        ("on_time", total.on_time, None),
        ("on_time_share", total.on_time_share, "percent"),
        ("median_days", total.median_days, "decimal"),
        ("overdue_at_end", total.overdue_at_end, None),
        ("villages", total.villages, None),
        ("villages_visited", total.villages_visited, None),
        ("villages_not_visited", total.villages_not_visited, None),
    ]
    for key, value, number_format in headline:
        sheet.write_string(row, 0, labels[key])
        _number(sheet, row, 1, value, formats.get(number_format))
        row += 1

    group_columns = ["raised", "resolved", "on_time", "on_time_share", "median_days", "overdue_at_end"]
    row += 1
    sheet.write_string(row, 0, labels["by_category"], formats["bold"])
    row += 1
    _header(sheet, row, [labels["category"], *(labels[key] for key in group_columns)], formats)
    row += 1
    for figures_row in [*figures.by_category, total]:
        sheet.write_string(row, 0, figures_row.label)
        _group(sheet, row, 1, figures_row, group_columns, formats)
        row += 1

    row += 1
    sheet.write_string(row, 0, labels["by_commune"], formats["bold"])
    row += 1
    commune_columns = [*group_columns, "villages", "villages_visited"]
    _header(sheet, row, [labels["commune"], labels["commune_code"], *(labels[k] for k in commune_columns)], formats)
    row += 1
    for figures_row in [*figures.by_commune, total]:
        sheet.write_string(row, 0, figures_row.label)
        if figures_row.code:
            sheet.write_string(row, 1, figures_row.code)
        _group(sheet, row, 2, figures_row, commune_columns, formats)
        row += 1

    row += 1
    sheet.write_string(row, 0, labels["satisfaction"], formats["bold"])
    sheet.write_string(row, 1, labels["satisfaction_hint"])
    row += 1
    for _code, label, count in figures.satisfaction:
        sheet.write_string(row, 0, label)
        sheet.write_number(row, 1, count)
        row += 1

    if figures.villages_not_visited:
        row += 1
        sheet.write_string(row, 0, labels["villages_not_visited"], formats["bold"])
        row += 1
        _header(sheet, row, [labels["commune"], labels["village"]], formats)
        row += 1
        for commune, village in figures.villages_not_visited:
            sheet.write_string(row, 0, commune)
            sheet.write_string(row, 1, village)
            row += 1

    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 11, 16)


def _header(sheet, row: int, names: list[str], formats) -> None:
    for col, name in enumerate(names):
        sheet.write_string(row, col, name, formats["header"])


def _group(sheet, row: int, first_col: int, figures: Figures, keys: list[str], formats) -> None:
    number_formats = {"on_time_share": formats["percent"], "median_days": formats["decimal"]}
    for offset, key in enumerate(keys):
        _number(sheet, row, first_col + offset, getattr(figures, key), number_formats.get(key))


def _number(sheet, row: int, col: int, value, number_format=None) -> None:
    if value is None:
        return  # no median or share without a resolved concern: left empty, not 0
    if number_format is None:
        sheet.write_number(row, col, value)
    else:
        sheet.write_number(row, col, value, number_format)
