"""Processes the load benchmarks start and always stop: an SMTP sink, a Celery worker and
gunicorn, all on 127.0.0.1, each with its log under ``var/bench/``.

Every process is started by us, remembered, and stopped (SIGTERM, then SIGKILL after a
grace period) when the ``Services`` context ends, whatever happened inside it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from .common import ROOT

BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "var" / "bench"
DEFAULT_BROKER = "redis://127.0.0.1:6379/9"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    port: int = 0

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace: float = 20.0) -> None:
        if not self.alive:
            return
        with suppress(ProcessLookupError):
            self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                self.popen.kill()
            self.popen.wait(5)


@dataclass
class Services:
    """Start what a benchmark needs; everything started is stopped on exit."""

    database_url: str
    broker_url: str = DEFAULT_BROKER
    run_id: str = field(default_factory=lambda: time.strftime("%Y%m%d-%H%M%S"))
    processes: list[Process] = field(default_factory=list)
    smtp_port: int = 0
    sink_file: Path | None = None
    web_port: int = 0
    log_dir: Path = LOG_DIR
    # Added to (and overriding) the environment of every process of the application.
    extra_env: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> Services:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> bool:
        for process in reversed(self.processes):
            process.stop()
        return False

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of the app's processes: PostgreSQL, Redis, the sink."""
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": "10",
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "AISSAI_MEDIA_ROOT": os.environ.get("AISSAI_MEDIA_ROOT", str(LOG_DIR / "uploads")),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
            **extra,
        }

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> Process:
        log = self.log_dir / f"{self.run_id}-{name}.log"
        with open(log, "wb") as handle:
            popen = subprocess.Popen(  # noqa: S603 - our own commands, no shell
                command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
            )
        process = Process(name=name, popen=popen, log=log)
        self.processes.append(process)
        return process

    def start_sink(self, *, max_seconds: int = 1800) -> Process:
        self.smtp_port = free_port()
        self.sink_file = self.log_dir / f"{self.run_id}-sink.jsonl"
        process = self._start(
            "smtp-sink",
            [
                sys.executable,
                "-m",
                "bench.smtp_sink",
                f"--port={self.smtp_port}",
                f"--out={self.sink_file}",
                f"--max-seconds={max_seconds}",
            ],
            {**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        _wait(lambda: "listening" in process.text(), process, 15, "SMTP sink")
        return process

    def sink_messages(self) -> list[dict]:
        if self.sink_file is None or not self.sink_file.exists():
            return []
        with open(self.sink_file, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def purge_queue(self) -> int:
        """Drop what an earlier, interrupted run left in the benchmark's queue."""
        from kombu import Connection

        from aissai.celery import app

        with Connection(self.broker_url, connect_timeout=5) as connection:
            return app.control.purge(connection=connection) or 0

    def start_worker(
        self, *, concurrency: int = 2, name: str = "celery-worker", env: dict | None = None
    ) -> Process:
        hostname = f"bench-{self.run_id}-{name}"
        process = self._start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "aissai",
                "worker",
                "-Q",
                "default",
                f"--concurrency={concurrency}",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{hostname}@%h",
            ],
            self.env(**{"DATABASE_POOL": "0", "LOG_LEVEL": "WARNING", **(env or {})}),
        )
        # "ready" is logged at INFO level only; ask the worker itself instead.
        _wait(lambda: self._worker_answers(hostname), process, 60, "Celery worker")
        return process

    def _worker_answers(self, hostname: str) -> bool:
        """The worker answers a ping over the broker (this process must use the same
        broker: the benchmarks set ``CELERY_BROKER_URL`` before Django starts)."""
        from aissai.celery import app

        replies = app.control.ping(timeout=1.0) or []
        return any(name.startswith(f"{hostname}@") for r in replies for name in r)

    def start_web(
        self,
        *,
        workers: int = 4,
        name: str = "gunicorn",
        env: dict | None = None,
        settle: bool = True,
        config: str = "deploy/gunicorn.conf.py",
    ) -> Process:
        """gunicorn with ``workers`` processes; ``env`` overrides its environment and
        ``config`` names its settings file (``bench/gunicorn_bench.py`` adds profiling)."""
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        process = self._start(
            name,
            [str(BIN / "gunicorn"), "--config", config],
            self.env(
                **{
                    "GUNICORN_HOST": "127.0.0.1",
                    "PORT": str(port),
                    "WEB_CONCURRENCY": str(workers),
                    "GUNICORN_LOG_LEVEL": "warning",
                    "GUNICORN_MAX_REQUESTS": "0",
                    "DATABASE_POOL": "1",
                    "DATABASE_POOL_MAX": "4",
                    "SITE_URL": base_url,
                    **(env or {}),
                }
            ),
        )
        process.port = self.web_port = port
        started = time.monotonic()
        _wait(lambda: _http_ok(f"{base_url}/healthz"), process, 90, name)
        # Workers boot in parallel after the fork; the first answer says one is up. Give
        # the others as long again (unless told not to wait), then warm every worker's
        # templates with a few pages.
        if settle:
            time.sleep(time.monotonic() - started)
        for _ in range(3 * workers):
            for path in ("/healthz", "/accounts/login/", "/"):
                _http_ok(f"{base_url}{path}")
        return process

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
            return response.status == 200
    except OSError:
        return False


def _wait(check, process: Process, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if not process.alive:
            break
        time.sleep(0.3)
    process.stop()
    raise RuntimeError(f"{what} did not start:\n{process.text()[-3000:]}")
