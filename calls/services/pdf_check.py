"""Is this upload a plain, readable PDF? Checked by content, never by file name.

A file passes when it starts with ``%PDF-``, ends with ``%%EOF``, parses as a PDF with at
least one page (pypdf), is not encrypted, and carries no active content: no JavaScript,
launch actions, embedded files or rich media, whether in plain objects, object streams or
names written with ``#xx`` escapes.
"""

import io
import logging
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

ACTIVE_CONTENT = frozenset(
    {"JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia"}
)
_NAME = re.compile(rb"/([A-Za-z0-9#]{2,40})")
_STREAM_BODY = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_MAX_OBJECTS = 200_000


def _decoded(name: bytes) -> str:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name).decode("latin-1")


def _raw_active_names(data: bytes) -> set[str]:
    """Active-content names outside stream bodies (binary stream data is not PDF syntax)."""
    syntax = _STREAM_BODY.sub(b"stream endstream", data)
    return {_decoded(m.group(1)) for m in _NAME.finditer(syntax)} & ACTIVE_CONTENT


def _object_active_names(reader: PdfReader) -> set[str]:
    """Active-content names in every object the file declares, object streams included."""
    found: set[str] = set()
    numbers = [(num, gen) for gen, table in reader.xref.items() for num in table]
    numbers += [(num, 0) for num in reader.xref_objStm]
    for num, gen in numbers[:_MAX_OBJECTS]:
        try:
            obj = reader.get_object(IndirectObject(num, gen, reader))
        except Exception:  # noqa: BLE001, S112 - a broken object holds no action either
            continue
        stack, depth_guard = [obj], 0
        while stack and depth_guard < 100_000:
            depth_guard += 1
            item = stack.pop()
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    found.add(str(key).lstrip("/"))
                    stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
            elif isinstance(item, NameObject):
                found.add(str(item).lstrip("/"))
    return found & ACTIVE_CONTENT


def check_pdf(data: bytes) -> None:
    """Raise ValidationError (a message for the applicant) unless ``data`` is a safe PDF."""
    not_pdf = _(
        "This file is not a PDF (its content is not PDF, whatever its name). "
        "Export or print your document as PDF and upload it again."
    )
    if not data.startswith(b"%PDF-"):
        raise ValidationError(not_pdf, code="not_pdf")
    if b"%%EOF" not in data[-1024:]:
        raise ValidationError(
            _("This PDF is incomplete or damaged (it has no end marker). Save it again and retry."),
            code="damaged",
        )
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _(
                    "This PDF is encrypted or password-protected. Upload a version without "
                    "a password or protection."
                ),
                code="encrypted",
            )
        if len(reader.pages) < 1:
            raise ValidationError(_("This PDF has no page."), code="empty")
        active = _object_active_names(reader)
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable file
        raise ValidationError(
            _("This PDF cannot be read; it may be damaged. Save it again and retry."),
            code="damaged",
        ) from exc
    finally:
        pypdf_logger.setLevel(level)
    active |= _raw_active_names(data)
    if active:
        raise ValidationError(
            _(
                "This PDF contains active content (scripts, launch actions or embedded files), "
                "which is not accepted. Save it as a plain PDF (for example with "
                "“Print to PDF”) and upload it again."
            ),
            code="active_content",
        )
