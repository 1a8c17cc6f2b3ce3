"""python manage.py restore_data BACKUP_FOLDER [--force]   (make restore BACKUP=… [FORCE=1])

Restores a backup made by backup_data into the configured database and the uploads'
storage (MEDIA_ROOT, or the bucket with AISSAI_STORAGE=s3: the files are written back
through the storage API under their own names), then checks every table count and every
file (its SHA-256, read back from the storage) against the manifest. It refuses a
database that has tables, or a media folder or bucket that has files, unless --force.
"""

import json
import sqlite3
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from aissai.accounts.management import backup as backups
from aissai.notifications.services import hold_after_restore


class Command(BaseCommand):
    help = "Restore a backup folder into an empty database and media folder, then verify it."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The folder written by backup_data.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace what the database and the media folder already hold.",
        )

    def handle(self, *args, backup: str, force: bool, **options):
        folder = Path(backup)
        manifest = self.read_manifest(folder)
        media_root = Path(settings.MEDIA_ROOT)
        storage = backups.uploads_storage()
        local = backups.is_local(storage)
        existing = connection.introspection.table_names()
        if local:
            has_files = media_root.exists() and any(p.is_file() for p in media_root.rglob("*"))
        else:
            has_files = backups.storage_has_files(storage)
        if (existing or has_files) and not force:
            what = []
            if existing:
                what.append(f"the database {connection.settings_dict['NAME']} has tables")
            if has_files:
                what.append(f"{media_root if local else backups.describe(storage)} holds files")
            raise CommandError(
                f"Refusing to restore: {' and '.join(what)}. Restore into an empty database "
                "and media folder, or give --force (make restore … FORCE=1) to replace them."
            )
        try:
            self.restore_database(folder, manifest, replace=bool(existing))
            if local:
                media_root.mkdir(parents=True, exist_ok=True)
                with tarfile.open(folder / backups.MEDIA_ARCHIVE) as tar:
                    tar.extractall(media_root, filter="data")
            else:
                backups.restore_storage(folder / backups.MEDIA_ARCHIVE, storage, replace=force)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        problems = self.verify(manifest, media_root if local else storage)
        if problems:
            lines = "\n".join(problems[:50])
            raise CommandError(f"Restored, but it does not match the manifest:\n{lines}")
        summary = ", ".join(f"{key} {value}" for key, value in manifest["summary"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the snapshot of {manifest['snapshot_at']} and verified it: {summary}."
            )
        )
        held = hold_after_restore()
        if held:
            self.stdout.write(
                self.style.WARNING(
                    f"{held} e-mail(s) waiting to be sent at backup time are held: they may "
                    "have gone out since. Release or drop them on the outbox page (/mail/outbox/)."
                )
            )

    def read_manifest(self, folder: Path) -> dict:
        try:
            manifest = json.loads((folder / backups.MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"No readable {backups.MANIFEST} in {folder}: {exc}") from exc
        if manifest.get("format") != backups.FORMAT:
            raise CommandError(f"{folder} is not a backup of this application.")
        if manifest["engine"] != backups.engine():
            raise CommandError(
                f"This is a {manifest['engine']} backup; the configured database is "
                f"{backups.engine()}."
            )
        for name, part in manifest["parts"].items():
            path = folder / part["file"]
            if not path.is_file() or backups.sha256_of(path) != part["sha256"]:
                raise CommandError(f"The {name} part ({path}) is missing or damaged.")
        return manifest

    def restore_database(self, folder: Path, manifest: dict, *, replace: bool) -> None:
        part = folder / manifest["parts"]["database"]["file"]
        if manifest["engine"] == "sqlite":
            connection.ensure_connection()
            source = sqlite3.connect(part)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            return
        options = ["--clean", "--if-exists"] if replace else []
        connection.close()
        backups.run_tool(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                "--no-password",
                *options,
                f"--dbname={connection.settings_dict['NAME']}",
                str(part),
            ],
            backups.pg_environment(connection.settings_dict),
        )

    def verify(self, manifest: dict, where) -> list[str]:
        """Counts against the manifest; every file read back from ``where`` (the media
        folder, or the bucket's storage) against its SHA-256."""
        problems = []
        if connection.vendor == "postgresql":
            connection.close()  # a fresh session sees the restored schema
        with connection.cursor() as cursor:
            try:
                counts = backups.read_counts(cursor, manifest["tables"])
            except Exception as exc:  # noqa: BLE001 - reported as a verification failure
                return [f"cannot count the restored tables: {exc}"]
            references = backups.read_references(cursor)
        for table, expected in manifest["tables"].items():
            if counts.get(table) != expected:
                problems.append(f"{table}: {counts.get(table)} rows, expected {expected}")
        if isinstance(where, Path):

            def digest_of(name: str) -> str | None:
                path = where / name
                return backups.sha256_of(path) if path.is_file() else None
        else:

            def digest_of(name: str) -> str | None:
                return backups.stored_sha256(where, name)

        for name, digest in manifest["files"].items():
            if digest_of(name) != digest:
                problems.append(f"file {name} is missing or differs")
        for name in references:
            if name not in manifest["files"] and digest_of(name) is None:
                problems.append(f"file {name} is referenced but missing")
        return problems
