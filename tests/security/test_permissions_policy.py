"""A Permissions-Policy header on every response: no page, and no frame a page embeds,
may use the camera, the microphone, the position, payments or devices."""

import pytest
from django.urls import reverse

from tests.factories.accounts import StaffFactory
from tests.factories.notifications import OutboxMessageFactory

pytestmark = pytest.mark.django_db

OFF = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "bluetooth"]


def policy(response) -> dict[str, str]:
    header = response.headers.get("Permissions-Policy", "")
    return dict(part.strip().split("=", 1) for part in header.split(",") if part.strip())


def responses(client):
    staff = StaffFactory()
    mail = OutboxMessageFactory()
    yield "home", client.get(reverse("home"))
    yield "login", client.get(reverse("accounts:login"))
    yield "redirect to login", client.get(reverse("notifications:outbox"))
    yield "health", client.get(reverse("healthz"))
    yield "not found", client.get("/no/such/page/")
    yield "refused post", client.post(reverse("accounts:login"), {"username": "x"})
    client.force_login(staff)
    yield "staff page", client.get(reverse("notifications:outbox"))
    yield "mail in a frame", client.get(reverse("notifications:outbox_html", args=[mail.pk]))


def test_every_response_turns_powerful_features_off(client):
    seen = {}
    for name, response in responses(client):
        features = policy(response)
        seen[name] = {feature: features.get(feature) for feature in OFF}

    assert seen == {name: dict.fromkeys(OFF, "()") for name in seen}
    assert len(seen) == 8
