"""Is this upload a plain, readable PDF? Checked by content, never by file name.

A file passes when it starts with ``%PDF-``, ends with ``%%EOF``, parses as a PDF with at
least one page (pypdf), is not encrypted, and carries no active content.

Active content is looked for in every object a PDF reader could reach, not only in those
the cross-reference table lists:

- every object pypdf finds through the cross-reference tables and streams, object
  streams included;
- every ``N G obj … endobj`` found by scanning the raw file (older versions left by an
  incremental update, objects no table lists), and every object inside any object
  stream so found, whatever its filters;
- every name written in the file's syntax outside stream data (``#xx`` escapes decoded).

Refused: JavaScript (``/JavaScript``, ``/JS``), launch actions, XFA forms, SubmitForm,
ImportData, GoToR and GoToE (links to another file, a UNC path for example), RichMedia,
embedded files, and an action run automatically (``/OpenAction``, ``/AA``) other than
a jump inside the document (a destination, or ``/GoTo``). A link annotation to a web
page (``/URI`` behind a click) stays allowed: proposals cite papers. The message names
what was found.
"""

import io
import logging
import re
import zlib
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
    read_object,
)

# Name found in the file → what the message calls it.
FORBIDDEN_NAMES = {
    "JavaScript": "JavaScript",
    "JS": "JavaScript",
    "Launch": "Launch",
    "XFA": "XFA",
    "SubmitForm": "SubmitForm",
    "ImportData": "ImportData",
    "GoToR": "GoToR",
    "GoToE": "GoToE",
    "RichMedia": "RichMedia",
    "EmbeddedFile": "EmbeddedFile",
    "EmbeddedFiles": "EmbeddedFile",
}
# Entries whose actions run without a click: only a jump inside the document may.
AUTOMATIC_ACTIONS = ("/OpenAction", "/AA")
INTERNAL_ACTIONS = frozenset({"GoTo"})

_NAME = re.compile(rb"/([A-Za-z0-9#]{2,40})")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_DIGITS = frozenset(b"0123456789")
_SPACES = frozenset(b" \t\n\r\x0b\x0c")  # what ``\s`` matches in a bytes pattern
_WORD = frozenset(b"0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_STREAM_DATA = re.compile(rb"stream\r?\n(.*)endstream", re.DOTALL)
_MAX_OBJECTS = 200_000
_MAX_NODES = 2_000_000
_MAX_INFLATED = 64 * 1024 * 1024


def _decoded(name: bytes) -> str:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name).decode("latin-1")


# The file is scanned with ``bytes.find`` for the keywords (C speed, no per-byte work in
# Python, no regular expression tried at every offset), then checked around each hit.
# Each scan gives exactly what these regular expressions gave with ``finditer`` / ``sub``
# (``tests/calls/test_pdf_scan.py`` holds them as the reference):
#   objects: rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\b(.*?)\bendobj" (DOTALL)
#   stream data: rb"stream\r?\n.*?endstream" (DOTALL), replaced by b"stream endstream"


