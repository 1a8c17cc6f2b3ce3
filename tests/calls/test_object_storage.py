"""Uploads in S3-compatible object storage (AISSAI_STORAGE=s3), against moto's server run
locally in standalone mode: an EMULATOR of the S3 API, not Amazon S3. The PDF goes to
the bucket (never to the local folder) and comes back only through the permission-checked
download view, streamed by the application."""

import hashlib
import os
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest
from django.urls import reverse

from calls.models import Document
from tests.factories.accounts import UserFactory
from tests.factories.calls import VALID_PDF, ApplicationFactory
from tests.plugins.mail import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]

BUCKET = "aissai-uploads"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def s3_emulator():
    """moto's S3 emulator on a free port of 127.0.0.1, stopped at the end."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, **CREDENTIALS},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=2).close()  # noqa: S310 - loopback
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, "moto did not start"
            time.sleep(0.2)
    try:
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def bucket(s3_emulator, settings):
    client = boto3.client(
        "s3",
        endpoint_url=s3_emulator,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_emulator,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
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
