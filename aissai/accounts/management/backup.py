"""Backups of the database and the uploaded files, consistent with each other.

A backup is one folder ``<BACKUP_DIR>/aissai-backup-<UTC time>/`` holding:

- ``database.dump``: ``pg_dump --format=custom`` (PostgreSQL), or ``database.sqlite3``:
  a copy made with SQLite's online backup API (embedded mode);
- ``media.tar.gz``: every uploaded file: those under ``MEDIA_ROOT``, or, with
  ``AISSAI_STORAGE=s3``, every object of the bucket (under ``AISSAI_S3_PREFIX``), read
  through the storage API; a restore writes them back the same way, under the same names;
- ``manifest.json``: the SHA-256 of both parts, the row count of every table and the
  SHA-256 of every file, all as of the database snapshot.

Consistency. On PostgreSQL the command opens a REPEATABLE READ transaction, exports its
snapshot and runs ``pg_dump --snapshot``: the dump, the row counts and the list of files
the rows reference all see the same instant. The files are archived *after* that
instant. The application never deletes or rewrites an uploaded file in place (a new
version is a new file; only an upload whose transaction failed removes its own,
never-referenced file), so the archive holds every file the dump references; files
uploaded after the snapshot may be in the archive too, unreferenced and harmless. The
command checks this: a referenced file missing from the archive is reported and makes
the command fail. On SQLite the copy is made first, and the counts and references are
read from the copy itself.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, models

FORMAT = "aissai-backup/1"
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"
# The figures people check first; every table is counted as well.
KEY_TABLES = {
    "applications": ("calls", "Application"),
    "reviews": ("reviews", "Review"),
    "decisions": ("reviews", "FundingDecision"),
    "documents": ("calls", "Document"),
}


class BackupError(Exception):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def engine() -> str:
    return connection.vendor  # "postgresql" or "sqlite"


def tables() -> list[str]:
    """Every table of the installed models (many-to-many tables included)."""
    names = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    return sorted(names)


def file_columns() -> list[tuple[str, str, str | None]]:
    """(table, file column, sha256 column or None) of every model with a FileField."""
    found = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                digest = model._meta.get_field("sha256").column if "sha256" in names else None
                found.append((model._meta.db_table, field.column, digest))
    return found


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_counts(cursor, table_names: Iterable[str]) -> dict[str, int]:
    counts = {}
    for table in table_names:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - model tables
        counts[table] = cursor.fetchone()[0]
    return counts


def read_references(cursor) -> dict[str, str | None]:
    """{stored file name: the SHA-256 the row records for it, or None}."""
    references: dict[str, str | None] = {}
    for table, column, digest in file_columns():
        select = f"{quote(column)}, {quote(digest) if digest else 'NULL'}"
        cursor.execute(
            f"SELECT {select} FROM {quote(table)} WHERE {quote(column)} <> ''"  # noqa: S608
        )
        for name, value in cursor.fetchall():
            if name:
                references[name] = value
    return references


def key_figures(counts: dict[str, int]) -> dict[str, int]:
    out = {}
    for key, (app_label, model_name) in KEY_TABLES.items():
        try:
            table = apps.get_model(app_label, model_name)._meta.db_table
        except LookupError:
            continue
        out[key] = counts.get(table, 0)
    return out


def archive_media(media_root: Path, target: Path) -> dict[str, str]:
    """Write every regular file under ``media_root`` to a gzip tar; {name: sha256}."""
    archived: dict[str, str] = {}
    with tarfile.open(target, "w:gz") as tar:
        if media_root.exists():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                if path.is_symlink():
                    continue
                name = path.relative_to(media_root).as_posix()
                archived[name] = sha256_of(path)
                tar.add(path, arcname=name, recursive=False)
    return archived


def uploads_storage():
    """The storage the uploaded files live in (``STORAGES["default"]``)."""
    from django.core.files.storage import default_storage

    return default_storage


def is_local(storage) -> bool:
    from django.core.files.storage import FileSystemStorage

    return isinstance(storage, FileSystemStorage)


def describe(storage) -> str:
    """Where the files are, for messages and the manifest: a folder or s3://bucket/prefix."""
    if is_local(storage):
        return str(storage.location)
    bucket = getattr(storage, "bucket_name", "") or type(storage).__name__
    return f"s3://{bucket}/{getattr(storage, 'location', '')}".rstrip("/")


