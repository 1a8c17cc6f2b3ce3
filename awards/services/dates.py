"""Date arithmetic of a fellowship: months from a start date, suspensions added."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def planned_end(start: date, months: int, suspensions: Iterable[tuple[date, date]] = ()) -> date:
    """The last day of a fellowship of ``months`` from ``start``, each suspension (first and
    last day, inclusive) pushing it back by its length in days."""
    extra = sum((last - first).days + 1 for first, last in suspensions)
    return add_months(start, months) - timedelta(days=1) + timedelta(days=extra)
