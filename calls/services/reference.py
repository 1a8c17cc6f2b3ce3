"""Reference data: load research units from a CSV file, all or nothing.

The file is read and checked in full before anything is written; every problem is
reported with its line number, and a file with any problem writes nothing. A unit is
found again by its RNSR identifier when the row has one, else by type and number, so
importing the same file twice changes nothing.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from calls.models import Institute, ParentInstitution, Unit, UnitType

SAMPLE_UNITS_PATH = Path(settings.BASE_DIR) / "calls" / "data" / "units_sample.csv"

COLUMNS = (
    "type",
    "number",
    "name",
    "acronym",
    "city",
    "rnsr",
    "main_institute",
    "secondary_institutes",
    "parent_institutions",
    "email_domains",
    "active",
)
REQUIRED_COLUMNS = ("type", "number", "name", "main_institute")
ALIASES = {"unit_type": "type", "is_active": "active", "main_institute_acronym": "main_institute"}
TRUE = {"", "1", "yes", "y", "true", "oui", "o", "x", "active"}
FALSE = {"0", "no", "n", "false", "non", "inactive"}
RNSR_RE = re.compile(r"^\d{9}[A-Z]$")
NUMBER_RE = re.compile(r"^[A-Za-z0-9-]+$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LIMITS = {"name": 300, "acronym": 60, "city": 120}
# Unit fields a row sets (the label follows from type and number).
COLUMN_FIELDS = [
    "unit_type",
    "number",
    "name",
    "acronym",
    "city",
    "rnsr",
    "main_institute_id",
    "email_domains",
    "is_active",
]


@dataclass(frozen=True, order=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


class UnitImportError(Exception):
    """The file has problems; nothing was imported. ``errors`` lists them by line."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    parents_created: int = 0
    parents_updated: int = 0
    created_labels: list[str] = field(default_factory=list)
    updated_labels: list[str] = field(default_factory=list)


@dataclass
class _Parent:
    name: str
    acronym: str = ""
    domains: list[str] | None = None  # None: not given, leave the stored ones alone


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # unit fields, ready to set on the model
    secondary: set[int] = field(default_factory=set)
    parents: list[_Parent] = field(default_factory=list)
    valid: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return self.values["unit_type"], self.values["number"]


