"""A real Celery worker process, and the broker plumbing around it, for tests of the
asynchronous path.

``start_celery_worker(env=..., broker_url=...)`` purges the queue, then starts
``celery -A aissai worker --pool=solo -Q default`` in a subprocess whose ``DATABASE_URL``
is the pytest-django test database and whose ``CELERY_BROKER_URL`` is the broker under
test, and waits until it is ready. Use it in tests marked ``celery_worker`` and
``django_db(transaction=True)``, so that what the test writes is committed and the worker
sees it. The worker is stopped (warm shutdown, then kill) before the database is flushed.

``publishing_broker(url)`` points this process's publishing side at another broker URL
(RabbitMQ, or ``broker_proxy``: a TCP proxy to the broker that a test stops and starts
to make the broker unreachable for the web side only).

Every test not marked ``celery_worker`` runs Celery tasks in process (eagerly), even
when a broker is configured, so the rest of the suite never publishes to a queue that
nobody consumes.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import pytest
from kombu import Connection, pools

from tests.plugins.mail import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
QUEUE = "default"


def celery_app():
    from aissai.celery import app

    return app


@pytest.fixture(autouse=True)
def _celery_in_process_unless_worker(request):
    app = celery_app()
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = not request.node.get_closest_marker("celery_worker")
    yield
    app.conf.task_always_eager = saved


def _forget_broker_connections(app) -> None:
    """Drop the pooled broker connections so the next publish connects afresh."""
    pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextmanager
def publishing_broker(url: str):
    """This process publishes tasks to ``url`` inside the block."""
    app = celery_app()
    # The write URL, because CELERY_BROKER_URL in the environment outranks broker_url.
    saved = app.conf.get("broker_write_url")
    app.conf["broker_write_url"] = url
    _forget_broker_connections(app)
    try:
        yield
    finally:
        app.conf["broker_write_url"] = saved
        _forget_broker_connections(app)


def purge_queue(broker_url: str) -> int:
    """Drop every message waiting in the worker queue of ``broker_url``."""
    app = celery_app()
    with Connection(broker_url, connect_timeout=5) as connection:
        return app.control.purge(connection=connection) or 0


def worker_database_url() -> str:
    """The URL of the database this test process uses (pytest-django's test_<name>)."""
    from django.db import connection

    conf = connection.settings_dict
    auth = quote(conf["USER"] or "", safe="")
    if conf["PASSWORD"]:
        auth += ":" + quote(conf["PASSWORD"], safe="")
    host = conf["HOST"] or "127.0.0.1"
    port = f":{conf['PORT']}" if conf["PORT"] else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(conf['NAME'])}"


@dataclass
class CeleryWorker:
    process: subprocess.Popen
    log_path: Path
    broker_url: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            if not self.alive:
                break
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"Celery worker did not start:\n{self.log()[-4000:]}")

    def stop(self, timeout: float = 15.0) -> None:
        """Warm shutdown (SIGTERM: the running task finishes), then kill if it hangs."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture
def start_celery_worker(transactional_db, tmp_path, settings, request):
    """Start real worker processes for this test; all are stopped at its end."""
    started: list[CeleryWorker] = []
    app = celery_app()

    def start(
        *, env: dict[str, str] | None = None, broker_url: str = "", timeout: float = 90.0
    ) -> CeleryWorker:
        broker_url = broker_url or settings.CELERY_BROKER_URL
        purge_queue(broker_url)
        log_path = tmp_path / f"celery-worker-{len(started)}.log"
        child_env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "DATABASE_POOL": "0",
            "CELERY_BROKER_URL": broker_url,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        command = [
            str(CELERY),
            "-A",
            "aissai",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            QUEUE,
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{uuid.uuid4().hex[:8]}@%h",
        ]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command, cwd=BASE_DIR, env=child_env, stdout=log, stderr=subprocess.STDOUT
            )
        worker = CeleryWorker(process=process, log_path=log_path, broker_url=broker_url)
        started.append(worker)
        worker.wait_ready(timeout)
        return worker

    assert not app.conf.task_always_eager, "mark the test with @pytest.mark.celery_worker"
    yield start
    for number, worker in enumerate(reversed(started)):
        worker.stop()
        # Shown with the test's report when it fails.
        request.node.add_report_section("teardown", f"celery worker {number}", worker.log())
    for url in {worker.broker_url for worker in started}:
        purge_queue(url)


class TCPProxy:
    """Forwards 127.0.0.1:<port> to a target; ``stop`` drops every connection and refuses
    new ones until ``start``, on the same port."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._accepting: threading.Thread | None = None

    def start(self) -> "TCPProxy":
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(32)
        self._server = server
        self._accepting = threading.Thread(target=self._accept, args=(server,), daemon=True)
        self._accepting.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            self._close(server)
        if self._accepting is not None:
            self._accepting.join(5)
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            self._close(sock)

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _address = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                self._close(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update({client, upstream})
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(sink)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def url_for(self, broker_url: str) -> str:
        """``broker_url`` with its host and port replaced by this proxy's."""
        parsed = urlparse(broker_url)
        netloc = parsed.netloc.rsplit("@", 1)
        address = f"127.0.0.1:{self.port}"
        netloc = f"{netloc[0]}@{address}" if len(netloc) == 2 else address
        return urlunparse(parsed._replace(netloc=netloc))


@pytest.fixture
def broker_proxy(settings):
    """A TCP proxy to the configured broker, started; ``.url`` is the broker URL through it."""
    parsed = urlparse(settings.CELERY_BROKER_URL)
    default_port = 5672 if parsed.scheme.startswith("amqp") else 6379
    proxy = TCPProxy(parsed.hostname or "127.0.0.1", parsed.port or default_port).start()
    proxy.url = proxy.url_for(settings.CELERY_BROKER_URL)
    yield proxy
    proxy.stop()
