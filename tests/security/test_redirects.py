"""No ``next`` in the site sends anybody to another site: login, admin login, logout,
language switch, re-authentication and the second-factor code, with every spelling
browsers read as another host."""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories.accounts import PASSWORD, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "https://testserver//evil.example/x",
    "http://testserver//evil.example/x",
    "https://testserver/\\evil.example/x",
    "https://testserver/\\/evil.example/x",
    "HTTPS://TESTSERVER//evil.example/x",
    "hTTps://TestServer//Evil.Example/x",
    "https://testserver/\t/evil.example/x",
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    "\\/evil.example/x",
    "/\t/evil.example/x",
    " //evil.example/x",
    "//EVIL.example/x",
    "https://evil.example/x",
    "HTTPS://EVIL.EXAMPLE/x",
    "https:evil.example/x",
    "https://testserver@evil.example/x",
    "javascript:alert(1)",
    "/%2F%2Fevil.example/x",
    "%2F%2Fevil.example/x",
    "/%5Cevil.example/x",
]


def stays_on_this_site(location: str) -> bool:
    """Where a browser would go: tabs and line breaks dropped, backslashes as slashes."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    parts = urlsplit(cleaned)
    return (
        not cleaned.startswith("//")
        and parts.scheme in {"", "http", "https"}
        and parts.netloc in {"", "testserver"}
    )


def login(client, next_url):
    UserFactory(email="ada@example.org")
    return client.post(
        f"{reverse('accounts:login')}?{urlencode({'next': next_url})}",
        {"username": "ada@example.org", "password": PASSWORD},
    )


def admin_login(client, next_url):
    SuperuserFactory(email="root@example.org")
    return client.post(
        reverse("admin:login"),
        {"username": "root@example.org", "password": PASSWORD, "next": next_url},
    )


def logout(client, next_url):
    client.force_login(UserFactory())
    return client.post(reverse("accounts:logout"), {"next": next_url})


def set_language(client, next_url):
    return client.post(reverse("set_language"), {"language": "fr", "next": next_url})


def reauthenticate(client, next_url):
    client.force_login(UserFactory(email="ada@example.org"))
    return client.post(reverse("accounts:reauth"), {"password": PASSWORD, "next": next_url})


def reauthenticate_with_next_in_the_address(client, next_url):
    client.force_login(UserFactory(email="ada@example.org"))
    return client.post(
        f"{reverse('accounts:reauth')}?{urlencode({'next': next_url})}", {"password": PASSWORD}
    )


def second_factor_code(client, next_url):
    user = UserFactory(email="ada@example.org")
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.post(reverse("accounts:login"), {"username": "ada@example.org", "password": PASSWORD})
    code = f"{totp(device.bin_key):06d}"
    return client.post(reverse("accounts:two_factor_verify"), {"code": code, "next": next_url})


EVERY_NEXT = [
    login,
    admin_login,
    logout,
    set_language,
    reauthenticate,
    reauthenticate_with_next_in_the_address,
    second_factor_code,
]


@pytest.mark.parametrize("next_url", HOSTILE)
@pytest.mark.parametrize("follow_next", EVERY_NEXT, ids=lambda f: f.__name__)
def test_next_never_sends_the_user_to_another_site(client, follow_next, next_url):
    response = follow_next(client, next_url)

    assert response.status_code == 302
    assert stays_on_this_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("follow_next", EVERY_NEXT, ids=lambda f: f.__name__)
def test_next_on_this_site_is_followed(client, follow_next):
    response = follow_next(client, "/calls/?page=2")

    assert response.status_code == 302
    assert response["Location"] in {"/calls/?page=2", "/fr/calls/?page=2"}


@pytest.mark.parametrize("next_url", HOSTILE)
def test_reauthentication_sends_a_hostile_next_home(client, next_url):
    response = reauthenticate(client, next_url)

    assert response["Location"] in {"/", "/%2F%2Fevil.example/x", "/%5Cevil.example/x"}


def test_reauthentication_keeps_the_path_of_a_full_address_on_this_site(client):
    response = reauthenticate(client, "https://testserver/calls/?page=2")

    assert response["Location"] == "/calls/?page=2"


@pytest.mark.parametrize("next_url", ["https://testserver//evil.example/x", "/\\evil.example"])
def test_the_page_a_form_came_from_is_checked_too(client, stale_login, next_url):
    client.force_login(UserFactory(email="ada@example.org"))
    stale_login(client)

    response = client.post(reverse("accounts:my_data_download"), HTTP_REFERER=next_url)

    assert response.status_code == 403
    assert 'name="next" value="/"' in response.content.decode()
