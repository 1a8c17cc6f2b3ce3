"""Backups: `make backup` then `make restore` into an empty database finds every
application, review, decision and file (same SHA-256), and refuses what it must.

The round trip runs on the engine of the test run: PostgreSQL (pg_dump/pg_restore) in
CI's first run, SQLite (online backup API) in the embedded run. The restore runs in a
separate process pointed at a fresh database and a fresh media folder, as an operator
would run it.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories.calls import CallFactory, DocumentFactory, submitted_application
from tests.factories.reviews import FundingDecisionFactory, assigned_reviewer, submitted_review
from tests.plugins.worker import worker_database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

BASE_DIR = Path(__file__).resolve().parent.parent
TABLES = {
    "applications": "SELECT id, reference, title, status FROM calls_application ORDER BY id",
    "reviews": "SELECT id, status, total, recommendation FROM reviews_review ORDER BY id",
    "scores": "SELECT id, review_id, score, not_applicable FROM reviews_criterionscore ORDER BY id",
    "decisions": "SELECT id, application_id, outcome, is_current FROM reviews_fundingdecision "
    "ORDER BY id",
    "documents": "SELECT id, application_id, file, sha256 FROM calls_document ORDER BY id",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def a_call_with_everything():
    """Three submitted applications with their PDFs, two reviews each, one decision."""
    call = CallFactory()
    applications = [submitted_application(call=call) for _ in range(3)]
    for application in applications:
        for scores in ([4, 3, 5, None], [2, 2, 3, 1]):
            submitted_review(assignment=assigned_reviewer(application), scores=scores)
    FundingDecisionFactory(application=applications[0])
    return applications


def source_rows() -> dict[str, list[tuple]]:
    with connection.cursor() as cursor:
        out = {}
        for name, sql in TABLES.items():
            cursor.execute(sql)
            out[name] = [tuple(row) for row in cursor.fetchall()]
        return out


def back_up(folder: Path) -> tuple[Path, dict]:
    out = StringIO()
    call_command("backup_data", "--dir", str(folder), stdout=out)
    backup = Path(out.getvalue().strip().splitlines()[-1])
    return backup, json.loads((backup / "manifest.json").read_text())


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    child = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    child.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=child,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@contextmanager
def fresh_target(tmp_path: Path):
    """An empty database of this run's engine, and its environment for manage.py."""
    media = tmp_path / "restored-media"
    if connection.vendor == "sqlite":
        var = tmp_path / "restored-var"
        var.mkdir()
        yield (
            {"AISSAI_VAR_DIR": str(var), "AISSAI_MEDIA_ROOT": str(media)},
            (lambda sql: sqlite3.connect(var / "aissai.sqlite3").execute(sql).fetchall()),
        )
        return
    source_url = worker_database_url()
    name = f"{connection.settings_dict['NAME']}_restored"
    admin_url = source_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = source_url.rsplit("/", 1)[0] + f"/{name}"

    def rows(sql):
        with psycopg.connect(url) as restored:
            return [tuple(row) for row in restored.execute(sql).fetchall()]

    try:
        yield {"DATABASE_URL": url, "DATABASE_POOL": "0", "AISSAI_MEDIA_ROOT": str(media)}, rows
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restores_into_an_empty_database_and_finds_everything(tmp_path):
    a_call_with_everything()
    before = source_rows()
    backup, manifest = back_up(tmp_path / "backups")

    assert manifest["engine"] == connection.vendor
    assert manifest["summary"] == {
        "applications": 3,
        "reviews": 6,
        "decisions": 1,
        "documents": 6,
        "files": 6,
        "referenced_files": 6,
    }
    assert manifest["missing_files"] == [] and manifest["corrupt_files"] == []
    assert {p.name for p in backup.iterdir()} == {
        "manifest.json",
        "media.tar.gz",
        "database.dump" if connection.vendor == "postgresql" else "database.sqlite3",
    }
    assert {oct(p.stat().st_mode & 0o777) for p in backup.iterdir()} == {"0o600"}

    with fresh_target(tmp_path) as (env, restored):
        result = manage("restore_data", str(backup), env=env)
        assert result.returncode == 0, result.stderr
        assert "verified it: applications 3, decisions 1, documents 6" in result.stdout

        assert {name: restored(sql) for name, sql in TABLES.items()} == before
        media = Path(env["AISSAI_MEDIA_ROOT"])
        for _id, _application, name, digest in before["documents"]:
            assert sha256(media / name) == digest == sha256(Path(settings.MEDIA_ROOT) / name)

        again = manage("restore_data", str(backup), env=env)
        assert again.returncode != 0
        assert "Refusing to restore" in again.stderr and "has tables" in again.stderr

        forced = manage("restore_data", str(backup), "--force", env=env)
        assert forced.returncode == 0, forced.stderr
        assert restored(TABLES["applications"]) == before["applications"]
    rows = sum(len(v) for v in before.values())
    print(  # noqa: T201 - the drill's figures, for docs/reliability.md (pytest -s)
        f"\nDRILL backup-restore [{connection.vendor}]: rows_compared={rows} "
        f"files={len(before['documents'])} restores=2 refused_non_empty=1 lost=0"
    )


