"""CSV files that open cleanly in Excel and cannot run anything there, streamed as they are written.

* UTF-8 with a byte-order mark, so that Excel reads Vietnamese as Vietnamese;
* a text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) gets a leading
  apostrophe, so that a spreadsheet shows it as text instead of running it as a formula ("CSV injection");
  numbers are written as numbers;
* rows are written while the query is read (``yield_per``), so a long list never sits whole in memory.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from flask import Response, stream_with_context

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str | int | float:
    """``value`` as a CSV cell: None as empty, text starting like a formula with an apostrophe before it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The file as pieces of text: the byte-order mark and the header, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells) -> str:
        writer.writerow([neutralise(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(header)
    for row in rows:
        yield line(row)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A streamed download of ``rows`` under ``header`` (``filename`` must be plain ASCII)."""
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
