"""Uploads in flight: a large uploaded file is spooled to ``FILE_UPLOAD_TEMP_DIR`` (by
default ``$AISSAI_VAR_DIR/tmp/uploads``, the application's own data folder, never the
system's ``/tmp``) while the request is read. The folder is created on first use.
``manage.py clean_orphan_files`` removes what a killed process left there."""

from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class TemporaryFolderUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
        super().new_file(*args, **kwargs)
