"""One cell of an export: neutralised against formula injection and formatted.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or a carriage return before one of them, or the full-width forms of these
signs) as a formula, which can run commands or leak data when the file is opened. Every
text that comes from a person (titles, names, comments) may start that way, so:

- in CSV, such a text is written with a leading apostrophe (``'=1+1``), which every
  spreadsheet shows as text. A spreadsheet may also split a CSV line on another
  separator than the comma (French settings split on ``;``, some on tabs), and then a
  piece of a cell becomes a cell of its own: ``;=1+1;`` would run. So the apostrophe
  also goes after every ``;``, ``,``, tab or line break (and their full-width forms)
  that is followed, after spaces, by a trigger. Every field is quoted as well
  (``csv.QUOTE_ALL``), so a reader that follows the quotes splits nothing;
- in XLSX, it is written as a string cell (never a formula) marked "quote prefix", see
  :mod:`reviews.exports.writers`.

Numbers (a negative leniency, for example) stay numbers: only texts are changed.
:func:`csv_cell` is the one place that turns a value into the text of a CSV cell.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

# ASCII triggers, then their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
QUOTE = "'"
# Where a spreadsheet may cut a cell in two: ; , tab, line breaks, full-width ; and ,.
SEPARATORS = ";,\t\r\n\uff1b\uff0c"
_FORMULA_SIGNS = "=+\\-@\uff1d\uff0b\uff0d\uff20"
SIGN_AFTER_SEPARATOR = re.compile(f"([{SEPARATORS}][ \\t\u00a0\u3000]*)(?=[{_FORMULA_SIGNS}])")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def safe_cell(value: Any) -> Any:
    """``value`` as it may be written to a CSV cell: a text a spreadsheet could read as a
    formula gets a leading apostrophe, and so does each piece of it after a separator;
    anything else is returned unchanged."""
    if not isinstance(value, str):
        return value
    value = SIGN_AFTER_SEPARATOR.sub(lambda m: m.group(1) + QUOTE, value)
    return QUOTE + value if is_formula_like(value) else value


def local_datetime(value: datetime) -> datetime:
    """An aware datetime in the site's time zone (Europe/Paris), without tzinfo:
    spreadsheets know no time zones, the column header names the zone."""
    if timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return value.replace(tzinfo=None, microsecond=0)


def as_text(value: Any) -> str:
    """The text of a CSV cell (before :func:`safe_cell`)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_datetime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else ""
    return str(value)


def csv_cell(value: Any) -> str:
    """The text written to a CSV cell: numbers as numbers, any text neutralised."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return as_text(value)
    return safe_cell(as_text(value))
