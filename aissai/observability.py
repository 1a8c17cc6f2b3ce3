"""Logs, error mails and Sentry: what the settings need to make the site observable.

Every log line, from the web, the worker and beat alike, carries a UTC timestamp
(ISO 8601, ``Z``), the level and the logger's name; lines written while a web request is
served also carry its ``request_id`` and the client's address (``ip``), bound by
``aissai.request_log.RequestLogMiddleware`` (django-structlog). ``LOG_FORMAT=json``
writes one JSON object per line (for a log collector); the default is one readable
``key=value`` line. Celery's own log setup
is switched off (``CELERY_WORKER_HIJACK_ROOT_LOGGER``), so worker and beat write
through the same handler and format as the web.

Errors reach a person: ``ADMINS`` get a mail on a 500 (``django.request``) and on a mail
the outbox gave up on (``aissai.notifications.failed``); Sentry gets errors when
``SENTRY_DSN`` is set (off by default).
"""

from __future__ import annotations

from email.utils import getaddresses

import structlog

# Loggers whose ERROR records are mailed to ADMINS.
FAILED_MAIL_LOGGER = "aissai.notifications.failed"

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def parse_admins(value: str) -> list[tuple[str, str]]:
    """``"Ada <ada@example.org>, ops@example.org"`` → [(name, address), ...]."""
    return [(name or address, address) for name, address in getaddresses([value]) if address]


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            *_SHARED,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def logging_config(*, level: str, fmt: str) -> dict:
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.processors.KeyValueRenderer(
            key_order=["timestamp", "level", "logger", "event", "request_id", "ip"],
            drop_missing=True,
        )
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": _SHARED,
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "structured"},
            "mail_admins": {
                "class": "django.utils.log.AdminEmailHandler",
                "level": "ERROR",
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # Replaces Django's default (a second console handler): errors of every
            # django.* logger, a 500 on django.request first of all, go to ADMINS.
            "django": {"handlers": ["mail_admins"], "level": level},
            FAILED_MAIL_LOGGER: {"handlers": ["mail_admins"], "level": "ERROR"},
            # django-structlog's request_started/finished lines are the access log.
            "django_structlog": {"level": level},
        },
    }


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        # No user data, request bodies or local variables leave the site: applications
        # and reviews are confidential.
        data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False},
    )
