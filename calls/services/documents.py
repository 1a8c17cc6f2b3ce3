"""Uploaded PDFs: checked by content, stored under generated names, replaced safely."""

import hashlib
import logging
import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from calls.models import Application, Document, RequiredDocument
from calls.models.application import document_upload_to
from calls.services.applications import ApplicationError, lock_draft
from calls.services.pdf_check import check_pdf

logger = logging.getLogger(__name__)


def size_limit(required: RequiredDocument) -> int:
    return min(required.max_bytes, settings.DOCUMENT_MAX_BYTES)


def clean_file_name(name: str) -> str:
    """A display name only (the stored file gets a generated name): no path, ends in .pdf."""
    base = os.path.basename((name or "").replace("\\", "/")).strip() or "document"
    try:
        base = get_valid_filename(base)
    except Exception:  # noqa: BLE001 - a name made only of odd characters
        base = "document"
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    return f"{stem[:150] or 'document'}.pdf"


def _read_checked(upload: UploadedFile, required: RequiredDocument) -> bytes:
    limit = size_limit(required)
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("This file is %(size)s; “%(document)s” may be at most %(limit)s.")
            % {
                "size": filesizeformat(upload.size or 0),
                "document": required.name,
                "limit": filesizeformat(limit),
            },
            code="too_large",
        )
    data = b"".join(upload.chunks())
    if len(data) > limit:
        raise ValidationError(_("This file is too large."), code="too_large")
    if not data:
        raise ValidationError(_("This file is empty."), code="empty")
    check_pdf(data)
    return data


def upload_document(
    *, application: Application, by: Any, kind: str, upload: UploadedFile
) -> Document:
    """Store a checked PDF as the current document of ``kind``. The previous one stays
    current until the new row is saved; both changes happen in one transaction. If that
    transaction fails, the file written for it is removed unless a row points to it
    (see :func:`discard_unless_saved`)."""
    required = application.call.required_documents.filter(kind=kind).first()
    if required is None:
        raise ApplicationError(_("This call does not ask for this document."))
    data = _read_checked(upload, required)
    digest = hashlib.sha256(data).hexdigest()
    storage = Document._meta.get_field("file").storage
    outermost = not connection.in_atomic_block
    stored_name = None
    try:
        with transaction.atomic():
            locked = lock_draft(application=application, by=by)
            stored_name = storage.save(
                document_upload_to(Document(application=locked), ""), ContentFile(data)
            )
            previous = list(locked.documents.select_for_update().filter(kind=kind, is_current=True))
            document = Document.objects.create(
                application=locked,
                kind=kind,
                file=stored_name,
                original_name=clean_file_name(upload.name),
                size=len(data),
                sha256=digest,
                is_current=False,
                uploaded_by=by,
            )
            Document.objects.filter(pk__in=[d.pk for d in previous]).update(is_current=False)
            Document.objects.filter(pk=document.pk).update(is_current=True)
            document.is_current = True
            record_event(
                actor=by,
                verb="application.document_replaced" if previous else "application.document_added",
                target=locked,
                data={
                    "kind": kind,
                    "document": document.pk,
                    "sha256": digest,
                    "replaced": [d.pk for d in previous],
                },
            )
    except BaseException:
        if stored_name:
            discard_unless_saved(stored_name, may_be_committed=outermost)
        raise
    return document


def discard_unless_saved(name: str, *, may_be_committed: bool) -> bool:
    """Delete the stored file ``name`` after a failed upload transaction, unless a document
    row points to it; returns whether the file was deleted.

    A failure inside a savepoint (``may_be_committed=False``) rolled the row back for
    sure. A failure of the outermost transaction may have happened while committing: the
    database may have committed the row and only the answer was lost. So the database is
    asked again (on a new connection when the old one broke); when it cannot answer, the
    file is kept (a file without a row is harmless, a row without its file loses the
    applicant's document) and the case is logged.
    """
    storage = Document._meta.get_field("file").storage
    if may_be_committed:
        try:
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            if Document.objects.filter(file=name).exists():
                return False
        except DatabaseError:
            logger.warning("Upload failed and the database cannot say if %s is used: kept.", name)
            return False
    storage.delete(name)
    return True


def remove_document(*, application: Application, by: Any, document: Document) -> None:
    """Take a document out of the draft (its file stays, for the versions that list it)."""
    with transaction.atomic():
        locked = lock_draft(application=application, by=by)
        updated = locked.documents.filter(pk=document.pk, is_current=True).update(is_current=False)
        if not updated:
            raise ApplicationError(_("This document was already replaced or removed."))
        record_event(
            actor=by,
            verb="application.document_removed",
            target=locked,
            data={"kind": document.kind, "document": document.pk},
        )


def record_download(*, document: Document, by: Any) -> None:
    """Downloads by anyone but the coordinator leave a trace."""
    if by is not None and by.pk == document.application.coordinator_id:
        return
    record_event(
        actor=by,
        verb="application.document_downloaded",
        target=document.application,
        data={"document": document.pk, "kind": document.kind},
    )
