"""Gunicorn settings for the web process: `gunicorn --config deploy/gunicorn.conf.py`.

Every value can be tuned from the environment; the defaults suit one container with
a reverse proxy (TLS) in front of it.
"""

import os
from pathlib import Path

import structlog


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


wsgi_app = "aissai.wsgi:application"

# The loopback only, unless told otherwise: the reverse proxy on the same host reaches
# it, nobody else can, so nobody can send forwarded headers past the proxy. The image
# sets GUNICORN_HOST=0.0.0.0, because the proxy reaches a container from outside it.
bind = [f"{os.environ.get('GUNICORN_HOST', '127.0.0.1')}:{_int('PORT', 8000)}"]

# Sync workers, one request each. WEB_CONCURRENCY is the usual knob; each worker
# keeps its own database connection pool (DATABASE_POOL_MAX connections at most).
workers = _int("WEB_CONCURRENCY", 3)
threads = _int("GUNICORN_THREADS", 1)

# The app is loaded in each worker after the fork, so no database pool or socket is
# ever shared between processes. Keep preload_app off.
preload_app = False

timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5

# Recycle workers now and then so a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10


def post_worker_init(worker):  # noqa: ARG001 - gunicorn's hook signature
    """Import every view before the worker takes a request. Django imports the URLconf
    and the views (numpy, scipy, OR-Tools behind the staff pages) at the first request,
    which then waits seconds, and each new worker (``max_requests`` recycles them) made
    a staff member wait again; under load those first requests queued behind each other."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point


# Access and error logs go to stdout/stderr, where the container runtime collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
# gunicorn's own lines in the application's format (aissai/observability.py): UTC
# timestamp, level, logger; JSON lines when LOG_FORMAT=json. Same as web, worker, beat.
_shared = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
_renderer = (
    structlog.processors.JSONRenderer()
    if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json"
    else structlog.processors.KeyValueRenderer(
        key_order=["timestamp", "level", "logger", "event"], drop_missing=True
    )
)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, _renderer],
            "foreign_pre_chain": _shared,
        }
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "stream": "ext://sys.stderr",
        },
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["error_console"],
            "propagate": False,
        },
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}

# Only the proxy may tell gunicorn that a request came over HTTPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No runtime control socket: it would be written under $HOME, which the image's user
# does not have; scale with WEB_CONCURRENCY and restart instead.
control_socket_disable = True

# Heartbeat files in memory: a disk-backed /tmp can stall workers under load.
# gunicorn creates them with mkstemp, so a shared folder is safe.
SHM = "/dev/shm"  # noqa: S108
if Path(SHM).is_dir():
    worker_tmp_dir = SHM
