"""An expert's publication list, imported by the expert or by programme staff: it replaces
the expert's stored publications, is audited, and runs conflict detection again for the
calls the expert reviews (co-authors of the call's window of years become suspected
conflicts, see ``reviews.conflicts.detection``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from reviews.conflicts.publications import parse_bibtex
from reviews.models import Expert, Publication
from reviews.services.conflicts import schedule_detection

MAX_BYTES = 2 * 1024 * 1024


class PublicationImportError(Exception):
    """The file cannot be imported; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportOutcome:
    imported: int
    skipped: int


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def import_publications(*, expert: Expert, by: Any, raw: bytes) -> ImportOutcome:
    """Replace the expert's publications by those of a BibTeX file."""
    if len(raw) > MAX_BYTES:
        raise PublicationImportError(
            _("The file is larger than %(size)d KB.") % {"size": MAX_BYTES // 1024}
        )
    parsed = parse_bibtex(_decode(raw))
    if not parsed.publications:
        raise PublicationImportError(
            _("No publication with its authors could be read: give a BibTeX (.bib) file.")
        )
    with transaction.atomic():
        Expert.objects.select_for_update().filter(pk=expert.pk).first()
        expert.publications.all().delete()
        Publication.objects.bulk_create(
            Publication(expert=expert, title=p.title, year=p.year, authors=list(p.authors))
            for p in parsed.publications
        )
        record_event(
            actor=by,
            verb="expert.publications_imported",
            target=expert,
            data={"imported": len(parsed.publications), "skipped": parsed.skipped},
        )
        schedule_detection(expert_ids=[expert.pk])
    return ImportOutcome(imported=len(parsed.publications), skipped=parsed.skipped)
