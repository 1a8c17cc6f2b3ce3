"""The deployment files agree with the code: docker-compose.yml, Dockerfile, .env.example,
the README's configuration reference and the gunicorn settings.

No Docker engine runs here, so these tests read the files; the gunicorn test starts the
real web process with deploy/gunicorn.conf.py and runs the container health check on it.
"""

import ast
import json
import os
import re
import runpy
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
ENV_READERS = {"env", "env_bool", "env_int", "env_list"}


def settings_env_vars() -> set[str]:
    """Every NAME in env("NAME")/env_bool/env_int/env_list calls of the settings modules."""
    trees = [ast.parse(path.read_text()) for path in (ROOT / "aissai" / "settings").glob("*.py")]
    return {
        node.args[0].value
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ENV_READERS
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def env_example_vars() -> set[str]:
    """Names assigned in .env.example, set (NAME=) or shown commented out (# NAME=)."""
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def readme_table_vars() -> set[str]:
    """Names in the first column of the README's Markdown tables."""
    text = (ROOT / "README.md").read_text()
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", text, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def volume_targets(service: dict) -> dict[str, str]:
    """{named volume: mount path} of a service (short syntax)."""
    mounts = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        mounts[source] = target
    return mounts


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def healthcheck_text(service: dict) -> str:
    return " ".join(service["healthcheck"]["test"])


def test_settings_parser_finds_the_known_variables():
    found = settings_env_vars()

    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_HOST"} <= found
    assert len(found) >= 30


def test_every_settings_variable_is_in_env_example():
    missing = settings_env_vars() - env_example_vars()

    assert not missing, f".env.example lacks: {sorted(missing)}"


def test_every_settings_variable_is_in_the_readme_table():
    missing = settings_env_vars() - readme_table_vars()

    assert not missing, f"README configuration reference lacks: {sorted(missing)}"


def test_every_compose_variable_is_documented(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    # ${NAME} is read from .env by compose; $${NAME} is left to the container's shell.
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))

    assert used - env_example_vars() == set()
    assert used - readme_table_vars() == set()


def test_env_example_holds_no_real_secret():
    text = (ROOT / ".env.example").read_text()
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.MULTILINE))

    assert values["SECRET_KEY"].startswith("replace-with-")
    assert values["POSTGRES_PASSWORD"].startswith("replace-with-")
    assert values["EMAIL_HOST_PASSWORD"].startswith("replace-with-")


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()

    assert text.startswith(
        "# AISSAI Calls\n\n```sh\n"
        "make run    # installs, migrates, loads a demo call and serves http://127.0.0.1:8000\n"
        "make test   # the whole test suite\n```\n"
    )


def test_compose_has_every_production_service(services):
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"] == "postgres:${PG_MAJOR:-17}"


def test_data_services_have_health_checks(services):
    assert "pg_isready" in healthcheck_text(services["postgres"])
    assert "redis-cli ping" in healthcheck_text(services["redis"])
    assert "deploy/healthcheck.py" in healthcheck_text(services["web"])
    assert "inspect ping" in healthcheck_text(services["worker"])


def test_app_services_wait_for_healthy_services_and_migrations(services):
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert "migrate" in command_text(services["migrate"])
    assert services["migrate"]["restart"] == "no"


def test_web_runs_gunicorn_with_the_deploy_config(services):
    assert command_text(services["web"]) == "gunicorn --config deploy/gunicorn.conf.py"


