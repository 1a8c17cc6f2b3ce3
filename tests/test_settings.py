"""Settings read from the environment: the embedded defaults and the production mode.

Each test runs Python in a subprocess with a controlled environment, so the settings
module is read fresh, exactly as a server process would read it.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent

SHOW_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "pool": db.get("OPTIONS", {}).get("pool"),
    "conn_max_age": db.get("CONN_MAX_AGE"),
    "health_checks": db.get("CONN_HEALTH_CHECKS"),
    "server_side_cursors_off": db.get("DISABLE_SERVER_SIDE_CURSORS", False),
    "prepare_threshold": db.get("OPTIONS", {}).get("prepare_threshold", "default"),
    "debug": settings.DEBUG,
    "production": settings.PRODUCTION,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "email_backend": settings.EMAIL_BACKEND,
    "dev_mailbox": settings.DEV_MAILBOX,
    "session_cookie_secure": getattr(settings, "SESSION_COOKIE_SECURE", False),
    "csrf_cookie_secure": getattr(settings, "CSRF_COOKIE_SECURE", False),
    "hsts_seconds": getattr(settings, "SECURE_HSTS_SECONDS", 0),
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "second_factor": settings.AISSAI_REQUIRE_SECOND_FACTOR,
}))
"""


def clean_env(**values: str) -> dict[str, str]:
    """Only what a process needs to start, plus the given variables."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "aissai.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(values)
    return env


def production_env(**overrides: str) -> dict[str, str]:
    values = {
        "AISSAI_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "calls.example.org",
        "DATABASE_URL": "postgres://aissai:pw@127.0.0.1:5432/aissai",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_HOST": "smtp.example.org",
        "SITE_URL": "https://calls.example.org",
    }
    values.update(overrides)
    return clean_env(**{key: value for key, value in values.items() if value is not None})


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_settings(env: dict[str, str]) -> dict:
    result = run_python(SHOW_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "database_url",
    ["postgres://aissai:pw@127.0.0.1:5432/aissai", "sqlite:////tmp/aissai-check.sqlite3"],
    ids=["postgres", "sqlite"],
)
def test_check_deploy_is_clean_in_production_mode(database_url):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(DATABASE_URL=database_url),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set when AISSAI_PRODUCTION is on."),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set when AISSAI_PRODUCTION is on."),
        ("DATABASE_URL", "DATABASE_URL must be set when AISSAI_PRODUCTION is on."),
        ("CELERY_BROKER_URL", "CELERY_BROKER_URL must be set when AISSAI_PRODUCTION is on."),
        ("EMAIL_HOST", "EMAIL_HOST must be set when AISSAI_PRODUCTION is on."),
        (
            "SITE_URL",
            "SITE_URL must be set to the public https:// address when AISSAI_PRODUCTION is on.",
        ),
    ],
)
def test_production_refuses_to_start_without_required_variable(missing, message):
    result = run_manage("check", env=production_env(**{missing: None}))

    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {message}" in result.stderr


def test_production_refuses_an_empty_secret_key():
    result = run_manage("check", env=production_env(SECRET_KEY=""))

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr


def test_second_factor_is_required_in_production_and_not_in_the_embedded_mode():
    assert read_settings(production_env())["second_factor"] is True
    assert read_settings(clean_env())["second_factor"] is False
    off = production_env(AISSAI_REQUIRE_SECOND_FACTOR="0")
    assert read_settings(off)["second_factor"] is False


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start():
    result = run_manage("check", env=production_env(AISSAI_TRUSTED_PROXIES="nginx.local"))

    assert result.returncode != 0
    assert "ImproperlyConfigured: AISSAI_TRUSTED_PROXIES:" in result.stderr


def test_embedded_defaults_when_nothing_is_set():
    values = read_settings(clean_env())

    assert values["production"] is False
    assert values["debug"] is True
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["pool"] is None
    assert values["eager"] is True
    assert values["broker"] == ""
    assert values["email_backend"] == "aissai.notifications.backends.DevMailboxBackend"
    assert values["dev_mailbox"] is True
    assert values["allowed_hosts"] == ["127.0.0.1", "localhost", "testserver"]
    assert values["session_cookie_secure"] is False
    assert values["ssl_redirect"] is False


def test_production_mode_turns_debug_off_and_cookies_secure():
    values = read_settings(production_env())

    assert values["production"] is True
    assert values["debug"] is False
    assert values["allowed_hosts"] == ["calls.example.org"]
    assert values["session_cookie_secure"] is True
    assert values["csrf_cookie_secure"] is True
    assert values["ssl_redirect"] is True
    assert values["hsts_seconds"] == 31536000


def test_postgres_url_in_production_enables_the_psycopg_pool():
    values = read_settings(production_env())

    assert values["engine"] == "django.db.backends.postgresql"
    assert values["pool"] == {"min_size": 1, "max_size": 10}
    assert values["conn_max_age"] == 0


def test_pool_size_and_opt_out_come_from_the_environment():
    sized = read_settings(production_env(DATABASE_POOL_MIN="2", DATABASE_POOL_MAX="4"))
    off = read_settings(production_env(DATABASE_POOL="0"))

    assert sized["pool"] == {"min_size": 2, "max_size": 4}
    assert off["pool"] is None


def test_postgres_url_in_embedded_mode_has_no_pool_by_default():
    values = read_settings(clean_env(DATABASE_URL="postgres://aissai@127.0.0.1:5432/aissai"))

    assert values["engine"] == "django.db.backends.postgresql"
    assert values["pool"] is None


def test_sqlite_url_in_production_has_no_pool():
    values = read_settings(production_env(DATABASE_URL="sqlite:////tmp/aissai-prod.sqlite3"))

    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["pool"] is None


@pytest.mark.parametrize(
    "broker", ["redis://127.0.0.1:6379/0", "amqp://guest:guest@127.0.0.1:5672//"]
)
def test_broker_url_disables_eager_tasks(broker):
    values = read_settings(clean_env(CELERY_BROKER_URL=broker))

    assert values["eager"] is False
    assert values["broker"] == broker


def test_email_host_switches_to_smtp():
    values = read_settings(clean_env(EMAIL_HOST="smtp.example.org"))

    assert values["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["dev_mailbox"] is False


@pytest.mark.parametrize(
    "variable",
    [
        {"DATABASE_URL": "postgres://aissai@127.0.0.1:5432/aissai"},
        {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"},
        {"EMAIL_HOST": "smtp.example.org"},
    ],
    ids=["database", "broker", "smtp"],
)
def test_dev_mailbox_exists_only_in_the_embedded_mode(variable):
    """With a server database, a broker or an SMTP server this is a deployment: mails that
    carry a sign-in link must not be kept where a page could show them."""
    values = read_settings(clean_env(**variable))

    assert values["dev_mailbox"] is False
    assert values["email_backend"] != "aissai.notifications.backends.DevMailboxBackend"


@pytest.mark.postgres
def test_production_pool_serves_real_connections(db):
    """Against this run's PostgreSQL test database: the pool opens and answers."""
    from django.db import connection

    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SELECT 1')\n"
        "    row = cursor.fetchone()\n"
        "print(type(connection.pool).__name__, row[0])\n"
        "connection.close_pool()\n"
    )
    result = run_python(code, production_env(DATABASE_URL=urlunsplit(url)))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionPool", "1"]


