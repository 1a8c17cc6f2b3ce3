"""Observability: log lines with a UTC timestamp, level, logger, request id and client
address (JSON with LOG_FORMAT=json); ADMINS mailed on a 500 and on a mail given up on;
Sentry when SENTRY_DSN is set."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core import mail
from django.urls import path

from aissai.notifications.models import OutboxStatus
from aissai.notifications.services import deliver
from tests.factories.notifications import OutboxMessageFactory
from tests.test_settings import clean_env, run_python

SERVE_ONE_REQUEST = """
import django
django.setup()
import logging
from django.test import Client
Client(REMOTE_ADDR="203.0.113.9").get("/calls/staff/", HTTP_X_FORWARDED_FOR="6.6.6.6")
Client(REMOTE_ADDR="127.0.0.1").get(  # through the trusted proxy: the client it saw
    "/calls/staff/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
)
logging.getLogger("aissai.drill").warning("outside any request")
"""


def log_env(tmp_path, **values):
    return clean_env(AISSAI_VAR_DIR=str(tmp_path), **values)


def test_log_lines_carry_utc_time_level_logger_request_id_and_client_address(tmp_path):
    result = run_python(SERVE_ONE_REQUEST, log_env(tmp_path))

    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    finished = next(line for line in lines if "event='request_finished'" in line)
    assert finished.startswith("timestamp='20") and "Z' level='info'" in finished
    assert "logger='django_structlog.middlewares.request'" in finished
    assert "request_id='" in finished and "ip='203.0.113.9'" in finished
    assert "6.6.6.6" not in result.stderr  # a forwarded header is not taken as is
    proxied = [line for line in lines if "event='request_finished'" in line][1]
    assert "ip='198.51.100.7'" in proxied
    outside = next(line for line in lines if "outside any request" in line)
    assert "level='warning' logger='aissai.drill'" in outside
    assert "request_id" not in outside


def test_log_format_json_writes_one_json_object_per_line(tmp_path):
    result = run_python(SERVE_ONE_REQUEST, log_env(tmp_path, LOG_FORMAT="json"))

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.strip().splitlines()]
    finished = next(r for r in records if r["event"] == "request_finished")
    assert finished["timestamp"].endswith("Z")
    assert (finished["level"], finished["ip"], finished["code"]) == ("info", "203.0.113.9", 302)
    assert len(finished["request_id"]) == 36
    loggers = {r["logger"] for r in records}
    assert loggers >= {"aissai.drill", "django_structlog.middlewares.request"}


@login_not_required
def boom(request):
    raise RuntimeError("drill: an unexpected error")


urlpatterns = [path("boom", boom)]


@pytest.mark.django_db
@pytest.mark.urls("tests.test_observability")
def test_a_server_error_mails_the_admins(client, settings):
    settings.ADMINS = [("Ops", "ops@example.org")]
    client.raise_request_exception = False

    response = client.get("/boom")

    assert response.status_code == 500
    [report] = mail.outbox
    assert report.to == ["ops@example.org"]
    assert report.subject.startswith("[AISSAI Calls] ERROR")
    assert report.subject.endswith("Internal Server Error: /boom")
    assert "drill: an unexpected error" in report.body


@pytest.mark.smtp
@pytest.mark.django_db
def test_a_mail_given_up_on_mails_the_admins(smtp_backend, settings):
    settings.ADMINS = [("Ops", "ops@example.org")]
    smtp_backend.refused.add("nobody@example.org")
    row = OutboxMessageFactory(to_email="nobody@example.org")

    assert deliver(outbox_id=row.pk).status == OutboxStatus.FAILED

    [report] = smtp_backend.messages
    assert report["To"] == "ops@example.org"
    assert report["Subject"].startswith("[AISSAI Calls] ERROR: Mail")
    assert "to nobody@example.org failed for good after 1 attempt(s)" in report["Subject"]


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_sentry_gets_events_only_when_sentry_dsn_is_set(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    capture = (
        "import django; django.setup(); import sentry_sdk; "
        "print(sentry_sdk.get_client().is_active()); "
        "sentry_sdk.capture_message('drill: sentry is on'); sentry_sdk.flush(5)"
    )
    try:
        off = run_python(capture, log_env(tmp_path))
        dsn = f"http://public@127.0.0.1:{server.server_port}/1"
        on = run_python(capture, log_env(tmp_path, SENTRY_DSN=dsn))
    finally:
        server.shutdown()

    assert off.stdout.split() == ["False"], off.stderr
    assert on.stdout.split() == ["True"], on.stderr
    [(where, body)] = _Collector.received
    assert where == "/api/1/envelope/"
    assert b"drill: sentry is on" in (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
