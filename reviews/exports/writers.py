"""The two formats of an export, both with memory bounded whatever the number of rows.

- CSV: a :class:`~django.http.StreamingHttpResponse` over a generator; rows are read
  from the database in chunks (see :mod:`reviews.exports.tables`) and sent in batches.
  UTF-8 with a byte-order mark, so that spreadsheets read accents right; every field
  quoted, every cell neutralised by :func:`~reviews.exports.cells.csv_cell`.
- XLSX: an openpyxl *write-only* workbook, whose rows go to disk as they are appended
  (inline strings, no shared-string table), saved to a temporary file that a
  :class:`~django.http.FileResponse` sends and deletes.

Both are attachments named after the call and the day (``aissai-2025-reviews-2025-06-30.csv``).
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .cells import csv_cell, is_formula_like, local_datetime
from .tables import Table

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS_PER_CHUNK = 200  # rows sent in one piece of the CSV stream
XLSX_MAX_TEXT = 32767  # the longest text a spreadsheet cell holds
_SHEET_TITLE_BAD = re.compile(r"[\\/*?:\[\]]")


def export_filename(table: Table, extension: str, *, today=None) -> str:
    day = (today or timezone.localdate()).isoformat()
    return f"{table.call_slug}-{table.kind}-{day}.{extension}"


class _Echo:
    """A file-like object whose ``write`` returns what it is given (for ``csv.writer``)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(table: Table, *, language: str | None = None) -> Iterator[str]:
    """The CSV text of ``table``, a few hundred rows at a time."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    with translation.override(language or translation.get_language()):
        yield "\ufeff" + writer.writerow([csv_cell(h) for h in table.headers])
        batch: list[str] = []
        for row in table.rows:
            batch.append(writer.writerow([csv_cell(value) for value in row]))
            if len(batch) >= ROWS_PER_CHUNK:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)


def csv_response(table: Table) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_chunks(table, language=translation.get_language()), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=export_filename(table, "csv")
    )
    response["Cache-Control"] = "no-store"
    return response


def _text_cell(sheet: Any, text: str) -> WriteOnlyCell:
    """A string cell, never a formula or an error value; a text a spreadsheet could take
    for a formula is also marked "quote prefix" (kept as text when edited)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > XLSX_MAX_TEXT:
        text = text[: XLSX_MAX_TEXT - 1] + "\u2026"
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell


def _xlsx_value(sheet: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return _text_cell(sheet, value)
    if isinstance(value, datetime):
        return local_datetime(value)
    if isinstance(value, bool):
        return _text_cell(sheet, str(value))
    if isinstance(value, (int, float)) or hasattr(value, "as_tuple"):  # numbers, Decimal
        return value
    return _text_cell(sheet, str(value))


def write_xlsx(table: Table, file: Any) -> None:
    """Write ``table`` as a one-sheet workbook to ``file`` (a path or a binary file)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_SHEET_TITLE_BAD.sub(" ", str(table.title))[:31])
    bold = Font(bold=True)
    header = []
    for label in table.headers:
        cell = _text_cell(sheet, str(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_value(sheet, value) for value in row])
    workbook.save(file)


def xlsx_response(table: Table) -> FileResponse:
    # Deleted when closed.
    file = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    try:
        write_xlsx(table, file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    response = FileResponse(
        file,
        as_attachment=True,
        filename=export_filename(table, "xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response
