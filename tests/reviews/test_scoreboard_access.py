"""Only programme staff reach the scoreboard, robustness and shortlist pages: anonymous
visitors are sent to the login page, everyone else gets a 404 (GET and POST), and a
forbidden POST changes nothing."""

import pytest
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from calls.models import ApplicationStatus
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.reviews import call_in_review

pytestmark = pytest.mark.django_db

PAGES = ("scoreboard", "scoreboard_robustness", "shortlist")


@pytest.fixture
def scenario():
    scenario = call_in_review(applications=2, reviewers=3, qualities=[5, 7])
    for invitation in scenario.invitations:
        invitation.expert.user = UserFactory()
        invitation.expert.save()
    return scenario


def urls(scenario):
    return [reverse(f"reviews:{page}", args=[scenario.call.slug]) for page in PAGES]


def confirm_data(scenario):
    every = [a.pk for a in scenario.applications]
    return {"score": "mean", "target": 1, "candidates": every, "shortlisted": every[:1]}


def assert_nothing_changed(scenario):
    assert all(a.status == ApplicationStatus.IN_REVIEW for a in scenario.call.applications.all())
    assert not AuditEvent.objects.filter(verb__startswith="call.shortlist").exists()
    assert not OutboxMessage.objects.filter(event="shortlist_outcome").exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, scenario):
    for url in urls(scenario):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    response = client.post(urls(scenario)[-1], confirm_data(scenario))
    assert response.status_code == 302
    assert_nothing_changed(scenario)


@pytest.mark.parametrize(
    "who", ["applicant", "coordinator", "reviewer", "superuser_not_programme_staff"]
)
def test_everyone_but_programme_staff_gets_404(client, scenario, who):
    user = {
        "applicant": UserFactory,
        "coordinator": lambda: scenario.applications[0].coordinator,
        "reviewer": lambda: scenario.invitations[0].expert.user,
        "superuser_not_programme_staff": SuperuserFactory,
    }[who]()
    client.force_login(user)
    for url in urls(scenario):
        assert client.get(url).status_code == 404, url
        assert client.get(url + "?anonymous=1").status_code == 404, url
    assert client.post(urls(scenario)[-1], confirm_data(scenario)).status_code == 404
    assert_nothing_changed(scenario)


def test_read_only_pages_refuse_post(client, scenario):
    client.force_login(StaffFactory())
    for url in urls(scenario)[:2]:
        assert client.post(url, confirm_data(scenario)).status_code == 405
    assert_nothing_changed(scenario)


def test_programme_staff_reach_every_page(client, scenario):
    client.force_login(StaffFactory())
    for url in urls(scenario):
        assert client.get(url).status_code == 200, url


def test_unknown_call_is_404_for_staff(client, scenario):
    client.force_login(StaffFactory())
    for page in PAGES:
        assert client.get(reverse(f"reviews:{page}", args=["no-such-call"])).status_code == 404
