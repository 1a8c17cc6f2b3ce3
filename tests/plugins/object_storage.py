"""moto's S3 server in standalone mode on a free port of 127.0.0.1, for the tests of uploads
in object storage (AISSAI_STORAGE=s3). moto is an EMULATOR of the S3 API run locally, not
Amazon S3 nor any provider's service.

``s3_emulator`` (one per test module) gives its endpoint; ``s3_settings(endpoint, bucket)``
the STORAGES["default"] and the environment that point the application at a bucket of it.
"""

import os
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest

from tests.plugins.mail import free_port

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


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def s3_storage(endpoint: str, bucket: str) -> dict:
    """STORAGES["default"] as the settings make it for AISSAI_STORAGE=s3."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "access_key": "testing",
            "secret_key": "testing",
            "default_acl": None,
            "file_overwrite": False,
        },
    }


def s3_environment(endpoint: str, bucket: str) -> dict[str, str]:
    """The same, as the environment of a manage.py process."""
    return {
        "AISSAI_STORAGE": "s3",
        "AISSAI_S3_BUCKET": bucket,
        "AISSAI_S3_ENDPOINT_URL": endpoint,
        "AISSAI_S3_REGION": "us-east-1",
        "AISSAI_S3_ACCESS_KEY_ID": "testing",
        "AISSAI_S3_SECRET_ACCESS_KEY": "testing",
    }


def objects(client, bucket: str) -> dict[str, bytes]:
    """{key: content} of every object of the bucket."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found
