"""``clean_orphan_files``: files left without a row are listed, then removed; files with a
row, young files and files outside the upload folders are never touched."""

import os
import time
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from aissai.audit.models import AuditEvent
from calls.models import Document
from tests.factories.calls import DocumentFactory

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


def age(name: str, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(default_storage.path(name), (past, past))


def run(*args) -> str:
    out = StringIO()
    call_command("clean_orphan_files", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def files():
    kept = DocumentFactory()
    age(kept.file.name, 3 * DAY)
    old_orphan = default_storage.save(
        f"applications/{kept.application_id}/orphan.pdf", ContentFile(b"%PDF-1.4")
    )
    age(old_orphan, 2 * DAY)
    young_orphan = default_storage.save("applications/999/in-flight.pdf", ContentFile(b"%PDF"))
    other = default_storage.save("elsewhere/notes.txt", ContentFile(b"not an upload"))
    age(other, 9 * DAY)
    return kept, old_orphan, young_orphan, other


def test_lists_only_old_files_without_a_row_and_deletes_nothing_by_default(files):
    kept, old_orphan, young_orphan, other = files
    output = run()
    assert output.splitlines()[0] == old_orphan
    assert "1 file(s) without a row found" in output
    assert all(default_storage.exists(n) for n in (kept.file.name, old_orphan, young_orphan, other))
    assert not AuditEvent.objects.filter(verb="files.orphans_deleted").exists()


def test_delete_removes_the_orphans_and_audits_it(files):
    kept, old_orphan, young_orphan, other = files
    output = run("--delete")
    assert "1 file(s) without a row deleted" in output
    assert not default_storage.exists(old_orphan)
    assert default_storage.exists(kept.file.name) and Document.objects.filter(pk=kept.pk).exists()
    assert default_storage.exists(young_orphan) and default_storage.exists(other)
    event = AuditEvent.objects.get(verb="files.orphans_deleted")
    assert event.data["files"] == [old_orphan]


def test_the_young_file_counts_once_it_is_old_enough(files):
    _kept, _old, young_orphan, _other = files
    age(young_orphan, 3 * 3600)
    assert young_orphan in run("--min-age-hours", "2").splitlines()


def test_refuses_an_age_that_could_catch_an_upload_in_flight():
    with pytest.raises(CommandError, match="at least 1"):
        run("--min-age-hours", "0.1")


def test_old_leftovers_of_uploads_in_flight_are_removed_and_young_ones_kept(settings, tmp_path):
    spool = tmp_path / "var" / "tmp" / "uploads"
    spool.mkdir(parents=True)
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    (spool / "old.upload.pdf").write_bytes(b"%PDF-1.4 cut short")
    past = time.time() - 2 * DAY
    os.utime(spool / "old.upload.pdf", (past, past))
    (spool / "young.upload.pdf").write_bytes(b"%PDF-1.4 arriving")

    listed = run()
    deleted = run("--delete")

    assert str(spool / "old.upload.pdf") in listed
    assert "1 upload(s) left in the temporary folder found" in listed
    assert "1 upload(s) left in the temporary folder deleted" in deleted
    assert sorted(p.name for p in spool.iterdir()) == ["young.upload.pdf"]


def test_a_large_upload_is_spooled_in_the_data_folder_not_the_system_tmp(settings, tmp_path):
    from django.core.files.uploadhandler import load_handler
    from django.test import RequestFactory

    spool = tmp_path / "var" / "tmp" / "uploads"  # does not exist yet
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    handler = load_handler(settings.FILE_UPLOAD_HANDLERS[-1], RequestFactory().post("/"))

    handler.new_file("file", "big.pdf", "application/pdf", 6 * 1024 * 1024)

    assert os.path.dirname(handler.file.temporary_file_path()) == str(spool)
    handler.file.close()
