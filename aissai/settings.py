"""Settings for AISSAI Calls, read from the environment.

Nothing set gives the embedded mode: SQLite in ``var/``, Celery tasks run in
process, mail kept in a dev mailbox. ``AISSAI_PRODUCTION=1`` turns on the
production checks: a secret key and allowed hosts are required, debug is off,
cookies are secure and HSTS is sent. ``DATABASE_URL``, ``CELERY_BROKER_URL``
and ``EMAIL_HOST`` each switch their part to a real service whatever the mode.
The README's configuration reference lists every variable.
"""

import contextlib
import ipaddress
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from aissai import observability

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("AISSAI_PRODUCTION")
VAR_DIR = Path(env("AISSAI_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when AISSAI_PRODUCTION is on.")
    SECRET_KEY = "embedded-mode-only-not-a-secret-" + "x" * 32  # noqa: S105

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when AISSAI_PRODUCTION is on.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
if PRODUCTION and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "SITE_URL must be set to the public https:// address when AISSAI_PRODUCTION is on."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_structlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rules.apps.AutodiscoverRulesConfig",
    "aissai.accounts",
    "aissai.audit",
    "aissai.notifications",
    "calls",
    "reviews",
    "awards",
]

MIDDLEWARE = [
    "aissai.security.proxy.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # /healthz answers here: no host check, no HTTPS redirect (SECURE_REDIRECT_EXEMPT), JSON.
    "aissai.health.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "aissai.accounts.second_factor.SecondFactorMiddleware",
    # Binds request_id and the client address to every log line of the request.
    "aissai.request_log.RequestLogMiddleware",
    "aissai.accounts.middleware.UserLanguageMiddleware",
    "aissai.security.middleware.RequestSizeLimitMiddleware",
    "aissai.security.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Permissions-Policy on every response: no page of this site uses the camera, the
# microphone, the position, payments or devices, so none may, nor any frame it embeds.
# (publickey-credentials-* stay at the browser's default, "self", for passkeys.)
PERMISSIONS_POLICY: dict[str, list[str]] = dict.fromkeys(
    [
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "web-share",
        "xr-spatial-tracking",
    ],
    [],
)

ROOT_URLCONF = "aissai.urls"
WSGI_APPLICATION = "aissai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "aissai.context_processors.site",
            ],
            "builtins": ["aissai.formatting"],
        },
    },
]

# Form widgets are drawn by the site's template settings, so that templates/ may mend a
# widget's markup (the admin's date and time inputs get real labels).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "aissai.accounts.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    # Argon2id at OWASP's recommended cost; see aissai/accounts/hashers.py.
    "aissai.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Exports, decisions and the personal-data download ask for the password again when the
# last login is older than this (aissai.security.reauth.require_recent_login).
AISSAI_REAUTH_SECONDS = env_int("AISSAI_REAUTH_SECONDS", 15 * 60)
# Second factor (aissai.accounts.second_factor): one-time codes from an authenticator app,
# offered to everyone, required of programme staff and admins when this is on.
AISSAI_REQUIRE_SECOND_FACTOR = env_bool("AISSAI_REQUIRE_SECOND_FACTOR", default=PRODUCTION)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "AISSAI Calls")
# Personal data may be anonymised this many days after the person's last call ended.
AISSAI_RETENTION_DAYS = env_int("AISSAI_RETENTION_DAYS", 5 * 365)

# Reverse proxy: X-Forwarded-For and X-Forwarded-Proto are believed only from these
# addresses or networks (aissai.security.proxy drops them from anyone else), and the client
# is the address the outermost of AISSAI_PROXY_COUNT proxies saw. Empty: no proxy trusted.
AISSAI_TRUSTED_PROXIES = env_list("AISSAI_TRUSTED_PROXIES", "127.0.0.1,::1")
for _proxy in AISSAI_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"AISSAI_TRUSTED_PROXIES: {_error}") from None
AISSAI_PROXY_COUNT = env_int("AISSAI_PROXY_COUNT", 1)
if AISSAI_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login throttling: an account is locked for an address after AXES_FAILURE_LIMIT failures
# from it (never for everyone: nobody can lock another person out); an address is locked
# after AXES_ADDRESS_FAILURE_LIMIT failures on any accounts (high: an office shares one).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "aissai.accounts.throttling.LoginThrottle"
AXES_CLIENT_IP_CALLABLE = "aissai.security.proxy.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "aissai.accounts.throttling.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Sessions and cookies
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preload is on so that `check --deploy` is clean; it only takes effect once the
    # domain is submitted to the browsers' preload list. SECURE_HSTS_PRELOAD=0 opts out.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Load balancers and container checks call /healthz over plain http (aissai/health.py).
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content security policy: no inline script, assets from this origin only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Internationalisation
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

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

# Mail: SMTP when EMAIL_HOST is set, else the dev mailbox (and the console).
EMAIL_HOST = env("EMAIL_HOST")
if PRODUCTION and not EMAIL_HOST:
    raise ImproperlyConfigured("EMAIL_HOST must be set when AISSAI_PRODUCTION is on.")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:  # the dev mailbox in embedded mode (set below), else the console only
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "AISSAI Calls <noreply@aissai.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The programme team's own mailbox: every mail's Reply-To, and the address mails give
# when they ask people to write back (the sender is usually a no-reply address).
PROGRAMME_TEAM_EMAIL = env("PROGRAMME_TEAM_EMAIL", "programme-team@aissai.localhost")
EMAIL_SUBJECT_PREFIX = "[AISSAI Calls] "  # error mails to ADMINS
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", "aissai.localhost")

