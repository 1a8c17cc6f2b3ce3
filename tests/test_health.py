"""/healthz: always JSON, with no proxy header and whatever the host; 503 when the database
is down."""

import pytest

from tests.reliability.faults import connection_lost_before

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_answers_ok_in_json_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_healthz_answers_503_in_json_when_the_database_is_down(client):
    with connection_lost_before("SELECT 1"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
    assert response["Retry-After"] == "30"
    assert client.get("/healthz").json()["status"] == "ok"  # a fresh connection next time


def test_healthz_answers_over_plain_http_from_any_host_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]  # as production sets it
    settings.ALLOWED_HOSTS = ["calls.example.org"]

    health = client.get("/healthz", HTTP_HOST="10.0.0.7")
    home = client.get("/", HTTP_HOST="calls.example.org")

    assert (health.status_code, health.json()["status"]) == (200, "ok")
    assert (home.status_code, home["Location"]) == (301, "https://calls.example.org/")
