"""Audit events that a reader may not see because of a conflict of interest.

``aissai`` sits below the apps that know who is in conflict with what: ``calls``
registers, at startup, a function giving the ids of the applications whose evaluation a
user may not read. The audit admin then leaves out every event about those applications
(reviews saved with their totals, conflicts declared, places on the lists…): the events
whose target is such an application or whose data names it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q, QuerySet

_WITHHELD: list[Callable[[Any], Iterable[int]]] = []


def register_withheld_applications(source: Callable[[Any], Iterable[int]]) -> None:
    if source not in _WITHHELD:
        _WITHHELD.append(source)


def withheld_application_ids(user: Any) -> set[int]:
    """Ids of the applications whose evaluation ``user`` may not read (every call)."""
    ids: set[int] = set()
    for source in _WITHHELD:
        ids |= set(source(user))
    return ids


def visible_events(events: QuerySet, user: Any) -> QuerySet:
    ids = withheld_application_ids(user)
    if not ids:
        return events
    return events.exclude(
        Q(data__application__in=sorted(ids))
        | Q(target_type__model="application", target_id__in=[str(pk) for pk in ids])
    )
