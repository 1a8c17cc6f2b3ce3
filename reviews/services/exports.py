"""The audit trail of exports and dossiers: who took which data of a call, and when.

Exports are reads, but they take confidential data out of the application (reviews,
reviewer identities when asked for), so each one leaves an audit event before the file
is produced. The files themselves are built by :mod:`reviews.exports`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aissai.audit.models import AuditEvent
from aissai.audit.services import record_event
from calls.models import Application, Call

EXPORT_VERB = "call.exported"
DOSSIER_VERB = "application.dossier_viewed"


def record_export(
    *,
    call: Call,
    by: Any,
    kind: str,
    file_format: str,
    identities: bool = False,
    anonymous: bool = False,
    filters: dict[str, Any] | None = None,
) -> AuditEvent:
    """One event on ``call``: the export ``kind`` in ``file_format``, with or without
    reviewer identities, and the filters applied."""
    with transaction.atomic():
        return record_event(
            actor=by,
            verb=EXPORT_VERB,
            target=call,
            data={
                "export": kind,
                "format": file_format,
                "identities": identities,
                "anonymous": anonymous,
                "filters": filters or {},
            },
        )


def record_dossier_view(*, application: Application, by: Any) -> AuditEvent:
    """One event on ``application``: its decision dossier (with the reviews) was opened."""
    with transaction.atomic():
        return record_event(
            actor=by,
            verb=DOSSIER_VERB,
            target=application,
            data={"call": application.call.slug},
        )
