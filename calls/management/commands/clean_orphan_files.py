"""``python manage.py clean_orphan_files [--delete]``: stored files that no row points to.

An upload writes its file before its transaction commits. When the transaction fails the
file is removed at once (``calls.services.documents.discard_unless_saved``), but a web
process killed between the two, or an outer transaction rolled back later, leaves a file
without a row: harmless, never served (files are served only through their row), but
taking space. This command lists them; ``--delete`` removes them. Only files older than
``--min-age-hours`` count, so an upload in flight is never touched.

It also covers the folder where uploads in flight are spooled (``FILE_UPLOAD_TEMP_DIR``):
a spooled file outlives its request only when the process was killed, so one older than
``--min-age-hours`` is a leftover.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aissai.accounts.management.backup import file_columns, read_references
from aissai.audit.services import record_event
from calls.models import Document

# Folders written by upload_to functions; anything else under MEDIA_ROOT is left alone.
UPLOAD_FOLDERS = ("applications",)


class Command(BaseCommand):
    help = gettext_lazy(
        "List the uploaded files that no database row points to (older than "
        "--min-age-hours); with --delete, remove them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", help=gettext_lazy("Remove the files listed.")
        )
        parser.add_argument(
            "--min-age-hours",
            type=float,
            default=24.0,
            help=gettext_lazy("Ignore files younger than this (default: 24)."),
        )

    def handle(self, *args, delete: bool, min_age_hours: float, **options):
        if min_age_hours < 1:
            raise CommandError(_("--min-age-hours must be at least 1: uploads may be in flight."))
        storage = Document._meta.get_field("file").storage
        if not file_columns():
            raise CommandError(_("No model stores files: nothing to compare with."))
        with connection.cursor() as cursor:
            referenced = set(read_references(cursor))
        cutoff = time.time() - min_age_hours * 3600
        orphans = [
            name
            for name in _stored_files(storage)
            if name not in referenced and storage.get_modified_time(name).timestamp() < cutoff
        ]
        leftovers = _spooled_leftovers(cutoff)
        for name in orphans:
            self.stdout.write(name)
        for path in leftovers:
            self.stdout.write(str(path))
        if delete:
            for path in leftovers:
                path.unlink(missing_ok=True)
        deleted: list[str] = []
        if delete and orphans:
            try:
                for name in orphans:
                    storage.delete(name)
                    deleted.append(name)
            finally:  # what was deleted is recorded, even if a deletion failed
                if deleted:
                    record_event(
                        actor=None,
                        verb="files.orphans_deleted",
                        data={"count": len(deleted), "files": deleted[:200]},
                    )
        verb = _("deleted") if delete else _("found (run again with --delete to remove them)")
        self.stdout.write(
            _("%(count)d file(s) without a row %(verb)s.") % {"count": len(orphans), "verb": verb}
        )
        self.stdout.write(
            _("%(count)d upload(s) left in the temporary folder %(verb)s.")
            % {"count": len(leftovers), "verb": verb}
        )


def _spooled_leftovers(cutoff: float) -> list[Path]:
    """Files in FILE_UPLOAD_TEMP_DIR last written before ``cutoff`` (a timestamp)."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff)


def _stored_files(storage, folder: str = ""):
    """Every file below the upload folders, as storage names ("applications/12/ab.pdf")."""
    roots = UPLOAD_FOLDERS if not folder else (folder,)
    for root in roots:
        if not storage.exists(root):
            continue
        folders, files = storage.listdir(root)
        for name in files:
            yield f"{root}/{name}"
        for sub in folders:
            yield from _stored_files(storage, f"{root}/{sub}")
