"""Reading a units CSV file: columns, rows and every problem with its line number.
Nothing here touches the database but the duplicate check's unit labels."""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from calls.models import Unit, UnitType

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


@dataclass
class ParentRow:
    name: str
    acronym: str = ""
    domains: list[str] | None = None  # None: not given, leave the stored ones alone


@dataclass
class UnitRow:
    line: int
    values: dict[str, Any]  # unit fields, ready to set on the model
    secondary: set[int] = field(default_factory=set)
    parents: list[ParentRow] = field(default_factory=list)
    valid: bool = True

    @property
    def key(self) -> tuple[str, str]:
        return self.values["unit_type"], self.values["number"]


def parse_rows(lines: Iterable[str], institutes: dict[str, int], delimiter: str):
    reader = csv.reader(lines, delimiter=delimiter)
    errors: list[RowError] = []
    header: list[str] | None = None
    rows: list[UnitRow] = []
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
    return UnitRow(line=line, values=values, secondary=secondary, parents=parents)


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


def _read_parents(value: str, errors: list[str]) -> list[ParentRow]:
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
        parents.append(ParentRow(parts[0], parts[1] if len(parts) > 1 else "", domains))
    return parents


def _check_duplicates(rows: list[UnitRow], errors: list[RowError]) -> None:
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
