"""Deny by default: every page needs a login unless it opts out with @login_not_required."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

from aissai.accounts.tokens import make_verification_token
from tests.factories.accounts import UnverifiedUserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SAMPLES = {
    "int": "1",
    "slug": "x",
    "str": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def sample_paths(patterns=None, prefix=""):
    """One concrete path for every route, with a sample value for each parameter."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # regular expressions: the admin, which guards itself (tested below)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from sample_paths(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield "/" + re.sub(
                r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m.group(1) or "str", "1"), route
            )


def is_public(path: str) -> bool | None:
    try:
        view = resolve(path).func
    except Resolver404:
        return None
    return getattr(view, "login_required", True) is False


def test_anonymous_get_to_every_private_page_redirects_to_login(client):
    checked = []
    for path in sample_paths():
        if path.startswith("/admin/") or is_public(path) is not False:
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{LOGIN}?next="), path
        checked.append(path)

    assert "/accounts/profile/" in checked
    assert "/accounts/password/change/" in checked


def test_admin_sends_anonymous_to_its_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


PUBLIC_PAGES = [
    "home",
    "healthz",
    "accounts:login",
    "accounts:signup",
    "accounts:signup_sent",
    "accounts:resend_verification",
    "accounts:password_reset",
    "accounts:password_reset_sent",
    "accounts:password_reset_complete",
]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_is_reachable_anonymously(client, name):
    path = reverse(name)

    assert is_public(path) is True
    assert client.get(path).status_code == 200


def test_verification_and_reset_links_are_reachable_anonymously(client):
    user = UnverifiedUserFactory()

    verify = client.get(reverse("accounts:verify_email", args=[make_verification_token(user)]))
    reset = client.get(
        reverse("accounts:password_reset_confirm", args=["MQ", "abc-123"]), follow=True
    )

    assert verify.status_code == 200
    assert b"Confirm my address" in verify.content
    assert reset.status_code == 200
    assert reset.context["validlink"] is False


def test_language_switch_is_reachable_anonymously(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    assert is_public(reverse("set_language")) is True
    assert response.status_code == 302
    assert response["Location"] == "/"
