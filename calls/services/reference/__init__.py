"""Reference data: load research units from a CSV file, all or nothing.

The file is read and checked in full before anything is written; every problem is
reported with its line number, and a file with any problem writes nothing. A unit is
found again by its RNSR identifier when the row has one, else by type and number, so
importing the same file twice changes nothing.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from calls.models import Institute, Unit
from calls.signals import units_imported

from .rows import COLUMNS, RowError, parse_rows
from .store import ImportReport, match_units, write_units

__all__ = [
    "COLUMNS",
    "SAMPLE_UNITS_PATH",
    "ImportReport",
    "RowError",
    "UnitImportError",
    "import_units",
    "import_units_from_path",
]

SAMPLE_UNITS_PATH = Path(settings.BASE_DIR) / "calls" / "data" / "units_sample.csv"


class UnitImportError(Exception):
    """The file has problems; nothing was imported. ``errors`` lists them by line."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


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
    rows, errors = parse_rows(lines, institutes, delimiter)
    with transaction.atomic():
        units = list(Unit.objects.prefetch_related("secondary_institutes", "parent_institutions"))
        targets = match_units(rows, units, errors)
        if errors:
            raise UnitImportError(errors)
        try:
            report = write_units(rows, targets)
        except IntegrityError as exc:  # another import ran at the same moment
            message = _("The database refused the import: %s") % exc
            raise UnitImportError([RowError(0, message)]) from exc
        if dry_run:
            transaction.set_rollback(True)
            return report
        if report.created or report.updated:
            units_imported.send(sender=Unit, report=report)
        record_event(
            actor=by,
            verb="units.imported",
            data={"source": source_name, "rows": len(rows), **report.__dict__},
        )
    return report
