"""The database, the cache, static assets and uploaded files (a folder or a bucket)."""

import contextlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from aissai.settings.environment import (
    BASE_DIR,
    PRODUCTION,
    VAR_DIR,
    env,
    env_bool,
    env_int,
)

# Database: PostgreSQL through psycopg 3 when DATABASE_URL is set, else SQLite.
DATABASE_URL = env("DATABASE_URL")
if PRODUCTION and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set when AISSAI_PRODUCTION is on.")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DATABASE_POOL", default=PRODUCTION
    ):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 1),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
        }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DATABASE_PGBOUNCER"
    ):
        # PgBouncer in transaction mode: a server connection serves one transaction at a
        # time, so nothing may outlive a transaction on it: no server-side cursors
        # (.iterator() fetches in chunks client-side) and no prepared statements.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
    # Each connection is checked before use (with the pool: as it leaves the pool,
    # ConnectionPool.check_connection): after a PostgreSQL restart a dead connection is
    # replaced instead of failing the request (tests/reliability/test_database_restart.py).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "aissai.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
    # The covering index of calls.Application (INCLUDE, for PostgreSQL's index-only
    # counts) is created without its extra column on SQLite, which is all embedded mode
    # needs: no warning for it at every migrate.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Static assets come from npm packages installed in node_modules at install time.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]

# Uploaded files live outside any served folder; only permission-checked views read them.
MEDIA_ROOT = Path(env("AISSAI_MEDIA_ROOT", str(VAR_DIR / "uploads")))
# No URL pattern serves this prefix: files are read only by permission-checked views.
MEDIA_URL = "/private-files-are-never-served/"
# --- Uploaded files: local folder (default) or S3-compatible object storage ----------
# AISSAI_STORAGE=s3 puts uploads in a bucket (django-storages, boto3) so that every web
# server and worker sees them. Files stay private: no public ACL, and they are read only
# by the permission-checked views, which stream them (no URL is ever handed out).
AISSAI_STORAGE = env("AISSAI_STORAGE", "local").strip().lower()
if AISSAI_STORAGE == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AISSAI_S3_BUCKET"),
            "endpoint_url": env("AISSAI_S3_ENDPOINT_URL") or None,
            "region_name": env("AISSAI_S3_REGION") or None,
            "access_key": env("AISSAI_S3_ACCESS_KEY_ID") or None,
            "secret_key": env("AISSAI_S3_SECRET_ACCESS_KEY") or None,
            "location": env("AISSAI_S3_PREFIX"),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
        },
    }
    if not DEFAULT_STORAGE["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("AISSAI_S3_BUCKET must be set when AISSAI_STORAGE=s3.")
elif AISSAI_STORAGE == "local":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured("AISSAI_STORAGE must be local or s3.")
# ---------------------------------------------------------------------------------------
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
# Uploads in flight (over FILE_UPLOAD_MAX_MEMORY_SIZE) are spooled here, in the
# application's data folder; clean_orphan_files removes what a killed process left.
FILE_UPLOAD_TEMP_DIR = env("AISSAI_UPLOAD_TEMP_DIR", str(VAR_DIR / "tmp" / "uploads"))
with contextlib.suppress(OSError):  # a read-only build step may not create it
    Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "aissai.uploads.TemporaryFolderUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A request body larger than this is refused (413) from its Content-Length alone, before
# a byte is read (aissai.security.middleware); keep it above DOCUMENT_MAX_BYTES.
AISSAI_MAX_REQUEST_BYTES = env_int("AISSAI_MAX_REQUEST_BYTES", 30 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# `make backup` writes here (a timestamped folder per backup); see docs/reliability.md.
BACKUP_DIR = Path(env("BACKUP_DIR", str(VAR_DIR / "backups")))

# Application limits
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