# Celery: a broker when CELERY_BROKER_URL is set, else tasks run in process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
if PRODUCTION and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("CELERY_BROKER_URL must be set when AISSAI_PRODUCTION is on.")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL

# The dev mailbox keeps every mail as delivered, links that grant access included: it
# exists in the embedded mode only (SQLite, tasks in process, no SMTP server, not
# production), and answers only to requests from the machine itself.
DEV_MAILBOX = not (EMAIL_HOST or DATABASE_URL or CELERY_BROKER_URL or PRODUCTION)
if DEV_MAILBOX:
    EMAIL_BACKEND = "aissai.notifications.backends.DevMailboxBackend"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
# Workers consume this queue (`celery -A aissai worker -Q default`).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = TIME_ZONE
# Beat's schedule file; its folder is created on start (aissai/beat.py).
CELERY_BEAT_SCHEDULER = "aissai.beat:Scheduler"
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(VAR_DIR / "beat" / "celerybeat-schedule")
)
# Only the beat holding the lock in the shared cache sends periodic tasks; a second beat
# stands by and takes over this long after the holder stopped renewing it.
BEAT_LOCK_SECONDS = env_int("BEAT_LOCK_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {
        "task": "aissai.notifications.tasks.relay_outbox",
        "schedule": env_int("OUTBOX_RELAY_SECONDS", 60),
    },
    "send-review-reminders": {
        "task": "reviews.tasks.send_review_reminders",
        "schedule": crontab(hour=8, minute=0),  # daily, Paris time (CELERY_TIMEZONE)
    },
    "send-draft-reminders": {
        "task": "calls.tasks.send_draft_reminders",
        "schedule": crontab(minute=15),  # hourly: "1 day before" means 24 hours, not 8 am
    },
    "send-award-reminders": {
        "task": "awards.tasks.send_award_reminders",
        "schedule": crontab(hour=8, minute=15),  # daily, Paris time
    },
}
# Reviewers with unfinished reviews get a reminder this many days before the deadline.
REVIEW_REMINDER_DAYS_BEFORE = env_int("REVIEW_REMINDER_DAYS_BEFORE", 7)
# Coordinators of unsubmitted drafts get a reminder this many days before the call closes
# (one per number, the most urgent one only when several are due at once).
APPLICANT_REMINDER_DAYS_BEFORE = sorted(
    {int(days) for days in env_list("APPLICANT_REMINDER_DAYS_BEFORE", "7,1") if int(days) > 0},
    reverse=True,
)
# Fellowship coordinators get a reminder this many days before the recruitment deadline
# (and one once it has passed) and before each report is due.
AWARD_REMINDER_DAYS_BEFORE = env_int("AWARD_REMINDER_DAYS_BEFORE", 14)
# People invited to a fellowship event (the kick-off) get a reminder this many days before.
AWARD_EVENT_REMINDER_DAYS = env_int("AWARD_EVENT_REMINDER_DAYS", 3)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 5)
OUTBOX_STUCK_SECONDS = env_int("OUTBOX_STUCK_SECONDS", 600)
# Retry n waits OUTBOX_BACKOFF_SECONDS * 2**(n-1), at most OUTBOX_BACKOFF_MAX_SECONDS.
OUTBOX_BACKOFF_SECONDS = env_int("OUTBOX_BACKOFF_SECONDS", 60)
OUTBOX_BACKOFF_MAX_SECONDS = env_int("OUTBOX_BACKOFF_MAX_SECONDS", 3600)
# A queued delivery not run after this long is presumed lost and queued again by the relay.
OUTBOX_REQUEUE_SECONDS = env_int("OUTBOX_REQUEUE_SECONDS", 300)
# Rows one delivery task sends over one SMTP connection. A worker killed mid-batch sends
# the rows it had not yet recorded as sent again (same Message-ID): keep batches short.
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 50)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Application limits
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)

# --- Observability: logs, error mails, Sentry (aissai/observability.py) -------------------
# One line per event with a UTC timestamp, level, logger and, in a request, its id and
# the client address; LOG_FORMAT=json for JSON lines. Web, worker and beat alike.
LOG_FORMAT = env("LOG_FORMAT", "text").strip().lower()
observability.configure_structlog()
LOGGING = observability.logging_config(level=env("LOG_LEVEL", "INFO"), fmt=LOG_FORMAT)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # worker and beat log through LOGGING too
DJANGO_STRUCTLOG_CELERY_ENABLED = True  # a task's lines carry the request id that queued it
# ADMINS get a mail on a 500 and on a mail the outbox gave up on ("Name <address>, ...").
ADMINS = observability.parse_admins(env("ADMINS"))
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    observability.init_sentry(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", "production" if PRODUCTION else "embedded"),
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
    )
# ---------------------------------------------------------------------------------------

CSRF_FAILURE_VIEW = "aissai.views.csrf_failure"
FORMAT_MODULE_PATH = ["aissai.formats"]  # short dates of dense tables (aissai/formats)
