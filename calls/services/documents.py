"""Uploaded PDFs: checked by content, stored under generated names, replaced safely."""

import hashlib
import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from calls.models import Application, Document, RequiredDocument
from calls.models.application import document_upload_to
from calls.services.applications import ApplicationError, lock_draft
from calls.services.pdf_check import check_pdf


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
    current until the new row is saved; both changes happen in one transaction, and the
    new file is removed again if that transaction fails."""
    required = application.call.required_documents.filter(kind=kind).first()
    if required is None:
        raise ApplicationError(_("This call does not ask for this document."))
    data = _read_checked(upload, required)
    digest = hashlib.sha256(data).hexdigest()
    storage = Document._meta.get_field("file").storage
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
            storage.delete(stored_name)
        raise
    return document


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