def import_units_from_path(
    path: str | Path, *, by: Any = None, dry_run: bool = False, delimiter: str = ","
) -> ImportReport:
    """Read ``path`` (UTF-8, a BOM is fine) and import it; see :func:`import_units`."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    return import_units(
        lines=text.splitlines(keepends=True),
        by=by,
        dry_run=dry_run,
        source_name=path.name,
        delimiter=delimiter,
    )


def import_units(
    *,
    lines: Iterable[str],
    by: Any = None,
    dry_run: bool = False,
    source_name: str = "",
    delimiter: str = ",",
) -> ImportReport:
    """Create or update the units of a CSV file in one transaction.

    Raises :class:`UnitImportError` (nothing written) when any row has a problem.
    With ``dry_run`` everything is checked and counted but nothing is kept.
    """
    institutes = {institute.acronym: institute.pk for institute in Institute.objects.all()}
    rows, errors = _parse(lines, institutes, delimiter)
    with transaction.atomic():
        units = list(Unit.objects.prefetch_related("secondary_institutes", "parent_institutions"))
        targets = _match(rows, units, errors)
        if errors:
            raise UnitImportError(errors)
        try:
            report = _write(rows, targets)
        except IntegrityError as exc:  # another import ran at the same moment
            message = _("The database refused the import: %s") % exc
            raise UnitImportError([RowError(0, message)]) from exc
        if dry_run:
            transaction.set_rollback(True)
            return report
        record_event(
            actor=by,
            verb="units.imported",
            data={"source": source_name, "rows": len(rows), **report.__dict__},
        )
    return report


def _parse(lines: Iterable[str], institutes: dict[str, int], delimiter: str):
    reader = csv.reader(lines, delimiter=delimiter)
    errors: list[RowError] = []
    header: list[str] | None = None
    rows: list[_Row] = []
    last_line = 0
    for cells in reader:
        line, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [ALIASES.get(n, n) for n in (_column(c) for c in cells)]
            errors.extend(_check_header(header))
            if errors:
                return [], errors
            continue
        if len(cells) > len(header):
            errors.append(
                RowError(
                    line,
                    _("%(found)d values but the header has %(expected)d columns")
                    % {"found": len(cells), "expected": len(header)},
                )
            )
            continue
        data = dict.fromkeys(COLUMNS, "")
        data.update({name: cell.strip() for name, cell in zip(header, cells, strict=False)})
        row_errors: list[str] = []
        row = _read_row(line, data, institutes, row_errors)
        errors.extend(RowError(line, message) for message in row_errors)
        row.valid = not row_errors
        rows.append(row)
    if header is None:
        errors.append(RowError(1, _("The file is empty: a header line is expected.")))
    _check_duplicates(rows, errors)
    return [row for row in rows if row.valid], errors


def _column(cell: str) -> str:
    return cell.strip().lower().replace(" ", "_").replace("-", "_")


def _check_header(header: list[str]) -> list[RowError]:
    errors = []
    for name in sorted({n for n in header if header.count(n) > 1}):
        errors.append(RowError(1, _("column “%s” appears twice") % name))
    for name in header:
        if name not in COLUMNS:
            errors.append(
                RowError(
                    1,
                    _("unknown column “%(name)s” (expected: %(columns)s)")
                    % {"name": name, "columns": ", ".join(COLUMNS)},
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in header:
            errors.append(RowError(1, _("missing column “%s”") % name))
    return errors


def _read_row(line: int, data: dict[str, str], institutes: dict[str, int], errors: list[str]):
    unit_type = data["type"].upper()
    if not unit_type:
        errors.append(_("missing unit type"))
    elif unit_type not in UnitType.values:
        errors.append(
            _("unknown unit type “%(value)s” (expected one of %(choices)s)")
            % {"value": data["type"], "choices": ", ".join(UnitType.values)}
        )
    number = data["number"]
    if not number:
        errors.append(_("missing unit number"))
    elif len(number) > 10 or not NUMBER_RE.match(number):
        errors.append(_("unit number “%s” must be up to 10 letters, digits or hyphens") % number)
    if not data["name"]:
        errors.append(_("missing name"))
    for name, limit in LIMITS.items():
        if len(data[name]) > limit:
            errors.append(
                _("%(column)s is longer than %(limit)d characters")
                % {"column": name, "limit": limit}
            )
    rnsr = data["rnsr"].upper()
    if rnsr and not RNSR_RE.match(rnsr):
        errors.append(
            _("RNSR identifier “%s” is not valid (9 digits then a letter, e.g. 200012345A)") % rnsr
        )
    main = data["main_institute"].upper()
    if not main:
        errors.append(_("missing main institute"))
    elif main not in institutes:
        errors.append(_unknown_institute(main, "main_institute", institutes))
    secondary = set()
    for acronym in _split(data["secondary_institutes"].upper(), ";,"):
        if acronym not in institutes:
            errors.append(_unknown_institute(acronym, "secondary_institutes", institutes))
        elif acronym != main:
            secondary.add(institutes[acronym])
    parents = _read_parents(data["parent_institutions"], errors)
    domains = _read_domains(data["email_domains"], ";,", errors)
    active = data["active"].lower()
    if active not in TRUE | FALSE:
        errors.append(_("active must be yes or no, not “%s”") % data["active"])
    values = {
        "unit_type": unit_type,
        "number": number,
        "name": data["name"],
        "acronym": data["acronym"],
        "city": data["city"],
        "rnsr": rnsr,
        "main_institute_id": institutes.get(main),
        "email_domains": domains,
        "is_active": active in TRUE,
    }
    return _Row(line=line, values=values, secondary=secondary, parents=parents)


def _unknown_institute(acronym: str, column: str, institutes: dict[str, int]) -> str:
    return _("unknown institute “%(value)s” in %(column)s (expected one of %(choices)s)") % {
        "value": acronym,
        "column": column,
        "choices": ", ".join(sorted(institutes)),
    }


def _split(value: str, separators: str) -> list[str]:
    for separator in separators[1:]:
        value = value.replace(separator, separators[0])
    return [part.strip() for part in value.split(separators[0]) if part.strip()]


def _read_domains(value: str, separators: str, errors: list[str]) -> list[str]:
    domains: list[str] = []
    for domain in _split(value.lower(), separators):
        domain = domain.lstrip("@")
        if not DOMAIN_RE.match(domain):
            errors.append(_("“%s” is not an e-mail domain") % domain)
        elif domain not in domains:
            domains.append(domain)
    return domains


def _read_parents(value: str, errors: list[str]) -> list[_Parent]:
    """``Sorbonne Université|SU;CNRS``; an optional third part gives domains: ``|a.fr,b.fr``."""
    parents = []
    for item in _split(value, ";"):
        parts = [part.strip() for part in item.split("|")]
        if not parts[0]:
            errors.append(_("a parent institution has no name in “%s”") % item)
            continue
        if len(parts) > 3 or len(parts[0]) > 250 or (len(parts) > 1 and len(parts[1]) > 40):
            errors.append(_("parent institution “%s” should be name|acronym|domains") % item)
            continue
        domains = _read_domains(parts[2], ",", errors) if len(parts) == 3 else None
        parents.append(_Parent(parts[0], parts[1] if len(parts) > 1 else "", domains))
    return parents


def _check_duplicates(rows: list[_Row], errors: list[RowError]) -> None:
    """The same key twice in the file, or one parent institution with two acronyms."""
    first_line: dict[tuple[str, ...], int] = {}
    parents: dict[str, tuple[str, int]] = {}
    for row in rows:
        rnsr = row.values["rnsr"]
        keys = []
        if rnsr and RNSR_RE.match(rnsr):
            keys.append((("rnsr", rnsr), _("RNSR %s") % rnsr))
        if all(row.key):
            keys.append((("key", *row.key), Unit.make_label(*row.key)))
        for key, label in keys:
            if key in first_line:
                errors.append(
                    RowError(
                        row.line,
                        _("duplicate key: %(key)s is already on line %(other)d")
                        % {"key": label, "other": first_line[key]},
                    )
                )
            else:
                first_line[key] = row.line
        for parent in row.parents:
            name = parent.name.casefold()
            known = parents.get(name)
            if known and known[0] and parent.acronym and known[0] != parent.acronym:
                errors.append(
                    RowError(
                        row.line,
                        _("parent institution “%(name)s” has acronym “%(a)s” on line %(other)d")
                        % {"name": parent.name, "a": known[0], "other": known[1]},
                    )
                )
            elif parent.acronym and not (known and known[0]):
                parents[name] = (parent.acronym, row.line)


def _match(rows: list[_Row], units: list[Unit], errors: list[RowError]) -> dict[int, Unit]:
    """The stored unit each row updates (rows absent from the result create a unit)."""
    by_rnsr = {unit.rnsr: unit for unit in units if unit.rnsr}
    by_key = {(unit.unit_type, unit.number): unit for unit in units}
    targets: dict[int, Unit] = {}
    seen: dict[int, int] = {}
    for row in rows:
        rnsr, label = row.values["rnsr"], Unit.make_label(*row.key)
        holder = by_key.get(row.key)
        target = by_rnsr.get(rnsr) if rnsr else holder
        if rnsr and target is None and holder is not None:
            if holder.rnsr:
                errors.append(
                    RowError(
                        row.line,
                        _("%(label)s is already another unit, with RNSR %(rnsr)s")
                        % {"label": label, "rnsr": holder.rnsr},
                    )
                )
                continue
            target = holder  # a known unit whose RNSR we learn now
        if target is not None and holder is not None and holder.pk != target.pk:
            errors.append(
                RowError(
                    row.line,
                    _("RNSR %(rnsr)s is already used by another unit (%(other)s), not %(label)s")
                    % {"rnsr": rnsr, "other": target.label, "label": label},
                )
            )
            continue
        if target is not None:
            if target.pk in seen:
                errors.append(
                    RowError(
                        row.line,
                        _("this is the same stored unit (%(label)s) as line %(other)d")
                        % {"label": target.label, "other": seen[target.pk]},
                    )
                )
                continue
            seen[target.pk] = row.line
            targets[row.line] = target
    return targets


def _write(rows: list[_Row], targets: dict[int, Unit]) -> ImportReport:
    report = ImportReport()
    parent_ids = _write_parents(rows, report)
    new_units, changed, m2m_changed = [], [], []
    for row in rows:
        values = dict(row.values)
        wanted_parents = {parent_ids[parent.name.casefold()] for parent in row.parents}
        unit = targets.get(row.line)
        if unit is None:
            unit = Unit(label=Unit.make_label(*row.key), **values)
            new_units.append((unit, row.secondary, wanted_parents))
            continue
        if not values["rnsr"]:
            values["rnsr"] = unit.rnsr  # an empty cell never erases a known RNSR
        values["label"] = Unit.make_label(*row.key)
        fields_changed = any(getattr(unit, name) != value for name, value in values.items())
        secondary = {institute.pk for institute in unit.secondary_institutes.all()}
        parents = {parent.pk for parent in unit.parent_institutions.all()}
        sets_changed = secondary != row.secondary or parents != wanted_parents
        if fields_changed:
            for name, value in values.items():
                setattr(unit, name, value)
            changed.append(unit)
        if sets_changed:
            m2m_changed.append((unit, row.secondary, wanted_parents))
        if fields_changed or sets_changed:
            report.updated += 1
            report.updated_labels.append(values["label"])
        else:
            report.unchanged += 1
    if changed:
        Unit.objects.bulk_update(changed, [*COLUMN_FIELDS, "label"])
    Unit.objects.bulk_create([unit for unit, _s, _p in new_units])
    report.created = len(new_units)
    report.created_labels = [unit.label for unit, _s, _p in new_units]
    _write_sets(new_units + m2m_changed)
    return report


def _write_parents(rows: list[_Row], report: ImportReport) -> dict[str, int]:
    stored = {parent.name.casefold(): parent for parent in ParentInstitution.objects.all()}
    wanted: dict[str, _Parent] = {}
    for row in rows:
        for parent in row.parents:
            known = wanted.setdefault(parent.name.casefold(), _Parent(parent.name))
            known.acronym = known.acronym or parent.acronym
            if parent.domains is not None:
                known.domains = list(dict.fromkeys((known.domains or []) + parent.domains))
    for key, parent in wanted.items():
        instance = stored.get(key)
        if instance is None:
            stored[key] = ParentInstitution.objects.create(
                name=parent.name, acronym=parent.acronym, email_domains=parent.domains or []
            )
            report.parents_created += 1
            continue
        update = {}
        if parent.acronym and instance.acronym != parent.acronym:
            update["acronym"] = parent.acronym
        if parent.domains is not None and instance.email_domains != parent.domains:
            update["email_domains"] = parent.domains
        if update:
            ParentInstitution.objects.filter(pk=instance.pk).update(**update)
            report.parents_updated += 1
    return {key: stored[key].pk for key in wanted}


def _write_sets(entries: list[tuple[Unit, set[int], set[int]]]) -> None:
    if not entries:
        return
    secondary_through = Unit.secondary_institutes.through
    parents_through = Unit.parent_institutions.through
    unit_ids = [unit.pk for unit, _s, _p in entries]
    secondary_through.objects.filter(unit_id__in=unit_ids).delete()
    parents_through.objects.filter(unit_id__in=unit_ids).delete()
    secondary_through.objects.bulk_create(
        secondary_through(unit_id=unit.pk, institute_id=institute_id)
        for unit, secondary, _p in entries
        for institute_id in sorted(secondary)
    )
    parents_through.objects.bulk_create(
        parents_through(unit_id=unit.pk, parentinstitution_id=parent_id)
        for unit, _s, parents in entries
        for parent_id in sorted(parents)
    )
