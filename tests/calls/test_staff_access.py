"""Only programme staff reach the staff pages: anonymous visitors are sent to the login
page, everyone else gets a 404 (GET and POST alike), and nothing changes."""

import pytest
from django.urls import reverse

from aissai.notifications.models import OutboxMessage
from calls.models import ApplicationStatus
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.calls import CallFactory, submitted_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    return submitted_application()


def staff_urls(application) -> list[str]:
    slug = application.call.slug
    return [
        reverse("calls:staff_index"),
        reverse("calls:staff_applications", args=[slug]),
        reverse("calls:staff_screening_list", args=[slug]),
        reverse("calls:staff_screening", args=[slug, application.pk]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, application):
    for url in staff_urls(application):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize(
    "who", ["applicant", "coordinator", "superuser_not_programme_staff", "admin_staff_flag"]
)
def test_non_programme_staff_get_404_on_every_staff_page(client, application, who):
    user = {
        "applicant": lambda: UserFactory(),
        "coordinator": lambda: application.coordinator,
        "superuser_not_programme_staff": lambda: SuperuserFactory(),
        "admin_staff_flag": lambda: UserFactory(is_staff=True),
    }[who]()
    client.force_login(user)
    for url in staff_urls(application):
        assert client.get(url).status_code == 404, url


def test_non_staff_posts_get_404_and_change_nothing(client, application):
    client.force_login(application.coordinator)
    slug = application.call.slug
    ruling = reverse("calls:staff_screening", args=[slug, application.pk])
    bulk = reverse("calls:staff_screening_list", args=[slug])
    assert client.post(ruling, {"decision": "eligible", "reason": ""}).status_code == 404
    assert client.post(bulk, {"applications": [application.pk]}).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not OutboxMessage.objects.exists()


def test_anonymous_posts_are_sent_to_login_and_change_nothing(client, application):
    url = reverse("calls:staff_screening", args=[application.call.slug, application.pk])
    response = client.post(url, {"decision": "eligible"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_programme_staff_reach_every_staff_page(client, application):
    client.force_login(StaffFactory())
    for url in staff_urls(application):
        assert client.get(url).status_code == 200, url


def test_unknown_call_or_application_of_another_call_is_404_for_staff(client, application):
    client.force_login(StaffFactory())
    other_call = CallFactory()
    assert client.get(reverse("calls:staff_applications", args=["no-such-call"])).status_code == 404
    url = reverse("calls:staff_screening", args=[other_call.slug, application.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "eligible"}).status_code == 404


def test_nav_link_shown_to_programme_staff_only(client, application):
    link = reverse("calls:staff_index")
    client.force_login(UserFactory())
    assert f'href="{link}"' not in client.get(reverse("home")).content.decode()
    client.force_login(StaffFactory())
    assert f'href="{link}"' in client.get(reverse("home")).content.decode()
