"""python manage.py backup_data [--dir FOLDER]   (make backup)

Writes a timestamped folder with the database, the uploaded files and a manifest; see
aissai/accounts/management/backups.py for how the two parts stay consistent.
"""

import shutil
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aissai.accounts.management import backup as backups


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one folder with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="", help="Parent folder (default: BACKUP_DIR).")

    def handle(self, *args, **options):
        backup_dir = Path(options["dir"] or settings.BACKUP_DIR)
        now = datetime.now(UTC)
        final, work = backups.new_folder(backup_dir, now)
        try:
            manifest = self.make(work, now)
            for path in work.iterdir():
                path.chmod(0o600)
            work.rename(final)
        except backups.BackupError as exc:
            shutil.rmtree(work, ignore_errors=True)
            raise CommandError(str(exc)) from exc
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        summary = ", ".join(f"{key} {value}" for key, value in manifest["summary"].items())
        self.stdout.write(f"Snapshot at {manifest['snapshot_at']}: {summary}.")
        problems = manifest["missing_files"] + manifest["corrupt_files"]
        if problems:
            raise CommandError(
                f"Backup written to {final}, but {len(problems)} referenced file(s) are missing "
                f"or do not match their recorded SHA-256: {', '.join(problems[:20])}"
            )
        self.stdout.write(self.style.SUCCESS(str(final)))

    def make(self, work: Path, now: datetime) -> dict:
        vendor = backups.engine()
        if vendor == "postgresql":
            database = backups.dump_postgresql(work)
        elif vendor == "sqlite":
            database = backups.dump_sqlite(work)
        else:
            raise backups.BackupError(f"No backup method for the {vendor} database engine.")
        media_root = Path(settings.MEDIA_ROOT)
        files = backups.archive_uploads(work / backups.MEDIA_ARCHIVE)
        references = database["references"]
        missing = sorted(name for name in references if name not in files)
        corrupt = sorted(
            name
            for name, digest in references.items()
            if digest and name in files and files[name] != digest
        )
        manifest = {
            "format": backups.FORMAT,
            "created_at": now,
            "snapshot_at": database["snapshot_at"],
            "engine": vendor,
            "media_root": str(media_root),
            "storage": backups.describe(backups.uploads_storage()),
            "migrations": database["migrations"],
            "parts": {
                "database": self.part(work / database["part"]),
                "media": self.part(work / backups.MEDIA_ARCHIVE),
            },
            "summary": {
                **backups.key_figures(database["counts"]),
                "files": len(files),
                "referenced_files": len(references),
            },
            "tables": database["counts"],
            "files": files,
            "referenced_files": sorted(references),
            "missing_files": missing,
            "corrupt_files": corrupt,
            "consistency": (
                "database snapshot first (pg_dump --snapshot, or the SQLite online backup); "
                "files archived after it; uploaded files are never changed or deleted in place, "
                "so every file the database references is in the archive"
            ),
        }
        backups.write_json(work / backups.MANIFEST, manifest)
        return manifest

    @staticmethod
    def part(path: Path) -> dict:
        return {"file": path.name, "sha256": backups.sha256_of(path), "bytes": path.stat().st_size}
