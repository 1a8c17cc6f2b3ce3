"""Decisions ask for the password again when the login is old: every funding-decision
action, fixing or resetting the lists, and the coordinator's decline of a funded place.
Someone who may not see the call still gets a 404, never the password page."""

import pytest
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.security.reauth import reauth_url
from calls.models import ApplicationStatus
from reviews.models import FundingDecision, ListMove
from reviews.services.results import publish_results
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory
from tests.factories.reviews import fix_as_shown, shortlisted_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def fixed(staff):
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5], sources=(3,), complementary_size=2)
    fix_as_shown(scenario.call, by=staff)
    for application in scenario.applications:
        application.refresh_from_db()
    return scenario


def decision_posts(scenario):
    call, funded = scenario.call, scenario.applications[0]
    slug = call.slug
    return [
        (reverse("reviews:decisions_source", args=[slug]), {"name": "Grant", "fellowships": 1}),
        (reverse("reviews:decisions_decline", args=[slug, funded.pk]), {}),
        (reverse("reviews:decisions_fill", args=[slug]), {"reason": "x"}),
        (reverse("reviews:decisions_close", args=[slug]), {"confirm": "on"}),
        (reverse("reviews:decisions_publish", args=[slug]), {"confirm": "on"}),
        (reverse("reviews:lists_reset", args=[slug]), {}),
        (reverse("reviews:lists_fix", args=[slug]), {"confirm": "on"}),
    ]


def trail():
    return (
        FundingDecision.objects.count(),
        ListMove.objects.count(),
        AuditEvent.objects.exclude(verb="accounts.reauthenticated").count(),
    )


def test_decision_actions_after_an_old_login_show_the_password_page(
    client, fixed, staff, stale_login
):
    client.force_login(staff)
    stale_login(client)
    board = reverse("reviews:decisions", args=[fixed.call.slug])
    before = trail()

    for target, data in decision_posts(fixed):
        response = client.post(target, data, HTTP_REFERER=f"http://testserver{board}")
        assert response.status_code == 403, target
        page = response.content.decode()
        assert "Confirm your password" in page and f'name="next" value="{board}"' in page

    assert trail() == before
    done = client.post(reverse("accounts:reauth"), {"password": PASSWORD, "next": board})
    assert done["Location"] == board
    response = client.post(decision_posts(fixed)[2][0], {"reason": "after the password"})
    assert response.status_code in (302, 400)  # the view itself answers now
    assert "Confirm your password" not in response.content.decode()


def test_people_who_may_not_decide_get_404_not_the_password_page(client, fixed, stale_login):
    client.force_login(UserFactory())
    stale_login(client)

    for target, data in decision_posts(fixed):
        assert client.post(target, data).status_code == 404, target


def test_the_coordinator_confirms_the_password_before_declining_a_place(
    client, fixed, staff, stale_login
):
    publish_results(call=fixed.call, by=staff)
    funded = fixed.applications[0]
    target = reverse("reviews:decline_place", args=[funded.pk])
    client.force_login(funded.coordinator)
    stale_login(client)

    page = client.get(target)
    refused = client.post(target, {"reason": "We cannot recruit.", "confirm": "on"})

    assert page.status_code == 302 and page["Location"] == reauth_url(target)
    assert refused.status_code == 403
    funded.refresh_from_db()
    assert funded.status == ApplicationStatus.FUNDED
