from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def whole_minutes(value: timedelta | None) -> int:
    """A waiting time in whole minutes, at least one."""
    if not value:
        return 0
    return max(1, round(value.total_seconds() / 60))