def _object_spans(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """(start, number, body start, body end) of each ``N G obj … endobj`` in the file,
    left to right, an object ending at the first ``endobj`` after its head."""
    size = len(data)
    pos = 0
    while True:
        keyword = data.find(b"obj", pos)
        if keyword < 0:
            return
        pos = keyword + 1
        after = keyword + 3
        if after < size and data[after] in _WORD:
            continue
        # Back from the keyword: spaces, a generation of 1-5 digits, spaces, a number of
        # 1-10 digits with no digit before it.
        index = keyword
        while index > 0 and data[index - 1] in _SPACES:
            index -= 1
        if index == keyword:
            continue
        digits_end = index
        while index > 0 and data[index - 1] in _DIGITS and digits_end - index <= 5:
            index -= 1
        if not 1 <= digits_end - index <= 5 or index == 0 or data[index - 1] not in _SPACES:
            continue
        while index > 0 and data[index - 1] in _SPACES:
            index -= 1
        number_end = index
        while index > 0 and data[index - 1] in _DIGITS and number_end - index <= 10:
            index -= 1
        if not 1 <= number_end - index <= 10 or (index > 0 and data[index - 1] in _DIGITS):
            continue
        end = data.find(b"endobj", after)
        while end > 0 and data[end - 1] in _WORD:
            end = data.find(b"endobj", end + 1)
        if end < 0:
            return  # no ``endobj`` left: no later head can close either
        yield index, int(data[index:number_end]), after, end
        pos = end + 6


def _syntax(data: bytes) -> bytes:
    """The file with the data of every stream replaced by a space (``stream endstream``)."""
    parts = []
    kept_from = pos = 0
    while True:
        keyword = data.find(b"stream", pos)
        if keyword < 0:
            break
        pos = keyword + 1
        line = keyword + 6
        if data.startswith(b"\r\n", line):
            start = line + 2
        elif data.startswith(b"\n", line):
            start = line + 1
        else:
            continue
        end = data.find(b"endstream", start)
        if end < 0:
            break  # no ``endstream`` left: no later stream can close either
        parts.append(data[kept_from:line])
        kept_from = end
        pos = end + 9
    if not parts:
        return data
    parts.append(data[kept_from:])
    return b" ".join(parts)


def _raw_names(data: bytes) -> set[str]:
    """Names written in the syntax outside stream data (binary data is not PDF syntax)."""
    return {_decoded(m.group(1)) for m in _NAME.finditer(_syntax(data))}


def _parse(data: bytes, reader: PdfReader) -> PdfObject | None:
    try:
        return read_object(io.BytesIO(data), reader)
    except Exception:  # noqa: BLE001 - what no parser reads, no reader runs either
        return None


def _inflate(data: bytes) -> bytes | None:
    for trim in (data, data.rstrip(b"\r\n")):
        try:
            out = zlib.decompressobj().decompress(trim, _MAX_INFLATED)
        except zlib.error:
            continue
        if out:
            return out
    return None


def _object_stream_members(
    stream: bytes, first: int, reader: PdfReader
) -> Iterator[tuple[int, PdfObject]]:
    """(number, object) packed in an object stream's decoded data, from its header."""
    header = stream[:first].split()
    for index in range(1, len(header), 2):
        try:
            number, offset = int(header[index - 1]), int(header[index])
        except ValueError:
            return
        member = _parse(stream[first + offset :], reader)
        if member is not None:
            yield number, member


def _raw_objects(data: bytes, reader: PdfReader) -> tuple[list, dict, set[str]]:
    """Every object found by scanning the file, the ones in object streams included;
    the latest of each number; names found in the object streams' syntax."""
    objects: list[PdfObject] = []
    by_number: dict[int, PdfObject] = {}
    names: set[str] = set()
    # Objects where the table says they are were walked already (``_indexed_objects``).
    indexed = {offset for table in reader.xref.values() for offset in table.values()}
    for start, number, body_start, body_end in _object_spans(data):
        if len(objects) >= _MAX_OBJECTS:
            break
        stream = data.find(b"stream", body_start, body_end)
        head = data[body_start : body_end if stream < 0 else stream]
        is_object_stream = b"ObjStm" in _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), head)
        if start in indexed and not is_object_stream:
            continue
        body = data[body_start:body_end]
        parsed = _parse(body.strip(), reader)
        if parsed is not None:
            objects.append(parsed)
            by_number[number] = parsed
        if not is_object_stream:
            continue
        decoded = None
        if isinstance(parsed, StreamObject):
            try:
                decoded = parsed.get_data()
            except Exception:  # noqa: BLE001 - fall back on the raw bytes below
                decoded = None
        if decoded is None:
            raw = _STREAM_DATA.search(body)
            decoded = _inflate(raw.group(1)) if raw else None
        if decoded is None:
            names.add("ObjStm?")  # an object stream no one can read hides what it holds
            continue
        names |= {_decoded(m.group(1)) for m in _NAME.finditer(decoded)}
        first = re.search(rb"/First\s+(\d+)", head)
        start = int(first.group(1)) if first else 0
        for number, member in _object_stream_members(decoded, start, reader):
            objects.append(member)
            by_number.setdefault(number, member)
    return objects, by_number, names