def test_pgbouncer_mode_turns_off_server_side_cursors_and_prepared_statements():
    direct = read_settings(production_env())
    pooled = read_settings(production_env(DATABASE_PGBOUNCER="1"))

    assert (direct["server_side_cursors_off"], direct["prepare_threshold"]) == (False, "default")
    assert (pooled["server_side_cursors_off"], pooled["prepare_threshold"]) == (True, None)
    assert pooled["pool"] == {"min_size": 1, "max_size": 10}
    assert direct["health_checks"] is pooled["health_checks"] is True


SHOW_STORAGE = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps(settings.STORAGES["default"]))
"""


def test_s3_storage_is_private_and_needs_a_bucket():
    local = run_python(SHOW_STORAGE, production_env())
    s3 = run_python(
        SHOW_STORAGE, production_env(AISSAI_STORAGE="s3", AISSAI_S3_BUCKET="aissai-uploads")
    )
    no_bucket = run_python(SHOW_STORAGE, production_env(AISSAI_STORAGE="s3"))

    assert json.loads(local.stdout)["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    options = json.loads(s3.stdout)["OPTIONS"]
    assert json.loads(s3.stdout)["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["default_acl"], options["file_overwrite"]) == (
        "aissai-uploads",
        None,
        False,
    )
    assert no_bucket.returncode != 0
    assert "AISSAI_S3_BUCKET must be set" in no_bucket.stderr
