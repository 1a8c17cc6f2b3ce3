"""Drill: PostgreSQL restarts under a running web process with its connection pool.

gunicorn serves from a private PostgreSQL cluster (tests/plugins/private_postgres.py)
with the production connection pool. The server is restarted (``pg_ctl restart -m
fast``: every connection is cut). The pool checks each connection as it hands it out
(``ConnectionPool.check_connection``), so the very next requests are answered from
fresh connections: no 503 from a dead pooled connection.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.plugins.mail import free_port
from tests.plugins.private_postgres import PrivatePostgres, postgres_bin
from tests.plugins.worker import BASE_DIR

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.timeout(180),
    pytest.mark.skipif(postgres_bin() is None, reason="needs PostgreSQL's server binaries"),
]

REQUESTS_AFTER_RESTART = 10


@pytest.fixture
def private_postgres():
    server = PrivatePostgres().start()
    yield server
    server.stop()


def health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_requests_after_a_postgresql_restart_succeed(private_postgres, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": private_postgres.url,
        "DATABASE_POOL": "1",
        "DATABASE_POOL_MIN": "2",
        "AISSAI_VAR_DIR": str(tmp_path),
        "GUNICORN_HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    log = (tmp_path / "web.log").open("wb")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert health(port) == (200, {"status": "ok", "database": "ok"})
                break
            except (OSError, AssertionError):
                assert web.poll() is None and time.monotonic() < deadline, "gunicorn not up"
                time.sleep(0.3)
        for _ in range(3):  # the pool now holds open connections
            assert health(port)[0] == 200

        private_postgres.restart()
        statuses = [health(port)[0] for _ in range(REQUESTS_AFTER_RESTART)]
    finally:
        web.terminate()
        web.wait(timeout=30)
        log.close()

    assert statuses == [200] * REQUESTS_AFTER_RESTART, (tmp_path / "web.log").read_text()[-3000:]