def _indexed_objects(reader: PdfReader) -> Iterator[PdfObject]:
    """Every object the cross-reference tables and streams declare."""
    numbers = [(num, gen) for gen, table in reader.xref.items() for num in table]
    numbers += [(num, 0) for num in reader.xref_objStm]
    for num, gen in numbers[:_MAX_OBJECTS]:
        try:
            yield reader.get_object(IndirectObject(num, gen, reader))
        except Exception:  # noqa: BLE001, S112 - a broken object holds no action either
            continue


class _Finder:
    """Walks objects; records forbidden names and automatic actions that are not jumps."""

    def __init__(self, by_number: dict[int, PdfObject], reader: PdfReader):
        self.by_number = by_number
        self.reader = reader
        self.found: set[str] = set()
        self.nodes = 0

    def resolve(self, value: PdfObject | None) -> PdfObject | None:
        for _hop in range(16):
            if not isinstance(value, IndirectObject):
                return value
            known = self.by_number.get(value.idnum)
            if known is None:
                try:
                    known = self.reader.get_object(value)
                except Exception:  # noqa: BLE001
                    return None
            value = known
        return None

    def action_kind(self, action: PdfObject | None) -> str | None:
        """What an automatic action does, when it is not a jump inside the document."""
        action = self.resolve(action)
        if not isinstance(action, DictionaryObject):
            return None  # a destination (array) or a named one (name, string)
        kind = str(self.resolve(action.get("/S")) or "").lstrip("/")
        return None if kind in INTERNAL_ACTIONS else kind or "?"

    def check_automatic(self, key: str, value: PdfObject | None) -> None:
        label = key.lstrip("/")
        if key == "/OpenAction":
            actions = [value]
        else:  # /AA: trigger → action
            triggers = self.resolve(value)
            actions = list(triggers.values()) if isinstance(triggers, DictionaryObject) else []
        for action in actions:
            kind = self.action_kind(action)
            if kind is not None:
                self.found.add(f"{label} ({kind})")

    def walk(self, obj: PdfObject | None) -> None:
        stack = [obj]
        while stack and self.nodes < _MAX_NODES:
            self.nodes += 1
            item = stack.pop()
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    self.name(str(key))
                    if key in AUTOMATIC_ACTIONS:
                        self.check_automatic(str(key), value)
                    stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
            elif isinstance(item, NameObject):
                self.name(str(item))

    def name(self, name: str) -> None:
        label = FORBIDDEN_NAMES.get(name.lstrip("/"))
        if label:
            self.found.add(label)


def _active_content(data: bytes, reader: PdfReader) -> list[str]:
    raw_objects, by_number, stream_names = _raw_objects(data, reader)
    finder = _Finder(by_number, reader)
    for obj in _indexed_objects(reader):
        finder.walk(obj)
    for obj in raw_objects:
        finder.walk(obj)
    for name in _raw_names(data) | stream_names:
        finder.name(name)
    if "ObjStm?" in stream_names:
        finder.found.add("ObjStm")
    return sorted(finder.found)


def _refuse_active(found: list[str]) -> None:
    raise ValidationError(
        _(
            "This PDF contains active content, which is not accepted: %(found)s. Save it "
            "as a plain PDF (for example with “Print to PDF”) and upload it again."
        )
        % {"found": ", ".join(found)},
        code="active_content",
    )


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
    pypdf_logger.setLevel(logging.CRITICAL)
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
        found = _active_content(data, reader)
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable file
        raise ValidationError(
            _("This PDF cannot be read; it may be damaged. Save it again and retry."),
            code="damaged",
        ) from exc
    finally:
        pypdf_logger.setLevel(level)
    if found:
        _refuse_active(found)
