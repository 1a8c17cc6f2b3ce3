"""Security settings as a browser meets them: the content security policy (no inline
script), the other security headers, the session and CSRF cookies (HttpOnly, SameSite,
12-hour session), an expired session, and HSTS in production mode.

``tests/test_settings.py`` checks ``check --deploy`` and the production values; the
accounts tests check throttling, single-use reset links and the absence of user
enumeration in sign-up and reset messages."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.factories.accounts import PASSWORD, UserFactory
from tests.test_settings import production_env, run_python

pytestmark = pytest.mark.django_db

PAGES = ["home", "accounts:login", "accounts:signup", "accounts:password_reset"]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize("name", PAGES)
def test_pages_send_a_csp_that_forbids_inline_and_foreign_script(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    csp = directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    for values in csp.values():
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values
        assert "*" not in values and "https:" not in values
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script on the page"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler on the page"


def test_pages_send_the_other_security_headers(client):
    response = client.get(reverse("accounts:login"))

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_and_csrf_cookies_are_http_only_and_same_site(client):
    user = UserFactory()
    page = client.get(reverse("accounts:login"))
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"

    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert int(session["max-age"]) == settings.SESSION_COOKIE_AGE == 12 * 60 * 60


def test_an_expired_session_is_logged_out(client):
    user = UserFactory()
    client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    profile = reverse("accounts:profile")
    assert client.get(profile).status_code == 200

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(profile)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


SHOW_PRODUCTION_RESPONSE = """
import json
import django
django.setup()
from django.test import Client
response = Client().get("/healthz", secure=True, HTTP_HOST="calls.example.org")
print(json.dumps({
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security"),
    "plain_http": Client().get("/", HTTP_HOST="calls.example.org").status_code,
    "plain_healthz": Client().get("/healthz", HTTP_HOST="calls.example.org").status_code,
}))
"""


def test_production_sends_hsts_and_redirects_plain_http(tmp_path):
    """Secure cookies in production: ``tests/test_settings.py``."""
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate = run_python(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0)",
        env,
    )
    assert migrate.returncode == 0, migrate.stderr

    result = run_python(SHOW_PRODUCTION_RESPONSE, env)

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["status"] == 200
    assert values["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert values["plain_http"] == 301
    assert values["plain_healthz"] == 200  # health checks need no proxy header
