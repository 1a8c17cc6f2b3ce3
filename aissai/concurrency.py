"""Two tabs (or two people) on one form: nothing saved is overwritten silently.

A form carries the *base* it was loaded from: the row's ``revision`` and a fingerprint of
each field's value. On save, under the row's lock, :func:`merge_edit` compares three
things per field: what the form was loaded with, what is saved now, and what was posted.

- the field was not changed in this form: what is saved stays (even if another tab
  changed it meanwhile: its change is kept);
- it was changed here and not elsewhere: the new value is written;
- it was changed here *and* elsewhere, to different values: a conflict. Nothing is
  written; the person sees both values and chooses (:class:`EditConflict`).

Fingerprints compare values as the forms can express them (datetimes to the minute, in
UTC; model instances by primary key; sets of instances in any order).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return ["pk", value.pk]
    if isinstance(value, models.QuerySet):
        value = list(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return ["datetime", value.strftime("%Y-%m-%dT%H:%M")]
    if isinstance(value, datetime.date):
        return ["date", value.isoformat()]
    if isinstance(value, Decimal):
        return ["decimal", str(value.normalize())]
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(item) for item in value]
        if isinstance(value, (set, frozenset)) or all(
            isinstance(item, models.Model) for item in value
        ):
            items.sort(key=json.dumps)
        return items
    if value is None:
        return ""
    return value


def fingerprint(value: Any) -> str:
    """A short digest of a field's value; equal values (as a form sees them) give equal
    fingerprints. ``None`` and the empty string are the same empty field."""
    text = json.dumps(_plain(value), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class EditBase:
    """What a form was loaded with: the row's revision and each field's fingerprint."""

    revision: int
    fingerprints: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, *, revision: int, values: Mapping[str, Any]) -> EditBase:
        return cls(revision=revision, fingerprints={k: fingerprint(v) for k, v in values.items()})

    def encode(self) -> str:
        return json.dumps({"r": self.revision, "f": dict(self.fingerprints)}, sort_keys=True)

    @classmethod
    def decode(cls, text: str | None) -> EditBase | None:
        """The base a form posted back; ``None`` when it is missing or malformed."""
        try:
            data = json.loads(text or "")
            revision = int(data["r"])
            prints = {str(k): str(v) for k, v in dict(data["f"]).items()}
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        return cls(revision=revision, fingerprints=prints)

    def seeing(self, values: Mapping[str, Any]) -> EditBase:
        """The same base, once the person has seen ``values`` (the other side of each
        conflict): choosing their own value then overwrites exactly what they saw."""
        prints = dict(self.fingerprints)
        prints.update({name: fingerprint(value) for name, value in values.items()})
        return EditBase(revision=self.revision, fingerprints=prints)


@dataclass(frozen=True)
class FieldConflict:
    name: str
    mine: Any
    theirs: Any


class EditConflict(Exception):
    """The same field was changed here and elsewhere since the form was loaded."""

    def __init__(self, conflicts: Iterable[FieldConflict]):
        self.conflicts = list(conflicts)
        super().__init__(", ".join(c.name for c in self.conflicts))


@dataclass(frozen=True)
class Merge:
    values: dict[str, Any]  # what to write
    kept: list[str]  # fields changed elsewhere since the form was loaded, kept as saved
    stale: bool  # someone saved since the form was loaded


@dataclass(frozen=True)
class SavedEdit:
    """What a save through an edit form did."""

    changed: list[str]  # fields written
    kept: list[str]  # fields changed elsewhere meanwhile, kept as they were saved there
    stale: bool  # someone saved since the form was loaded: the two were merged


def merge_edit(
    *,
    base: EditBase | None,
    revision: int,
    submitted: Mapping[str, Any],
    saved: Mapping[str, Any],
) -> Merge:
    """What to write of ``submitted`` (only the fields posted) over ``saved`` (the row's
    values now, read under its lock). Without a base every field posted is written, as
    before versions existed. Raises :class:`EditConflict` when a field was changed both
    here and elsewhere, to different values."""
    if base is None:
        return Merge(values=dict(submitted), kept=[], stale=False)
    values: dict[str, Any] = {}
    kept: list[str] = []
    conflicts: list[FieldConflict] = []
    for name, mine in submitted.items():
        loaded = base.fingerprints.get(name)
        theirs = saved.get(name)
        mine_print, saved_print = fingerprint(mine), fingerprint(theirs)
        if mine_print == loaded:
            if saved_print != loaded:
                kept.append(name)
        elif saved_print in (loaded, mine_print):
            values[name] = mine
        else:
            conflicts.append(FieldConflict(name=name, mine=mine, theirs=theirs))
    if conflicts:
        raise EditConflict(conflicts)
    return Merge(values=values, kept=kept, stale=base.revision != revision)
