"""Sortable column headers of the staff tables (``calls/staff/_sort_header.html``)."""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping


def sort_headers(
    keys: Iterable[str],
    labels: Mapping[str, str],
    current: str,
    *,
    higher_first: Container[str] = (),
) -> dict[str, dict]:
    """Each column's header by sort key: its label, whether the table is sorted by it and
    in which direction, and the sort key its link sets. The active column's link reverses
    its direction; another column's link sorts it ascending, or descending for the keys in
    ``higher_first`` (scores, where the best comes first). ``current`` is the sort in force,
    ``-`` before the key for descending."""
    descending = current.startswith("-")
    headers = {}
    for key in keys:
        active = current.lstrip("-") == key
        first = f"-{key}" if key in higher_first else key
        headers[key] = {
            "key": key,
            "label": labels.get(key, key),
            "active": active,
            "descending": active and descending,
            "link": (key if descending else f"-{key}") if active else first,
        }
    return headers
