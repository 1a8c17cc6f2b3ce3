"""Log lines, error mails to ADMINS and Sentry (aissai/observability.py)."""

from aissai import observability
from aissai.settings.environment import PRODUCTION, env

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
