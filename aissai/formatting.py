"""Template filters for figures people read, written as a French programme team writes
them and as English readers expect (loaded for every template: settings.TEMPLATES
``builtins``).

- ``long_datetime``: a datetime as given (templates: in the current time zone),
  « 28 décembre 2026 à 12 h » (« à 12 h 30 » when the minutes are not zero), in English
  "28 December 2026, 12:00"; ``long_datetime:"seconds"`` adds the seconds (receipts);
- ``short_date``, ``short_datetime``: a date in a dense table in the project's short
  formats (``aissai.formats``: « 28 déc. 2026 à 12 h 00 », "28 Dec 2026, 12:00"), in a
  ``<time>`` element with the machine-readable value and the long date as its title;
- ``file_size``: a size in bytes, « 10 Mo » or "10 MB" (binary multiples, as the upload
  limits are set; one decimal only below 10, and none when it is zero);
- ``score_out_of``: a review's score on its scale, « 5,2/10 » or "5.2/10" (one decimal,
  none when it is zero; no spaces around the slash). Exports keep numbers as numbers.
- ``signed``: a number whose sign carries meaning (a reviewer's leniency, a calibration
  offset, a difference of scores), « +0,97 », « −0,97 » (the minus sign U+2212, not a
  hyphen), « 0,00 » when it rounds to zero; two decimals unless told (``signed:1``).
  Exports (CSV, spreadsheets) keep a plain hyphen: they write numbers, not this text.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

register = template.Library()

NBSP = "\u00a0"
MINUS = "\u2212"


@register.filter(expects_localtime=True)
def long_datetime(value: datetime | None, precision: str = "") -> str:
    """In templates the value comes in the current time zone; Python callers pass it in
    the zone they mean. ``|long_datetime:"seconds"`` adds the seconds (a receipt):
    « à 18 h 39 min 07 s », "18:39:07"."""
    if not value:
        return ""
    day = formats.date_format(value, "j F Y")
    seconds = precision == "seconds"
    if not (get_language() or "en").startswith("fr"):
        return f"{day}, {value:%H:%M:%S}" if seconds else f"{day}, {value:%H:%M}"
    hour = f"{value.hour}{NBSP}h"
    if seconds:
        hour += f"{NBSP}{value.minute:02d}{NBSP}min{NBSP}{value.second:02d}{NBSP}s"
    elif value.minute:
        hour += f"{NBSP}{value.minute:02d}"
    return f"{day} à {hour}"


def _time(value: date | datetime | None, short_format: str) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        machine, title = value.isoformat(timespec="seconds"), long_datetime(value)
    else:
        machine, title = value.isoformat(), formats.date_format(value, "j F Y")
    shown = formats.date_format(value, short_format)
    return format_html('<time datetime="{}" title="{}">{}</time>', machine, title, shown)


@register.filter(expects_localtime=True)
def short_date(value: date | datetime | None) -> str:
    return _time(value, "SHORT_DATE_FORMAT")


@register.filter(expects_localtime=True)
def short_datetime(value: datetime | None) -> str:
    return _time(value, "SHORT_DATETIME_FORMAT")


@register.filter
def file_size(value: int | None) -> str:
    if value is None:
        return ""
    size, unit = float(value), 0
    units = [gettext("B"), gettext("KB"), gettext("MB"), gettext("GB")]
    while size >= 1024 and unit < len(units) - 1:
        size /= 1024
        unit += 1
    rounded = round(size, 1) if size < 10 else round(size)
    text = formats.number_format(rounded, 0 if float(rounded).is_integer() else 1)
    return f"{text}{NBSP}{units[unit]}"


@register.filter
def score_out_of(value, scale: int | str = 10) -> str:
    if value is None:
        return ""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    places = 0 if rounded == rounded.to_integral_value() else 1
    return f"{formats.number_format(rounded, places)}/{scale}"


@register.filter
def signed(value, places: int | str = 2) -> str:
    if value is None or value == "":
        return ""
    places = int(places)
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = formats.number_format(abs(rounded), places)
    if rounded > 0:
        return f"+{text}"
    return f"{MINUS}{text}" if rounded < 0 else text


def fill(translated: str, english: str, values: dict) -> str:
    """A translated sentence with its placeholders filled, as ``{% blocktranslate %}``
    does for the tags that draw rows in Python: a translation whose placeholders do not
    match the English sentence falls back to the English one instead of breaking the
    page. ``translated`` is ``gettext(english)`` (or ``ngettext``'s), called with a literal
    where it is written so that ``makemessages`` finds it."""
    try:
        return translated % values
    except (KeyError, ValueError, TypeError):
        return english % values
