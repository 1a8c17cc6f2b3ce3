"""Uploads in S3-compatible object storage (AISSAI_STORAGE=s3), against moto's server run
locally in standalone mode: an EMULATOR of the S3 API, not Amazon S3. The PDF goes to
the bucket (never to the local folder) and comes back only through the permission-checked
download view, streamed by the application."""

import hashlib

import pytest
from django.urls import reverse

from calls.models import Document
from tests.factories.accounts import UserFactory
from tests.factories.calls import VALID_PDF, ApplicationFactory
from tests.plugins.object_storage import s3_client, s3_storage

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]

BUCKET = "aissai-uploads"


@pytest.fixture
def bucket(s3_emulator, settings):
    client = s3_client(s3_emulator)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(s3_emulator, BUCKET)}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_an_upload_lands_in_the_bucket_and_downloads_only_through_the_view(
    client, bucket, settings
):
    application = ApplicationFactory()
    client.force_login(application.coordinator)

    client.post(
        reverse("calls:document_upload", args=[application.pk, "project"]),
        {"file": _pdf()},
    )

    document = Document.objects.get(application=application)
    [stored] = bucket.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert stored["Key"] == document.file.name
    body = bucket.get_object(Bucket=BUCKET, Key=stored["Key"])["Body"].read()
    assert hashlib.sha256(body).hexdigest() == document.sha256
    assert not (settings.MEDIA_ROOT / document.file.name).exists()

    url = reverse("calls:document_download", args=[application.pk, document.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == VALID_PDF

    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("project.pdf", VALID_PDF, content_type="application/pdf")