def stored_names(storage, folder: str = "") -> Iterable[str]:
    """Every file name of a storage (recursively, through ``listdir``), sorted per folder."""
    folders, files = storage.listdir(folder)
    prefix = f"{folder.rstrip('/')}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for sub in sorted(folders):
        yield from stored_names(storage, prefix + sub)


class _Hashing:
    """A file object that hashes what is read through it."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def archive_storage(storage, target: Path) -> dict[str, str]:
    """Write every file of a (remote) storage to a gzip tar; {name: sha256}."""
    archived: dict[str, str] = {}
    with tarfile.open(target, "w:gz") as tar:
        for name in stored_names(storage):
            info = tarfile.TarInfo(name)
            info.size = storage.size(name)
            info.mode = 0o640
            with storage.open(name, "rb") as handle:
                reader = _Hashing(handle)
                tar.addfile(info, reader)
            archived[name] = reader.digest.hexdigest()
    return archived


def archive_uploads(target: Path) -> dict[str, str]:
    """The uploaded files, wherever they live, into ``target``; {name: sha256}."""
    from django.conf import settings

    storage = uploads_storage()
    if is_local(storage):
        return archive_media(Path(settings.MEDIA_ROOT), target)
    return archive_storage(storage, target)


def storage_has_files(storage) -> bool:
    return next(iter(stored_names(storage)), None) is not None


def restore_storage(archive: Path, storage, *, replace: bool) -> None:
    """Write every file of the archive into the storage under its own name."""
    from django.core.files import File

    with tarfile.open(archive) as tar:
        for member in tar:
            if not member.isfile():
                continue
            if replace and storage.exists(member.name):
                storage.delete(member.name)
            handle = tar.extractfile(member)
            saved = storage.save(member.name, File(handle, name=member.name))
            if saved != member.name:
                raise BackupError(f"{member.name} was stored as {saved}")


def stored_sha256(storage, name: str) -> str | None:
    """The SHA-256 of a stored file, or None when it is missing."""
    if not storage.exists(name):
        return None
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_environment(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq variables for pg_dump/pg_restore from Django's connection settings."""
    env = {**os.environ}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    for key, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def run_tool(command: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (install the PostgreSQL client tools).")
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments built here
        [tool, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def dump_postgresql(folder: Path) -> dict[str, Any]:
    """Dump, count and list references inside one exported snapshot."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), now()")
        snapshot, taken_at = cursor.fetchone()
        env = pg_environment(connection.settings_dict)
        run_tool(
            [
                "pg_dump",
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={folder / PG_DUMP_FILE}",
            ],
            env,
        )
        counts = read_counts(cursor, tables())
        references = read_references(cursor)
        migrations = read_migrations(cursor)
    return {
        "part": PG_DUMP_FILE,
        "snapshot_at": taken_at,
        "counts": counts,
        "references": references,
        "migrations": migrations,
    }


def dump_sqlite(folder: Path) -> dict[str, Any]:
    """Copy with the online backup API, then read everything from the copy."""
    connection.ensure_connection()
    target = folder / SQLITE_FILE
    taken_at = datetime.now(UTC)
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        counts = read_counts(cursor, tables())
        references = read_references(cursor)
        migrations = read_migrations(cursor)
    finally:
        copy.close()
    return {
        "part": SQLITE_FILE,
        "snapshot_at": taken_at,
        "counts": counts,
        "references": references,
        "migrations": migrations,
    }


def read_migrations(cursor) -> dict[str, str]:
    """The last migration applied in each app, as recorded by the database."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        latest[app] = name
    return latest


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def new_folder(backup_dir: Path, now: datetime) -> tuple[Path, Path]:
    """(the final folder name, a hidden work folder next to it)."""
    backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = f"aissai-backup-{now:%Y%m%dT%H%M%SZ}"
    final, number = backup_dir / stem, 1
    while final.exists():
        number += 1
        final = backup_dir / f"{stem}-{number}"
    work = backup_dir / f".partial-{final.name}"
    work.mkdir(mode=0o700)
    return final, work
