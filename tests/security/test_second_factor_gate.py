"""With the second factor required, programme staff and the superuser without an
authenticator app reach no page of the matrix, the Django admin included, before they
set one up; everyone else is unaffected."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.matrix import MATRIX
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

OPEN = {
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "accounts:logout",
    "set_language",
    "healthz",
}


@pytest.fixture
def world(settings):
    settings.AISSAI_REQUIRE_SECOND_FACTOR = True
    return build_world()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["staff", "superuser"])
def test_every_page_sends_staff_without_an_app_to_the_setup(world, role):
    client = signed_in(world.users[role])
    setup = reverse("accounts:two_factor_setup")
    reached = []
    for name, row in sorted(MATRIX.items()):
        if name in OPEN:
            continue
        path = reverse(name, kwargs=row.kwargs(world))
        send = client.get if row.method == "GET" else client.post
        response = send(path)
        if response.status_code != 302 or urlsplit(response["Location"]).path != setup:
            reached.append(f"{name}: {response.status_code}")
    for path in ("/admin/", "/admin/accounts/user/"):
        response = client.get(path)
        if urlsplit(response.get("Location", "")).path != setup:
            reached.append(f"{path}: {response.status_code}")

    assert reached == []


def test_an_applicant_is_not_stopped(world):
    client = signed_in(world.users["applicant_a"])

    assert client.get(reverse("calls:my_applications")).status_code == 200
