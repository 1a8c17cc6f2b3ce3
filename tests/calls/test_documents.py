"""Documents: PDF checked by content, size limits, safe replacement, download only
through the permission-checked view (404 for anyone else)."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from aissai.audit.models import AuditEvent
from calls.models import ApplicationStatus, Document
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import VALID_PDF, ApplicationFactory, DocumentFactory, make_pdf

pytestmark = pytest.mark.django_db


def upload(client, application, data, name="project.pdf", kind="project"):
    return client.post(
        reverse("calls:document_upload", args=[application.pk, kind]),
        {"file": SimpleUploadedFile(name, data, content_type="application/pdf")},
        follow=True,
    )


def pdf_with_open_action_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_open_action(
        DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert(1)"),
            }
        )
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def application():
    return ApplicationFactory()


@pytest.fixture
def coordinator_client(client, application):
    client.force_login(application.coordinator)
    return client


def test_valid_pdf_is_stored_under_a_generated_name(coordinator_client, application):
    response = upload(coordinator_client, application, VALID_PDF, name="../../etc/My CV.pdf")

    document = Document.objects.get(application=application)
    assert document.is_current
    assert document.kind == "project"
    assert document.original_name == "My_CV.pdf"
    assert document.size == len(VALID_PDF)
    assert document.sha256 == hashlib.sha256(VALID_PDF).hexdigest()
    assert document.file.name.startswith(f"applications/{application.pk}/")
    assert "CV" not in document.file.name
    assert document.file.read() == VALID_PDF
    assert f"SHA-256 {document.sha256}" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 this is an executable", "This file is not a PDF"),
        (b"<html><script>alert(1)</script></html>", "This file is not a PDF"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "This file is not a PDF"),
        (VALID_PDF[:-8], "This PDF is incomplete or damaged"),
        (b"%PDF-1.4\nnothing that parses\n%%EOF\n", "This PDF cannot be read"),
        (encrypted_pdf(), "This PDF is encrypted or password-protected"),
        (pdf_with_open_action_javascript(), "This PDF contains active content"),
        (make_pdf(catalog_extra=b"/OpenAction<</S/Launch/F(calc.exe)>>"), "active content"),
        (make_pdf(catalog_extra=b"/OpenAction<</S/J#61vaScript/JS(x)>>"), "active content"),
        (
            make_pdf(
                catalog_extra=b"/Names<</EmbeddedFiles 4 0 R>>",
                extra_objects=(b"<</Names[(a.exe) 5 0 R]>>", b"<</Type/Filespec/F(a.exe)>>"),
            ),
            "active content",
        ),
    ],
    ids=[
        "exe-renamed",
        "html-renamed",
        "svg-renamed",
        "truncated",
        "malformed",
        "encrypted",
        "javascript",
        "launch",
        "escaped-javascript",
        "embedded-file",
    ],
)
def test_rejected_files_get_a_clear_message_and_the_current_document_stays(
    coordinator_client, application, data, message
):
    current = DocumentFactory(application=application, kind="project")

    response = upload(coordinator_client, application, data)

    assert message in response.content.decode()
    assert list(Document.objects.filter(application=application)) == [current]
    current.refresh_from_db()
    assert current.is_current


def test_oversized_file_is_refused_with_the_limit(coordinator_client, application, settings):
    required = application.call.required_documents.get(kind="project")
    required.max_bytes = len(VALID_PDF) - 1
    required.save()
    response = upload(coordinator_client, application, VALID_PDF)
    assert "may be at most" in response.content.decode()
    assert not Document.objects.exists()


def test_site_wide_limit_applies_too(coordinator_client, application, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    response = upload(coordinator_client, application, VALID_PDF)
    assert "may be at most 100\xa0bytes" in response.content.decode()
    assert not Document.objects.exists()


def test_unknown_kind_is_refused(coordinator_client, application):
    response = upload(coordinator_client, application, VALID_PDF, kind="budget")
    assert "This call does not ask for this document." in response.content.decode()
    assert not Document.objects.exists()


def test_replacing_keeps_the_old_row_and_makes_the_new_one_current(coordinator_client, application):
    old = DocumentFactory(application=application, kind="project")
    second = make_pdf(extra_objects=(b"<</Producer(second)>>",))

    upload(coordinator_client, application, second, name="v2.pdf")

    old.refresh_from_db()
    new = Document.objects.get(application=application, is_current=True)
    assert old.is_current is False
    assert old.file.read()  # the old file is still there
    assert new.original_name == "v2.pdf"
    assert new.sha256 == hashlib.sha256(second).hexdigest()
    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    assert "application.document_replaced" in verbs


def test_remove_document_from_a_draft(coordinator_client, application):
    document = DocumentFactory(application=application, kind="project")
    coordinator_client.post(reverse("calls:document_remove", args=[application.pk, document.pk]))
    document.refresh_from_db()
    assert document.is_current is False


def test_no_upload_after_submission(coordinator_client, application):
    application.status = ApplicationStatus.SUBMITTED
    application.save()
    response = upload(coordinator_client, application, VALID_PDF)
    assert "no longer a draft" in response.content.decode()
    assert not Document.objects.exists()


def test_download_is_an_attachment_with_nosniff(coordinator_client, application):
    document = DocumentFactory(application=application, original_name="Projet été.pdf")
    response = coordinator_client.get(
        reverse("calls:document_download", args=[application.pk, document.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Projet" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == document.file.open("rb").read()


def test_another_applicant_cannot_download_or_upload(client, application):
    document = DocumentFactory(application=application)
    client.force_login(UserFactory())
    download = reverse("calls:document_download", args=[application.pk, document.pk])
    assert client.get(download).status_code == 404
    remove = reverse("calls:document_remove", args=[application.pk, document.pk])
    assert client.post(remove).status_code == 404
    response = client.post(
        reverse("calls:document_upload", args=[application.pk, "project"]),
        {"file": SimpleUploadedFile("x.pdf", VALID_PDF)},
    )
    assert response.status_code == 404
    assert list(Document.objects.all()) == [document]
    document.refresh_from_db()
    assert document.is_current


def test_document_of_another_application_under_my_url_is_404(coordinator_client, application):
    other = DocumentFactory()
    url = reverse("calls:document_download", args=[application.pk, other.pk])
    assert coordinator_client.get(url).status_code == 404


def test_anonymous_download_goes_to_login(client, application):
    document = DocumentFactory(application=application)
    response = client.get(reverse("calls:document_download", args=[application.pk, document.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_staff_download_is_audited(client, application):
    document = DocumentFactory(application=application)
    staff = StaffFactory()
    client.force_login(staff)
    response = client.get(reverse("calls:document_download", args=[application.pk, document.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(verb="application.document_downloaded")
    assert event.actor == staff


def test_each_upload_field_is_labelled_with_its_document(coordinator_client, application):
    """Three fields all called "PDF file" cannot be told apart by a screen reader."""
    required = list(application.call.required_documents.all())
    DocumentFactory(application=application, kind=required[0].kind)

    html = coordinator_client.get(
        reverse("calls:application_edit", args=[application.pk])
    ).content.decode()

    assert ">PDF file<" not in html
    assert f"{escape(required[0].name_en)}: new PDF</label>" in html
    for other in required[1:]:
        assert f"{escape(other.name_en)} (PDF)</label>" in html
