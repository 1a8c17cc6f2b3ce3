"""Backups with the uploads in a bucket (AISSAI_STORAGE=s3): `make backup` copies every
object of the bucket into the backup folder, `make restore` writes them back into an
empty bucket under the same names, and each file comes back with its SHA-256.

The bucket is served by moto in standalone mode, an EMULATOR of the S3 API run locally
(not Amazon S3). The restore runs as an operator runs it: a separate manage.py process,
a fresh database of this run's engine and a new, empty bucket.
"""

import hashlib
from pathlib import Path

import pytest

from calls.demo import demo_pdf
from calls.models import Document
from tests.factories.calls import CallFactory, DocumentFactory, submitted_application
from tests.plugins.object_storage import objects, s3_client, s3_environment, s3_storage
from tests.test_backup_restore import back_up, fresh_target, manage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

SOURCE, RESTORED = "aissai-source", "aissai-restored"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_restore_gives_back_every_file_of_the_bucket_with_its_checksum(
    tmp_path, settings, s3_emulator
):
    client = s3_client(s3_emulator)
    for bucket in (SOURCE, RESTORED):
        client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(s3_emulator, SOURCE)}
    call = CallFactory()
    for number in range(3):
        application = submitted_application(call=call, documents=False)
        data = demo_pdf(f"Project {number}: AI and science.")
        DocumentFactory(
            application=application, file__data=data, size=len(data), sha256=sha256(data)
        )
    recorded = dict(Document.objects.values_list("file", "sha256"))
    stored = {key: sha256(body) for key, body in objects(client, SOURCE).items()}
    assert stored == recorded and len(set(recorded.values())) == 3
    assert not Path(settings.MEDIA_ROOT).exists() or not any(
        Path(settings.MEDIA_ROOT).rglob("*.pdf")
    )

    backup, manifest = back_up(tmp_path / "backups")

    assert manifest["storage"] == f"s3://{SOURCE}"
    assert manifest["files"] == recorded
    assert manifest["missing_files"] == [] and manifest["corrupt_files"] == []
    with fresh_target(tmp_path) as (env, restored):
        into_full = manage(
            "restore_data", str(backup), env={**env, **s3_environment(s3_emulator, SOURCE)}
        )
        assert into_full.returncode != 0
        assert f"s3://{SOURCE} holds files" in into_full.stderr

        result = manage(
            "restore_data", str(backup), env={**env, **s3_environment(s3_emulator, RESTORED)}
        )

        assert result.returncode == 0, result.stderr
        assert "documents 3, files 3, referenced_files 3" in result.stdout
        back = {key: sha256(body) for key, body in objects(client, RESTORED).items()}
        assert back == recorded
        assert dict(restored("SELECT file, sha256 FROM calls_document")) == recorded
