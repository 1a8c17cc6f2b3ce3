"""The request body limit: a body larger than AISSAI_MAX_REQUEST_BYTES is refused with a
413 page from its Content-Length alone; nothing is read, parsed or saved."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from aissai.audit.models import AuditEvent
from calls.models import Document
from tests.factories.accounts import UserFactory
from tests.factories.calls import VALID_PDF, ApplicationFactory

pytestmark = pytest.mark.django_db


def stored_files() -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def application(client):
    application = ApplicationFactory()
    client.force_login(application.coordinator)
    return application


def upload_url(application) -> str:
    return reverse("calls:document_upload", args=[application.pk, "project"])


def test_default_limit_is_above_the_largest_document():
    assert settings.AISSAI_MAX_REQUEST_BYTES == 30 * 1024 * 1024
    assert settings.AISSAI_MAX_REQUEST_BYTES > 2 * settings.DOCUMENT_MAX_BYTES
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10


def test_oversized_content_length_is_refused_with_413_and_nothing_is_saved(client, application):
    declared = settings.AISSAI_MAX_REQUEST_BYTES + 1

    response = client.post(
        upload_url(application),
        data=b"%PDF-1.4 small body, large claim",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(declared),
    )

    assert response.status_code == 413
    page = response.content.decode()
    assert "What you sent is too large" in page
    assert "Nothing was saved" in page
    assert "30\xa0MB" in page and "10\xa0MB" in page
    assert Document.objects.count() == 0
    assert AuditEvent.objects.filter(verb__startswith="application.document").count() == 0
    assert stored_files() == []


def test_real_oversized_body_is_refused_before_it_is_parsed(client, application, settings):
    settings.AISSAI_MAX_REQUEST_BYTES = 4096
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = VALID_PDF + b"%" + b"x" * 8192 + b"\n"
    response = client.post(
        upload_url(application),
        {"file": SimpleUploadedFile("project.pdf", big, content_type="application/pdf")},
    )

    assert response.status_code == 413
    assert Document.objects.count() == 0
    assert stored_files() == []


def test_body_at_the_limit_reaches_the_view(client, application, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        upload_url(application),
        {"file": SimpleUploadedFile("project.pdf", VALID_PDF, content_type="application/pdf")},
    )

    assert response.status_code == 302
    assert Document.objects.filter(application=application, is_current=True).count() == 1
    assert len(stored_files()) == 1


def test_anonymous_oversized_request_gets_413_not_a_login_redirect():
    response = Client().post(
        reverse("accounts:login"),
        data=b"username=a",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.AISSAI_MAX_REQUEST_BYTES + 1),
    )

    assert response.status_code == 413


def test_413_page_is_in_the_users_language(client):
    user = UserFactory(language="fr")
    client.force_login(user)

    response = client.post(
        reverse("accounts:profile"),
        data=b"x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.AISSAI_MAX_REQUEST_BYTES + 1),
    )

    assert response.status_code == 413
    assert '<html lang="fr">' in response.content.decode()


def test_too_many_fields_are_refused(client):
    user = UserFactory()
    client.force_login(user)
    fields = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = client.post(
        reverse("accounts:profile"), data=fields, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.full_name != ""
