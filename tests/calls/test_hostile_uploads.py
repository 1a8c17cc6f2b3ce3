"""Hostile uploads beyond the content checks of ``test_documents.py``: file names that
try to escape the folder, hide their type or break headers, files that are PDF only in
name or only at the start, and what the download then sends.

The stored file always gets a generated name; the name the person gave is kept for
display only, cleaned (no folder, no control or direction characters, at most 150
characters, ends in ``.pdf``)."""

import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from calls.models import Document
from calls.services.documents import clean_file_name
from tests.factories.calls import VALID_PDF, ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(client):
    application = ApplicationFactory()
    client.force_login(application.coordinator)
    return application


def upload(client, application, data, name):
    return client.post(
        reverse("calls:document_upload", args=[application.pk, "project"]),
        {"file": SimpleUploadedFile(name, data, content_type="application/pdf")},
        follow=True,
    )


def raw_upload(client, application, data: bytes, name: str):
    """The multipart body written by hand, as a hostile client would: the file name goes
    out exactly as given (Django's test client would clean it first)."""
    boundary = "hostile-boundary-7d0b3"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        reverse("calls:document_upload", args=[application.pk, "project"]),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        follow=True,
    )


def download(client, document):
    return client.get(
        reverse("calls:document_download", args=[document.application_id, document.pk])
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\system.ini.pdf", "system.ini.pdf"),
        ("/etc/shadow", "shadow.pdf"),
        ("%2e%2e%2fsecret.pdf", "2e2e2fsecret.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),  # shows as "invoiceexe.pdf"
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ('x\\";\r\nX-Injected: 1.pdf', "document.pdf"),  # the part header is cut there
        ("x" * 900 + ".pdf", "x" * 150 + ".pdf"),
        ("Projet été.PDF", "Projet_été.pdf"),
    ],
    ids=[
        "parent-dirs",
        "windows-path",
        "absolute",
        "url-encoded",
        "nul",
        "rtl-override",
        "zero-width",
        "header-injection",
        "very-long",
        "accents",
    ],
)
def test_hostile_file_names_are_neutralised_and_never_used_as_a_path(
    client, application, name, shown
):
    response = raw_upload(client, application, VALID_PDF, name)

    assert response.status_code == 200
    document = Document.objects.get(application=application, is_current=True)
    assert document.original_name == shown
    assert document.file.name.startswith(f"applications/{application.pk}/")
    assert ".." not in document.file.name and "\\" not in document.file.name
    assert document.file.read() == VALID_PDF

    got = download(client, document)
    assert got.status_code == 200
    disposition = got["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition and "\x00" not in disposition
    assert "X-Injected" not in {key for key, _value in got.items()}
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Type"] == "application/pdf"


def test_a_name_that_is_only_dots_is_no_file_at_all(client, application):
    response = raw_upload(client, application, VALID_PDF, "..")
    assert "Choose a PDF file to upload." in response.content.decode()
    assert not Document.objects.exists()


def test_a_name_longer_than_the_part_header_limit_is_a_bad_request(client, application):
    """Django refuses a multipart part header over 1 KB before any view runs."""
    response = raw_upload(client, application, VALID_PDF, "x" * 5000 + ".pdf")
    assert response.status_code == 400
    page = response.content.decode()
    assert "The request could not be read" in page and "Nothing was saved." in page
    assert not Document.objects.exists()


def test_rejection_message_does_not_replay_direction_tricks(client, application):
    response = raw_upload(client, application, b"MZ\x90\x00 executable", "invoice\u202efdp.exe")
    html = response.content.decode()
    assert "This file is not a PDF" in html
    assert "\u202e" not in html
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n",
        b'%PDF-1.7\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>\n%%EOF\n',
        b"%PDF-1.4\nMZ\x90\x00\x03\x00\x00\x00\x04\x00\n%%EOF\n",
        b"\xef\xbb\xbf" + VALID_PDF,  # a byte-order mark before the header
        b"<html>" + VALID_PDF,  # a PDF hidden after an HTML start
    ],
    ids=["html-after-header", "svg-after-header", "exe-after-header", "bom", "html-prefix"],
)
def test_files_that_are_pdf_only_in_part_are_refused(client, application, data):
    response = upload(client, application, data, "project.pdf")
    html = response.content.decode()
    assert "was not accepted" in html
    assert not Document.objects.exists()


def test_empty_file_is_refused(client, application):
    response = upload(client, application, b"", "empty.pdf")
    assert "The submitted file is empty." in response.content.decode()
    assert not Document.objects.exists()


def test_download_of_any_stored_name_is_a_safe_attachment(client, application):
    """Even a name written by another way than the upload (the admin, an import) cannot
    break the header or be shown inline."""
    document = Document.objects.create(
        application=application,
        kind="project",
        file=SimpleUploadedFile("stored.pdf", VALID_PDF),
        original_name='<script>"x".html',
        size=len(VALID_PDF),
        sha256="0" * 64,
        uploaded_by=application.coordinator,
    )
    got = download(client, document)
    assert got["Content-Disposition"].startswith("attachment;")
    assert got["Content-Type"] == "application/pdf"
    assert got["X-Content-Type-Options"] == "nosniff"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_name_gives_a_plain_pdf_display_name(name):
    shown = clean_file_name(name)
    assert shown.endswith(".pdf")
    assert 5 <= len(shown) <= 154
    assert "/" not in shown and "\\" not in shown
    assert shown not in (".pdf", "..pdf")
    assert not any(unicodedata.category(ch).startswith(("C", "Z")) for ch in shown)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "bad.pdf was not accepted. This file is not a PDF"),
        ("fr", "bad.pdf n’a pas été accepté. Ce fichier n’est pas un PDF"),
    ],
)
def test_rejection_names_the_file_then_gives_the_reason_as_a_sentence(
    client, application, language, expected
):
    client.cookies["django_language"] = language
    html = upload(client, application, b"not a pdf at all", "bad.pdf").content.decode()
    assert expected in html
