"""Which real services this run has, and the rule that CI's full run skips nothing.

Tests that need PostgreSQL, a broker, an SMTP server or Chromium use the markers
below; they skip, saying why, only when that part is absent. With
``AISSAI_REQUIRE_SERVICES=1`` (CI's PostgreSQL run) any skipped test fails the run.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL", "")


def broker_available() -> bool:
    url = broker_url()
    if not url:
        return False
    parsed = urlparse(url)
    default = 5672 if parsed.scheme.startswith("amqp") else 6379
    return port_open(parsed.hostname or "127.0.0.1", parsed.port or default)


def postgres_in_use() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""


def pytest_collection_modifyitems(config, items):
    reasons = {
        "postgres": (postgres_in_use, "needs PostgreSQL: set DATABASE_URL"),
        "celery_worker": (
            lambda: broker_available() and postgres_in_use(),
            "needs a broker (CELERY_BROKER_URL) and PostgreSQL shared with a worker process",
        ),
        "browser": (lambda: bool(chromium_path()), "needs Chromium (apt-get install chromium)"),
    }
    checked: dict[str, bool] = {}
    for item in items:
        for marker, (check, reason) in reasons.items():
            if item.get_closest_marker(marker):
                if marker not in checked:
                    checked[marker] = check()
                if not checked[marker]:
                    item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("AISSAI_REQUIRE_SERVICES") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        if reporter:
            reporter.write_line(
                f"AISSAI_REQUIRE_SERVICES=1: {len(skipped)} test(s) skipped; "
                "every service must be present in this run.",
                red=True,
            )
        session.exitstatus = 1
