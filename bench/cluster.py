"""The several-server layout of the README ("Running on several servers") on one machine,
for the scale-out drill (tests/reliability/test_scale_out.py) and ``make bench-scaleout``:

- nginx in front, with the site of ``deploy/nginx.conf`` itself (only the ports, the
  upstream servers, the certificate and the static folder are replaced), TLS with a
  self-signed certificate made for the run;
- web instances (gunicorn, ``deploy/gunicorn.conf.py``), each with its OWN data folder
  (``AISSAI_VAR_DIR``, ``AISSAI_MEDIA_ROOT``), as on separate hosts;
- Celery workers, each with its own data folder too, on one Redis;
- PgBouncer in transaction mode in front of PostgreSQL (``DATABASE_PGBOUNCER=1``);
- uploads in an S3-compatible bucket served by moto in standalone mode. moto is an
  EMULATOR of the S3 API, run locally; it is not Amazon S3 nor any provider's service;
- an SMTP sink (``bench/smtp_sink.py``) that records every mail it receives.

Everything listens on free ports of 127.0.0.1. Every process is started by us and
stopped when the ``Cluster`` context ends, whatever happened inside it (``Services``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from .common import ROOT
from .services import Process, Services, _wait, free_port

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
PGBOUNCER = os.environ.get("PGBOUNCER", "/usr/sbin/pgbouncer")
BUCKET = "aissai-uploads"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator"}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def missing_tools() -> list[str]:
    """The programs the cluster needs that this machine lacks (apt: nginx, pgbouncer)."""
    found = []
    for path in (NGINX, PGBOUNCER):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            found.append(path)
    if shutil.which("openssl") is None:
        found.append("openssl")
    return found


def render_nginx_site(
    site: str,
    *,
    upstreams: list[int],
    http_port: int,
    https_port: int,
    cert: Path,
    key: Path,
    static: Path,
) -> str:
    """``deploy/nginx.conf`` with this machine's ports, web servers, certificate and
    static folder; every other line (limits, headers, timeouts, retries) as deployed."""
    servers = "".join(
        f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in upstreams
    )
    text, count = re.subn(r"(?m)^\s*#?\s*server 127\.0\.0\.1:8000[^\n]*\n", "", site)
    text, count_ = re.subn(r"(?m)^\s*# server 10\.[^\n]*\n", "", text)
    text, upstream = re.subn(r"(upstream aissai_web \{\n(?:\s*#[^\n]*\n)*)", r"\1" + servers, text)
    text, plain = re.subn(r"(?m)^(\s*)listen 80;", rf"\1listen 127.0.0.1:{http_port};", text)
    text, tls = re.subn(r"(?m)^(\s*)listen 443 ssl", rf"\1listen 127.0.0.1:{https_port} ssl", text)
    text = re.sub(r"(?m)^\s*listen \[::\]:\d+[^\n]*\n", "", text)
    text = text.replace("/etc/letsencrypt/live/calls.example.org/fullchain.pem", str(cert))
    text = text.replace("/etc/letsencrypt/live/calls.example.org/privkey.pem", str(key))
    text, alias = re.subn(r"alias /srv/aissai/var/static/;", f"alias {static}/;", text)
    if (count, upstream, plain, tls, alias) != (1, 1, 1, 1, 1) or count_ > 1:
        raise RuntimeError("deploy/nginx.conf changed shape: update bench/cluster.py")
    return text


@dataclass
class Cluster:
    """Start with ``with Cluster(...) as cluster: cluster.start()``."""

    database_url: str  # PostgreSQL itself; the application reaches it through PgBouncer
    broker_url: str
    run_id: str = field(default_factory=lambda: time.strftime("%Y%m%d-%H%M%S"))
    web_instances: int = 2
    web_workers: int = 2  # gunicorn sync workers per instance
    worker_instances: int = 2
    worker_concurrency: int = 1
    pool_size: int = 10  # PgBouncer's server connections to PostgreSQL
    web_pool_max: int = 2  # each gunicorn worker's own pool (to PgBouncer)
    nginx_workers: int = 1
    s3_buffer_bytes: int = 0  # moto keeps larger objects in temporary files (0: default)
    keep_logs: Path | None = None  # copy the logs there before the folder goes
    settle: bool = True  # wait for every gunicorn worker before the load (benchmarks)
    folder: Path = field(init=False)
    services: Services = field(init=False)
    s3_endpoint: str = ""
    bouncer_port: int = 0
    https_port: int = 0
    http_port: int = 0
    webs: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    start_times: dict[str, float] = field(default_factory=dict)  # seconds each part took

    def __post_init__(self) -> None:
        # Readable by the unprivileged users pgbouncer and nginx's workers switch to.
        self.folder = Path(tempfile.mkdtemp(prefix=f"aissai-cluster-{self.run_id}-"))
        self.folder.chmod(0o755)
        self.services = Services(
            database_url="",  # set once PgBouncer listens
            broker_url=self.broker_url,
            run_id=self.run_id,
            log_dir=self.folder / "logs",
        )

    def __enter__(self) -> Cluster:
        self.services.__enter__()
        return self

    def __exit__(self, *exc) -> bool:
        try:
            self.services.__exit__(*exc)
        finally:
            if self.keep_logs is not None:
                self.keep_logs.mkdir(parents=True, exist_ok=True)
                for log in [*self.folder.glob("logs/*"), *self.folder.glob("nginx/*.log")]:
                    with suppress(OSError):
                        shutil.copy(log, self.keep_logs / f"{log.parent.name}-{log.name}")
            shutil.rmtree(self.folder, ignore_errors=True)
        return False

    # --- what the application's processes share ---------------------------------------

    @property
    def bouncer_url(self) -> str:
        user = (self.database_url.split("://", 1)[1].split("@", 1)[0]) or "postgres"
        name = self.database_url.rsplit("/", 1)[-1]
        return f"postgres://{user}@127.0.0.1:{self.bouncer_port}/{name}"

    @property
    def base_url(self) -> str:
        """The public address: nginx over TLS."""
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def web_urls(self) -> list[str]:
        """Each web instance directly (plain http on the loopback, as behind a proxy)."""
        return [f"http://127.0.0.1:{p.port}" for p in self.webs]

    @property
    def certificate(self) -> str:
        return str(self.folder / "tls" / "cert.pem")

    def storage_env(self) -> dict[str, str]:
        return {
            "AISSAI_STORAGE": "s3",
            "AISSAI_S3_BUCKET": BUCKET,
            "AISSAI_S3_ENDPOINT_URL": self.s3_endpoint,
            "AISSAI_S3_REGION": "us-east-1",
            "AISSAI_S3_ACCESS_KEY_ID": S3_KEYS["AWS_ACCESS_KEY_ID"],
            "AISSAI_S3_SECRET_ACCESS_KEY": S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        }

    def storage_options(self) -> dict:
        """The STORAGES["default"] the settings make from ``storage_env`` (for a test
        process whose settings were read before the emulator started)."""
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": self.s3_endpoint,
                "region_name": "us-east-1",
                "access_key": S3_KEYS["AWS_ACCESS_KEY_ID"],
                "secret_key": S3_KEYS["AWS_SECRET_ACCESS_KEY"],
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 60,
            },
        }

    def s3_client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        )

    def data_folder(self, name: str) -> dict[str, str]:
        """A process's own data folder, as on a host of its own."""
        var = self.folder / name
        (var / "uploads").mkdir(parents=True, exist_ok=True)
        return {"AISSAI_VAR_DIR": str(var), "AISSAI_MEDIA_ROOT": str(var / "uploads")}

    def local_files(self) -> list[Path]:
        """Uploaded files any process left in its own data folder (there should be none:
        uploads go to the bucket; files in flight are removed when the request ends)."""
        return [
            path
            for name in self.instance_names
            for path in (self.folder / name / "uploads").rglob("*")
            if path.is_file()
        ]

    @property
    def instance_names(self) -> list[str]:
        return [p.name for p in (*self.webs, *self.workers)]

    # --- start ---------------------------------------------------------------------

    def start_storage(self) -> Process:
        """moto's S3 emulator (standalone server) and the bucket."""
        port = free_port()
        spool = self.folder / "s3-spool"
        spool.mkdir()
        env = {**os.environ, **S3_KEYS, "TMPDIR": str(spool), "PYTHONUNBUFFERED": "1"}
        if self.s3_buffer_bytes:
            env["MOTO_S3_DEFAULT_KEY_BUFFER_SIZE"] = str(self.s3_buffer_bytes)
        process = self.services._start(
            "s3-emulator",
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env,
        )
        process.port = port
        self.s3_endpoint = f"http://127.0.0.1:{port}"
        _wait(lambda: _answers(self.s3_endpoint), process, 30, "moto S3 emulator")
        self.s3_client().create_bucket(Bucket=BUCKET)
        return process

    def start_pgbouncer(self) -> Process:
        """PgBouncer in transaction mode, as docker-compose runs it."""
        self.bouncer_port = free_port()
        config = self.folder / "pgbouncer"
        config.mkdir()
        (config / "userlist.txt").write_text('"postgres" ""\n')
        host = re.search(r"@([^:/]+)(?::(\d+))?/", self.database_url)
        (config / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={host.group(1)} port={host.group(2) or 5432}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.bouncer_port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {config / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\n"
            "max_client_conn = 1000\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            "server_reset_query =\n"
            "log_connections = 0\n"
            "log_disconnections = 0\n"
            "admin_users = postgres\n"
        )
        for path in (config, *config.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
        command = [PGBOUNCER, str(config / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            command[1:1] = ["-u", "postgres"]
        process = self.services._start("pgbouncer", command, {**os.environ})
        process.port = self.bouncer_port
        _wait(lambda: _port_open(self.bouncer_port), process, 20, "PgBouncer")
        self.services.database_url = self.bouncer_url
        return process

    def start_sink(self) -> Process:
        return self.services.start_sink()

    def application_env(self) -> dict[str, str]:
        """What every web and worker process shares (on top of ``Services.env``)."""
        return {
            **self.storage_env(),
            "DATABASE_PGBOUNCER": "1",
            "CACHE_URL": self.broker_url,  # sessions' cache, the beat lock: shared Redis
            "SITE_URL": self.base_url,
            "CSRF_TRUSTED_ORIGINS": self.base_url,
            "AISSAI_TRUSTED_PROXIES": "127.0.0.1",
        }

    def start_workers(self) -> list[Process]:
        self.services.purge_queue()
        self.services.extra_env = self.application_env()

        def start(name: str) -> Process:
            return self.services.start_worker(
                concurrency=self.worker_concurrency, name=name, env=self.data_folder(name)
            )

        self.workers = _in_parallel(
            start, [f"worker-{LETTERS[n]}" for n in range(self.worker_instances)]
        )
        return self.workers

    def start_webs(self) -> list[Process]:
        self.services.extra_env = self.application_env()

        def start(name: str) -> Process:
            env = {
                **self.data_folder(name),
                "DATABASE_POOL_MAX": str(self.web_pool_max),
                "SITE_URL": self.base_url,
            }
            return self.services.start_web(
                workers=self.web_workers, name=name, env=env, settle=self.settle
            )

        self.webs = _in_parallel(start, [f"web-{LETTERS[n]}" for n in range(self.web_instances)])
        return self.webs

    def start_nginx(self) -> Process:
        tls = self.folder / "tls"
        tls.mkdir()
        subprocess.run(  # noqa: S603 - fixed tool
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
            + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
            + ["-keyout", str(tls / "key.pem"), "-out", str(tls / "cert.pem")],
            check=True,
            capture_output=True,
        )
        static = self.folder / "static"
        static.mkdir()
        if not self.https_port:
            self.http_port, self.https_port = free_port(), free_port()
        site = render_nginx_site(
            (ROOT / "deploy" / "nginx.conf").read_text(),
            upstreams=[p.port for p in self.webs],
            http_port=self.http_port,
            https_port=self.https_port,
            cert=tls / "cert.pem",
            key=tls / "key.pem",
            static=static,
        )
        home = self.folder / "nginx"
        home.mkdir()
        home.chmod(0o777)  # its workers run as an unprivileged user when we are root
        (home / "site.conf").write_text(site)
        temp = "\n".join(
            f"  {kind}_temp_path {home}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (home / "nginx.conf").write_text(
            f"daemon off;\nworker_processes {self.nginx_workers};\npid {home}/nginx.pid;\n"
            f"error_log {home}/error.log warn;\nevents {{ worker_connections 2048; }}\n"
            "http {\n  include /etc/nginx/mime.types;\n"
            "  log_format upstreams '$request_method $uri $status $request_time '\n"
            "                       '$upstream_addr $upstream_response_time';\n"
            f"  access_log {home}/access.log upstreams;\n{temp}\n"
            f"  include {home}/site.conf;\n}}\n"
        )
        process = self.services._start(
            "nginx", [NGINX, "-c", str(home / "nginx.conf"), "-p", str(home)], {**os.environ}
        )
        process.port = self.https_port
        _wait(lambda: _answers(f"http://127.0.0.1:{self.http_port}/healthz"), process, 20, "nginx")
        return process

    def start(self) -> Cluster:
        """Everything, in the order each part needs the previous ones."""
        if not self.s3_endpoint:
            self.timed("S3 emulator", self.start_storage)
        self.timed("PgBouncer", self.start_pgbouncer)
        self.timed("SMTP sink", self.start_sink)
        # The public address (SITE_URL, the trusted origin) is known before nginx starts.
        self.http_port, self.https_port = free_port(), free_port()
        self.timed("Celery workers", self.start_workers)
        self.timed("web instances", self.start_webs)
        self.timed("nginx", self.start_nginx)
        return self

    def timed(self, what: str, start) -> None:
        began = time.monotonic()
        start()
        self.start_times[what] = time.monotonic() - began

    # --- figures -------------------------------------------------------------------

    def upstream_counts(self) -> dict[str, int]:
        """Requests nginx passed to each web instance (from its access log)."""
        counts: dict[str, int] = {}
        log = self.folder / "nginx" / "access.log"
        if not log.exists():
            return counts
        names = {f"127.0.0.1:{p.port}": p.name for p in self.webs}
        for line in log.read_text(errors="replace").splitlines():
            for address in line.split()[4:5]:
                for one in address.split(","):
                    name = names.get(one.strip(), one.strip())
                    counts[name] = counts.get(name, 0) + 1
        return counts

    def tracebacks(self) -> dict[str, int]:
        return {
            p.name: p.text().count("Traceback")
            for p in self.services.processes
            if p.name not in ("smtp-sink", "s3-emulator")
        }


def _in_parallel(start, names: list[str]) -> list[Process]:
    """Start several instances at once (each waits until it answers); in name order."""
    with ThreadPoolExecutor(max_workers=len(names) or 1) as pool:
        return list(pool.map(start, names))


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - 127.0.0.1
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


def _port_open(port: int) -> bool:
    import socket

    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False
