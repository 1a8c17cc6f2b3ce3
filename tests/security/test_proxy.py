"""Behind the reverse proxy: the client's address and the TLS flag come from the proxy's
headers only when the request comes from a trusted proxy, and login locks follow the
real client, so one attacker behind the proxy cannot lock anybody else out."""

import pytest
from django.urls import reverse

from aissai.security.proxy import client_ip
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PROXY = "10.8.0.1"
ATTACKER = "203.0.113.66"


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.AISSAI_TRUSTED_PROXIES = [PROXY]
    settings.AISSAI_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 50
    settings.AXES_COOLOFF_TIME = 0.25


def through_proxy(client, email, password, client_address, forged=""):
    """A login as nginx forwards it: the client's own header, then the address it saw."""
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return client.post(
        LOGIN,
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_attacker_behind_the_proxy_cannot_lock_out_another_account(client):
    UserFactory(email="ada@example.org")
    UserFactory(email="bob@example.org")
    for _ in range(20):
        through_proxy(client, "ada@example.org", "wrong", ATTACKER)
        through_proxy(client, "bob@example.org", "wrong", ATTACKER)

    assert through_proxy(client, "ada@example.org", "wrong", ATTACKER).status_code == 429
    assert through_proxy(client, "ada@example.org", PASSWORD, "198.51.100.7").status_code == 302
    client.post(reverse("accounts:logout"))
    assert through_proxy(client, "bob@example.org", PASSWORD, "198.51.100.8").status_code == 302


def test_forged_forwarded_addresses_do_not_dodge_the_lock(client):
    UserFactory(email="ada@example.org")
    for i in range(5):
        through_proxy(client, "ada@example.org", "wrong", ATTACKER, forged=f"192.0.2.{i}")

    locked = through_proxy(client, "ada@example.org", PASSWORD, ATTACKER, forged="192.0.2.200")

    assert locked.status_code == 429


def test_office_behind_one_address_is_not_locked_by_a_few_mistakes(client):
    UserFactory(email="ada@example.org")
    office = "192.0.2.10"
    for i in range(30):
        through_proxy(client, f"colleague{i}@example.org", "wrong", office)

    assert through_proxy(client, "ada@example.org", PASSWORD, office).status_code == 302


def test_many_failures_from_one_address_lock_that_address(client, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 10
    UserFactory(email="ada@example.org")
    for i in range(10):
        through_proxy(client, f"guess{i}@example.org", "wrong", ATTACKER)

    assert through_proxy(client, "ada@example.org", PASSWORD, ATTACKER).status_code == 429
    assert through_proxy(client, "ada@example.org", PASSWORD, "198.51.100.7").status_code == 302


def test_forwarded_for_from_a_client_that_is_not_the_proxy_is_ignored(client):
    UserFactory(email="ada@example.org")
    for i in range(5):
        client.post(
            LOGIN,
            {"username": "ada@example.org", "password": "wrong"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )

    locked = client.post(
        LOGIN,
        {"username": "ada@example.org", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )

    assert locked.status_code == 429


@pytest.mark.parametrize(
    ("remote", "forwarded", "count", "expected"),
    [
        (PROXY, "198.51.100.7", 1, "198.51.100.7"),
        (PROXY, "1.2.3.4, 198.51.100.7", 1, "198.51.100.7"),
        (PROXY, "1.2.3.4, 198.51.100.7, 10.8.0.2", 2, "198.51.100.7"),
        (PROXY, "198.51.100.7", 2, PROXY),  # fewer hops than proxies: the proxy itself
        (PROXY, "not-an-address", 1, PROXY),
        (PROXY, "", 1, PROXY),
        (f"::ffff:{PROXY}", "2001:db8::7", 1, "2001:db8::7"),
        (ATTACKER, "198.51.100.7", 1, ATTACKER),
    ],
)
def test_client_address(rf, settings, remote, forwarded, count, expected):
    settings.AISSAI_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


def test_trusted_proxies_may_be_networks(rf, settings):
    settings.AISSAI_TRUSTED_PROXIES = ["172.16.0.0/12"]
    request = rf.get("/", REMOTE_ADDR="172.18.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert client_ip(request) == "198.51.100.7"


def test_https_flag_is_believed_only_from_the_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    direct = client.get("/healthz", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_PROTO="https")
    proxied = client.get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")

    assert direct.status_code == 301
    assert direct["Location"] == "https://testserver/healthz"
    assert proxied.status_code == 200


def test_no_trusted_proxy_means_no_forwarded_header_is_believed(client, settings):
    settings.AISSAI_TRUSTED_PROXIES = []
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    response = client.get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301