@pytest.mark.postgres
def test_writes_during_the_backup_never_break_its_consistency(tmp_path):
    """Documents (file, then row) keep being uploaded while pg_dump runs: the counts and
    the file list of the manifest are those of the dump, and every file it references is
    in the archive."""
    [application, *_rest] = a_call_with_everything()
    stop = threading.Event()
    written: list[int] = []

    def upload_continuously():
        try:
            while not stop.is_set():
                written.append(DocumentFactory(application=application, is_current=False).pk)
        finally:
            connection.close()

    writer = threading.Thread(target=upload_continuously)
    writer.start()
    deadline = time.monotonic() + 30
    while len(written) < 3 and time.monotonic() < deadline:  # uploads before the snapshot…
        time.sleep(0.05)
    try:
        backup, manifest = back_up(tmp_path / "backups")
    finally:
        stop.set()
        writer.join(30)

    assert written, "the writer thread inserted nothing"
    assert manifest["missing_files"] == []
    assert set(manifest["referenced_files"]) <= set(manifest["files"])
    with fresh_target(tmp_path) as (env, restored):
        result = manage("restore_data", str(backup), env=env)
        assert result.returncode == 0, result.stderr
        [(documents,)] = restored("SELECT COUNT(*) FROM calls_document")
        assert documents == manifest["tables"]["calls_document"] == manifest["summary"]["documents"]
        assert 6 + 3 <= documents < 6 + len(written)  # …and after it
    print(  # noqa: T201
        f"\nDRILL backup-under-writes: uploads={len(written)} in_snapshot={documents - 6} "
        f"after_snapshot={len(written) - documents + 6} missing_files=0 count_mismatches=0"
    )


def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp_path):
    a_call_with_everything()
    backup, _manifest = back_up(tmp_path / "backups")
    archive = backup / "media.tar.gz"
    archive.chmod(0o600)
    archive.write_bytes(archive.read_bytes()[:-10] + b"0123456789")

    with pytest.raises(CommandError, match="The media part .* is missing or damaged"):
        call_command("restore_data", str(backup))


def test_restore_refuses_a_database_that_has_tables(tmp_path):
    a_call_with_everything()
    backup, _manifest = back_up(tmp_path / "backups")

    with pytest.raises(CommandError, match="Refusing to restore: the database .* has tables"):
        call_command("restore_data", str(backup))


def test_restore_holds_the_mails_that_were_waiting_at_backup_time(tmp_path):
    from aissai.notifications.models import OutboxStatus
    from tests.factories.notifications import OutboxMessageFactory

    waiting = OutboxMessageFactory(status=OutboxStatus.PENDING)
    sending = OutboxMessageFactory(status=OutboxStatus.SENDING)
    sent = OutboxMessageFactory(status=OutboxStatus.SENT)
    decision = OutboxMessageFactory(status=OutboxStatus.HELD)
    backup, _manifest = back_up(tmp_path / "backups")

    with fresh_target(tmp_path) as (env, restored):
        result = manage("restore_data", str(backup), env=env)
        assert result.returncode == 0, result.stderr
        assert "2 e-mail(s) waiting to be sent at backup time are held" in result.stdout
        rows = {
            pk: (status, bool(flag))
            for pk, status, flag in restored(
                "SELECT id, status, held_after_restore FROM notifications_outboxmessage"
            )
        }
        events = restored("SELECT verb FROM audit_auditevent WHERE verb LIKE 'mail.%'")

    assert rows == {
        waiting.pk: ("held", True),
        sending.pk: ("held", True),
        sent.pk: ("sent", False),
        decision.pk: ("held", False),
    }
    assert events == [("mail.held_after_restore",)]
