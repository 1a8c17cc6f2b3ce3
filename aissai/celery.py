"""The Celery application.

With no ``CELERY_BROKER_URL`` (embedded mode) tasks run in process; in
production a worker and a single beat process consume from Redis or RabbitMQ.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aissai.settings")

app = Celery("aissai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _log_context_step() -> None:
    """django-structlog's worker step: each task's log lines carry the request id (and
    task id) of what queued it."""
    from django_structlog.celery.steps import DjangoStructLogInitStep

    app.steps["worker"].add(DjangoStructLogInitStep)


_log_context_step()