def test_app_services_run_in_production_mode_with_real_services(services):
    for name in ("migrate", "web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["AISSAI_PRODUCTION"] == "1", name
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        direct = name == "migrate"  # migrations straight to PostgreSQL, the rest pooled
        host = "@postgres:5432/" if direct else "@pgbouncer:6432/"
        assert host in environment["DATABASE_URL"], name
        assert environment.get("DATABASE_PGBOUNCER") == (None if direct else "1"), name
        assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0", name
        assert services[name]["env_file"] == ".env", name


def test_worker_does_not_embed_beat(services):
    command = command_text(services["worker"]).split()

    assert command[:4] == ["celery", "-A", "aissai", "worker"]
    assert "-B" not in command and "--beat" not in command


def test_exactly_one_beat_with_its_schedule_on_a_volume(services):
    beat = services["beat"]
    command = command_text(beat).split()

    assert command[:4] == ["celery", "-A", "aissai", "beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert beat.get("scale", 1) == 1
    schedule = beat["environment"]["CELERY_BEAT_SCHEDULE_FILENAME"]
    assert Path(schedule).parent.as_posix() in volume_targets(beat).values()
    assert "--schedule" not in command  # one place says where: the variable


def test_migrate_service_loads_the_reference_data_after_the_migrations(services):
    command = command_text(services["migrate"])

    assert command.index("migrate --no-input") < command.index("load_reference_data")
    assert "&&" in command  # no reference data on a half-migrated database


def test_web_and_worker_share_the_uploads_volume(compose, services):
    web, worker = volume_targets(services["web"]), volume_targets(services["worker"])
    media_root = services["web"]["environment"]["AISSAI_MEDIA_ROOT"]

    assert web["uploads"] == worker["uploads"] == media_root
    assert services["worker"]["environment"]["AISSAI_MEDIA_ROOT"] == media_root
    assert "uploads" in compose["volumes"]
    assert volume_targets(services["postgres"])["pgdata"] == "/var/lib/postgresql/data"


def test_web_port_is_published_on_the_loopback_only(services):
    assert all(port.startswith("127.0.0.1:") for port in services["web"]["ports"])


def test_dockerfile_builds_assets_from_npm_and_runs_as_a_user():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)", text, flags=re.MULTILINE)

    assert [image.split(":")[0] for image, _ in stages] == ["node", "python", "python"]
    assert stages[1][0] == stages[2][0] == "python:3.11-slim-trixie"
    assert "RUN npm ci" in text
    fetches = re.search(r"\b(curl|wget)\b|^ADD\s+https?://|<script[^>]+https?://", text, re.M)
    assert not fetches, "the image fetches nothing by URL (no CDN)"
    assert "pip install --require-hashes -r /tmp/requirements.lock" in text
    assert "collectstatic --no-input" in text and "compilemessages" in text
    assert re.search(r"^USER app$", text, flags=re.MULTILINE)
    assert "AISSAI_MEDIA_ROOT=/data/uploads" in text
    assert 'CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py"]' in text


def test_dockerfile_copies_every_node_modules_folder_the_settings_read():
    text = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY --from=assets /assets/(node_modules/\S+) ", text, re.MULTILINE))
    needed = {
        Path(entry[1]).relative_to(settings.BASE_DIR).as_posix()
        for entry in settings.STATICFILES_DIRS
        if isinstance(entry, tuple) and "node_modules" in str(entry[1])
    }

    assert needed
    assert needed <= copied


def test_collectstatic_of_the_image_build_step_succeeds(tmp_path):
    """The Dockerfile's build step: production settings, throw-away values, hashed files."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AISSAI_PRODUCTION": "1",
        "AISSAI_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "build-only-not-a-secret-build-only-not-a-secret-build-only",
        "ALLOWED_HOSTS": "build.invalid",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'build-only.sqlite3'}",
        "CELERY_BROKER_URL": "redis://build.invalid:6379/0",
        "EMAIL_HOST": "build.invalid",
        "SITE_URL": "https://build.invalid",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    for asset in (
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
        "vendor/sortablejs/Sortable.min.js",
    ):
        assert (tmp_path / "static" / manifest[asset]).is_file(), asset
    assert not (tmp_path / "build-only.sqlite3").exists(), "the build step opened a database"


def test_dockerignore_keeps_secrets_and_local_state_out():
    lines = set((ROOT / ".dockerignore").read_text().split())

    assert {".env", ".git", ".venv", "node_modules", "var"} <= lines


def test_gunicorn_config_reads_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("PORT", "9000")
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))

    assert config["workers"] == 5
    assert config["timeout"] == 45
    assert config["bind"] == ["127.0.0.1:9000"]
    assert config["accesslog"] == "-"
    assert config["errorlog"] == "-"
    assert config["preload_app"] is False
    assert config["wsgi_app"] == "aissai.wsgi:application"


def test_gunicorn_binds_the_loopback_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("GUNICORN_HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["bind"] == ["127.0.0.1:8000"]

    monkeypatch.setenv("GUNICORN_HOST", "0.0.0.0")  # noqa: S104 - what the image sets
    assert runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["bind"] == ["0.0.0.0:8000"]


def test_image_listens_on_every_interface_of_its_container():
    assert "GUNICORN_HOST=0.0.0.0" in (ROOT / "Dockerfile").read_text()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_healthz_and_the_container_health_check_passes(tmp_path):
    port = str(free_port())
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AISSAI_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "calls.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'health.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_HOST": "smtp.example.org",
        "SITE_URL": "https://calls.example.org",
        "AISSAI_VAR_DIR": str(tmp_path),
        "GUNICORN_HOST": "127.0.0.1",
        "PORT": port,
        "WEB_CONCURRENCY": "1",
    }
    (tmp_path / "static").mkdir()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        check = [sys.executable, "deploy/healthcheck.py"]
        deadline = time.monotonic() + 30
        result = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)
        while result.returncode != 0 and time.monotonic() < deadline:
            assert server.poll() is None, "gunicorn exited before answering"
            time.sleep(0.3)
            result = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        # Plain http, no proxy header, any host: /healthz still answers its JSON.
        plain = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz", headers={"Host": "10.0.0.7"}
        )
        with urllib.request.build_opener(NoRedirect).open(plain, timeout=5) as answer:
            assert (answer.status, json.loads(answer.read())) == (
                200,
                {"status": "ok", "database": "ok"},
            )
        # Every other page still gets the production HTTPS redirect.
        home = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"Host": "calls.example.org"}
        )
        with pytest.raises(urllib.error.HTTPError) as redirect:
            urllib.request.build_opener(NoRedirect).open(home, timeout=5)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == "https://calls.example.org/"
        # The database gone: 503 with a JSON body, and the check fails saying so.
        (tmp_path / "health.sqlite3").unlink()
        (tmp_path / "health.sqlite3").mkdir()
        down = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)
        assert down.returncode == 1
        assert "healthcheck: /healthz answered 503" in down.stderr
        assert '"status": "unavailable"' in down.stderr
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert '"GET /healthz HTTP/1.1" 200' in output


def lock_pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", text, flags=re.MULTILINE))


def test_server_lock_holds_runtime_packages_only_each_with_a_hash():
    text = (ROOT / "requirements.lock").read_text()
    pins = lock_pins("requirements.lock")

    assert {"django", "gunicorn", "celery", "psycopg"} <= set(pins)
    assert not {"pytest", "playwright", "hypothesis", "ruff", "pip-audit"} & set(pins)
    blocks = re.split(r"\n(?=[a-z0-9])", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)


def test_development_lock_has_every_runtime_pin_at_the_same_version_plus_the_tools():
    runtime, development = lock_pins("requirements.lock"), lock_pins("requirements-dev.lock")

    assert {name: development.get(name) for name in runtime} == runtime
    assert {"pytest", "playwright", "hypothesis", "ruff", "pip-audit"} <= set(development)
    assert "--hash=sha256:" in (ROOT / "requirements-dev.lock").read_text()


def test_makefile_installs_the_development_lock_and_production_the_runtime_one():
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()

    assert "pip install --quiet --require-hashes -r requirements-dev.lock" in makefile
    assert "pip install --require-hashes -r requirements.lock" in readme
    assert "npm ci --omit=dev" in readme
    messages = re.search(r"compilemessages (--ignore=\S+ ?)+", makefile).group(0)
    assert messages in readme


def test_image_postgresql_client_matches_the_postgres_service_and_backs_up_to_a_volume(
    compose, services
):
    dockerfile = (ROOT / "Dockerfile").read_text()
    default_major = re.search(r"^ARG PG_MAJOR=(\d+)$", dockerfile, re.MULTILINE).group(1)

    variable = "${PG_MAJOR:-" + default_major + "}"
    assert services["postgres"]["image"] == f"postgres:{variable}"
    assert compose["x-app"]["build"]["args"]["PG_MAJOR"] == variable
    assert '"postgresql-client-${PG_MAJOR}"' in dockerfile
    assert "BACKUP_DIR=/data/backups" in dockerfile
    assert re.search(r"chown app:app [^\n]*/data/backups", dockerfile)
    tools = services["tools"]
    assert volume_targets(tools) == {"uploads": "/data/uploads", "backups": "/data/backups"}
    assert tools["profiles"] == ["tools"]  # never started by a plain `up`
    assert "migrate" not in tools.get("depends_on", {})  # a restore needs an empty database


def nginx_site() -> str:
    return (ROOT / "deploy" / "nginx.conf").read_text()


def test_nginx_body_limit_matches_the_application_and_sets_the_forwarded_headers():
    site = nginx_site()
    limit = re.search(r"client_max_body_size (\d+)m;", site).group(1)

    assert int(limit) * 1024 * 1024 == settings.AISSAI_MAX_REQUEST_BYTES
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    # Appended: the app takes the client AISSAI_PROXY_COUNT hops from the right.
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header Host $host;" in site
    assert "non_idempotent" not in site  # a POST is never sent to a second web server
    assert "location /static/" in site and "/private-files" not in site


@pytest.mark.skipif(not Path("/usr/sbin/nginx").exists(), reason="needs nginx")
def test_nginx_accepts_the_configuration(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=calls.example.org", "-keyout", str(tmp_path / "key.pem")]
        + ["-out", str(tmp_path / "cert.pem")],
        check=True,
        capture_output=True,
    )
    site = (
        nginx_site()
        .replace(
            "/etc/letsencrypt/live/calls.example.org/fullchain.pem", str(tmp_path / "cert.pem")
        )
        .replace("/etc/letsencrypt/live/calls.example.org/privkey.pem", str(tmp_path / "key.pem"))
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n"
        f"  include {tmp_path}/site.conf;\n}}\n"
    )

    check = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )

    assert check.returncode == 0, check.stderr
    assert "syntax is ok" in check.stderr


def test_compose_scales_web_and_workers_through_pgbouncer_in_transaction_mode(services):
    bouncer = services["pgbouncer"]["environment"]

    assert bouncer["POOL_MODE"] == "transaction"
    assert bouncer["DB_HOST"] == "postgres"
    assert services["web"]["deploy"]["replicas"] == "${WEB_REPLICAS:-2}"
    assert services["worker"]["deploy"]["replicas"] == "${WORKER_REPLICAS:-2}"
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("web", "worker", "beat"):
        assert "CACHE_URL" in services[name]["environment"], name  # the beat lock, sessions
        assert services[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy"
