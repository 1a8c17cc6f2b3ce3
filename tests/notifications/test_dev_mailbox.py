"""The dev mailbox: embedded mode only, for requests from the machine itself; 404 otherwise."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.accounts import UserFactory
from tests.factories.notifications import DevMailboxMessageFactory

pytestmark = pytest.mark.django_db

VIEWS = [
    ("notifications:dev_mailbox", False),
    ("notifications:dev_mailbox_detail", True),
    ("notifications:dev_mailbox_html", True),
]


@pytest.fixture
def embedded(settings):
    settings.DEV_MAILBOX = True
    settings.PRODUCTION = False


@pytest.fixture
def applicant(client):
    user = UserFactory()
    client.force_login(user)
    return user


def url_of(name: str, with_id: bool, pk: int) -> str:
    return reverse(name, args=[pk] if with_id else [])


@pytest.mark.parametrize(("name", "with_id"), VIEWS)
def test_anonymous_reads_the_mailbox_in_embedded_mode(client, embedded, name, with_id):
    """A newcomer who just signed up must read the verification mail before logging in."""
    kept = DevMailboxMessageFactory()

    response = client.get(url_of(name, with_id, kept.pk))

    assert response.status_code == 200


@pytest.mark.parametrize(("name", "with_id"), VIEWS)
@pytest.mark.parametrize(
    "mode", [{"DEV_MAILBOX": False, "PRODUCTION": False}, {"DEV_MAILBOX": True, "PRODUCTION": True}]
)
def test_404_outside_the_embedded_mode(client, settings, applicant, name, with_id, mode):
    for setting, value in mode.items():
        setattr(settings, setting, value)
    kept = DevMailboxMessageFactory()

    assert client.get(url_of(name, with_id, kept.pk)).status_code == 404


@pytest.mark.parametrize(("name", "with_id"), VIEWS)
@pytest.mark.parametrize(
    "remote",
    [
        {"REMOTE_ADDR": "203.0.113.7"},
        {"REMOTE_ADDR": "192.168.1.20"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=203.0.113.7"},
        {"REMOTE_ADDR": "::1", "HTTP_X_REAL_IP": "203.0.113.7"},
        {"REMOTE_ADDR": ""},
    ],
    ids=["internet", "lan", "proxy-xff", "proxy-forwarded", "proxy-real-ip", "no-address"],
)
def test_404_to_requests_from_another_machine(client, embedded, name, with_id, remote):
    """Even in embedded mode: a laptop on a café network, or behind a proxy on this host."""
    kept = DevMailboxMessageFactory(subject="Verify your address")

    response = client.get(url_of(name, with_id, kept.pk), **remote)

    assert response.status_code == 404
    assert "Verify your address" not in response.content.decode()


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.1.1", "::1"])
def test_the_machine_itself_reads_the_mailbox(client, embedded, address):
    kept = DevMailboxMessageFactory(subject="Verify your address")

    response = client.get(
        reverse("notifications:dev_mailbox_detail", args=[kept.pk]), REMOTE_ADDR=address
    )

    assert response.status_code == 200
    assert "Verify your address" in response.content.decode()


def test_any_logged_in_user_reads_the_mailbox(client, embedded, applicant):
    older = DevMailboxMessageFactory(subject="Verify your address")
    newer = DevMailboxMessageFactory(subject="Your receipt", body_text="Ref <AISSAI-2025-001>")

    listing = client.get(reverse("notifications:dev_mailbox"))
    detail = client.get(reverse("notifications:dev_mailbox_detail", args=[newer.pk]))

    assert [m.subject for m in listing.context["page"]] == ["Your receipt", "Verify your address"]
    assert reverse("notifications:dev_mailbox_detail", args=[older.pk]) in listing.content.decode()
    assert "Ref &lt;AISSAI-2025-001&gt;" in detail.content.decode()
    assert (
        f'<iframe sandbox src="{reverse("notifications:dev_mailbox_html", args=[newer.pk])}"'
        in detail.content.decode()
    )


def test_html_part_is_served_sandboxed(client, embedded, applicant):
    kept = DevMailboxMessageFactory(body_html="<p>Hello</p>")

    response = client.get(reverse("notifications:dev_mailbox_html", args=[kept.pk]))

    assert response.content == b"<p>Hello</p>"
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_dev_mailbox_query_count_is_the_same_for_1_and_3_messages(client, embedded, applicant):
    url = reverse("notifications:dev_mailbox")

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return len(queries), len(response.context["page"])

    DevMailboxMessageFactory()
    one = measure()
    DevMailboxMessageFactory.create_batch(2)
    three = measure()

    assert (one[1], three[1]) == (1, 3)
    assert one[0] == three[0]


@pytest.mark.parametrize(
    ("language", "label"), [("fr", "Courriels de la démo"), ("en", "Demo mailbox")]
)
def test_the_menu_names_the_mailbox_plainly(client, embedded, language, label):
    client.cookies["django_language"] = language
    html = client.get("/").content.decode()
    link = f'<a class="nav-link" href="{reverse("notifications:dev_mailbox")}">{label}</a>'
    assert link in html
    page = client.get(reverse("notifications:dev_mailbox")).content.decode()
    assert f'<h1 class="h3">{label}</h1>' in page
