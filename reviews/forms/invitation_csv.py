"""Inviting reviewers from a CSV file: the upload form, and the reading of the file (UTF-8,
comma or semicolon, known column names in any case) into rows that each pass the single
invitation form, with the errors per line."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from calls.models import Call
from reviews.forms.pool import ExpertInvitationForm, units_by_label
from reviews.selectors.pool import invited_emails
from reviews.services.invitations import DEFAULT_MAX_LOAD, ExpertData

CSV_MAX_BYTES = 1024 * 1024


CSV_MAX_ROWS = 1000


# Column names accepted in the header (case and spaces ignored) → form field.
CSV_COLUMNS = {
    "name": "full_name",
    "full_name": "full_name",
    "email": "email",
    "e_mail": "email",
    "institution": "institution",
    "country": "country",
    "keywords": "keywords",
    "statement": "statement",
    "expertise_statement": "statement",
    "orcid": "orcid",
    "unit": "unit",
    "cnrs_unit": "unit",
    "max_load": "max_load",
    "language": "language",
}


CSV_REQUIRED = ("full_name", "email", "institution")


CSV_DEFAULTS = {"max_load": str(DEFAULT_MAX_LOAD), "language": "en"}


@dataclass
class CsvRowError:
    line: int
    messages: list[str]


@dataclass
class CsvImport:
    rows: list[ExpertData] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[CsvRowError] = field(default_factory=list)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors and bool(self.rows)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8-sig")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def _column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _header_fields(header: list[str]) -> tuple[list[str], str]:
    """The model field of each column ("" for an empty one), and what is wrong with the
    header line ("" when nothing is)."""
    columns = [_column(name) for name in header]
    unknown = [header[i] for i, name in enumerate(columns) if name and name not in CSV_COLUMNS]
    fields = [CSV_COLUMNS.get(name, "") for name in columns]
    missing = [name for name in CSV_REQUIRED if name not in fields]
    problems = []
    if unknown:
        problems.append(
            ngettext("unknown column: %s", "unknown columns: %s", len(unknown)) % ", ".join(unknown)
        )
    if missing:
        problems.append(
            ngettext("missing column: %s", "missing columns: %s", len(missing)) % ", ".join(missing)
        )
    if not problems:
        return fields, ""
    return fields, gettext("Line 1 (header): %s.") % "; ".join(problems)


def read_invitation_csv(raw: bytes, *, call: Call) -> CsvImport:
    """Validate every row of the file; the result holds either rows or errors by line."""
    result = CsvImport()
    try:
        text = _decode(raw)
    except UnicodeDecodeError:
        result.file_error = gettext("The file is not UTF-8 text: save it as “CSV UTF-8”.")
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader, None)
        if header is None:
            result.file_error = gettext("The file is empty.")
            return result
        fields, header_error = _header_fields(header)
        if header_error:
            result.file_error = header_error
            return result
        records = []
        line = reader.line_num
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(fields):
                result.errors.append(
                    CsvRowError(start, [gettext("More cells than columns in the header.")])
                )
                continue
            data = dict(CSV_DEFAULTS)
            data.update(
                {f: v.strip() for f, v in zip(fields, cells, strict=False) if f and v.strip()}
            )
            records.append((start, data))
    except csv.Error as exc:
        result.file_error = gettext("Line %(line)d: the CSV cannot be read (%(error)s).") % {
            "line": reader.line_num,
            "error": exc,
        }
        return result
    if not records and not result.errors:
        result.file_error = gettext("The file has a header but no expert.")
        return result
    if len(records) > CSV_MAX_ROWS:
        result.file_error = gettext("At most %(max)d experts per file.") % {"max": CSV_MAX_ROWS}
        return result
    _validate_rows(records, call=call, result=result)
    result.errors.sort(key=lambda error: error.line)
    return result


def _validate_rows(records: list[tuple[int, dict]], *, call: Call, result: CsvImport) -> None:
    invited = invited_emails(call)
    units = units_by_label(data.get("unit", "") for _line, data in records)
    first_line_of: dict[str, int] = {}
    for line, data in records:
        form = ExpertInvitationForm(data, call=call, invited=invited, units=units)
        messages = []
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                messages.extend(
                    gettext("%(label)s: %(error)s") % {"label": label, "error": error}
                    if label
                    else str(error)
                    for error in errors
                )
        email = data.get("email", "").strip().lower()
        if email and email in first_line_of:
            messages.append(
                gettext("E-mail address: the same address as line %(line)d.")
                % {"line": first_line_of[email]}
            )
        elif email:
            first_line_of[email] = line
        if messages:
            result.errors.append(CsvRowError(line, messages))
        else:
            result.rows.append(form.expert_data())
            result.lines.append(line)


class BulkInvitationForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, with or without BOM; columns separated by “;” or “,”."),
    )
    check_only = forms.BooleanField(
        label=_("Only check the file (invite nobody yet)"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d KB.") % {"size": CSV_MAX_BYTES // 1024}
            )
        return upload
