"""A partner lead's link shows the application only while it can be answered: once the
lead has confirmed, or the call has closed, it says so plainly and shows nothing more."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import ApplicationStatus, CallStatus, Partner
from tests.factories.calls import ApplicationFactory, CallFactory, PartnerFactory

pytestmark = pytest.mark.django_db

ABSTRACT = "We combine machine learning and fluid dynamics to predict turbulence."


def link(partner: Partner) -> str:
    return reverse("calls:partner_confirm", args=[partner.confirmation_token])


def partner_in(call=None, **fields) -> Partner:
    application = ApplicationFactory(
        call=call or CallFactory(),
        title="Neural operators for turbulence",
        status=ApplicationStatus.SUBMITTED,
    )
    PartnerFactory(application=application, lead_name="Other Lead", unit__name="Other lab")
    return PartnerFactory(application=application, lead_name="Marie Curie", **fields)


def test_open_link_shows_the_application_and_the_confirm_button(client):
    page = client.get(link(partner_in())).content.decode()

    assert "Neural operators for turbulence" in page
    assert ABSTRACT in page
    assert "Other Lead" in page
    assert "I confirm my unit" in page


def test_after_confirming_the_link_says_it_was_used_and_shows_no_application(client):
    partner = partner_in()
    client.post(link(partner))

    page = client.get(link(partner)).content.decode()

    partner.refresh_from_db()
    assert partner.confirmed_at is not None
    assert "You confirmed your participation on" in page
    assert "This link has been used: it no longer shows the application." in page
    for hidden in ("Neural operators for turbulence", ABSTRACT, "Other Lead", "I confirm my unit"):
        assert hidden not in page


@pytest.mark.parametrize(
    "call_fields",
    [
        {"status": CallStatus.CLOSED},
        {"status": CallStatus.IN_REVIEW},
        {
            "opens_at": timezone.now() - timedelta(days=40),
            "closes_at": timezone.now() - timedelta(minutes=1),
        },
    ],
    ids=["closed", "in-review", "deadline-passed"],
)
def test_once_the_call_has_closed_the_link_has_expired(client, call_fields):
    partner = partner_in(CallFactory(**call_fields))

    page = client.get(link(partner)).content.decode()
    refused = client.post(link(partner), follow=True).content.decode()

    assert "This link has expired: the call" in page
    for hidden in ("Neural operators for turbulence", ABSTRACT, "Other Lead", "I confirm my unit"):
        assert hidden not in page
    assert "This link has expired: the call is closed." in refused
    partner.refresh_from_db()
    assert partner.confirmed_at is None
