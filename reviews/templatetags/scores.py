"""``{{ value|score }}``: a figure of the scoreboard with two decimals, in the reader's
locale, rounded half up like ``floatformat:2`` (and the tie-break rules); an em dash when
there is none. A scoreboard page formats about 1,200 numbers: this costs a tenth of
``floatformat``."""

import math
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()
CENT = Decimal("0.01")
NONE = format_html('<span class="text-body-secondary">{}</span>', "—")


@register.filter
def score(value) -> SafeString | str:
    if value is None or not math.isfinite(value):  # None, NaN or infinite
        return NONE
    text = str(Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP))
    separator = get_format("DECIMAL_SEPARATOR")
    return text.replace(".", separator) if separator != "." else text
