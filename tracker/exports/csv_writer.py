"""CSV that opens cleanly in Excel and LibreOffice, and cannot run anything there.

* UTF-8 with a byte-order mark, so that Excel reads the Vietnamese diacritics as such; a header row;
  lines ended by CRLF and cells quoted when needed (RFC 4180, Python's ``csv`` "excel" dialect).
* A text cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or a carriage return, which some
  spreadsheets skip before reading a formula) gets a leading apostrophe: the spreadsheet shows it as text
  instead of running it ("CSV injection"). Numbers are written as numbers, days as ``2026-10-31``.
* Written as it is read: :func:`csv_chunks` yields the file piece by piece (about 64 KB each), so that a
  streamed download or a file on disk never holds more than one piece in memory.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import BinaryIO

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_CHARACTERS = 64 * 1024


def neutralise(text: str) -> str:
    """``text`` with an apostrophe before it if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value) -> str | int | float:
    """A value as a CSV cell: None empty, a day in ISO form, a number as it is, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """The CSV file of ``header`` and ``rows`` in UTF-8 pieces, the first starting with the byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([cell(value) for value in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
        if buffer.tell() >= CHUNK_CHARACTERS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(file: BinaryIO, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write the CSV file of ``header`` and ``rows`` to the binary ``file``."""
    for chunk in csv_chunks(header, rows):
        file.write(chunk)
