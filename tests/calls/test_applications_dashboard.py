"""The applicant dashboard: my applications, their status as I may see it, the deadline,
what is missing; the same number of queries for one or three applications."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import ApplicationStatus, CallStatus
from calls.services.submission import submit_application
from tests.factories.accounts import UserFactory
from tests.factories.calls import ApplicationFactory, CallFactory, complete_draft

pytestmark = pytest.mark.django_db

URL = reverse("calls:my_applications")


def test_lists_only_my_applications_with_status_and_what_is_missing(client):
    me = UserFactory()
    draft = ApplicationFactory(coordinator=me, acronym="MYDRAFT", abstract="")
    submitted = complete_draft(coordinator=me, acronym="MYSUB")
    submit_application(application=submitted, by=me)
    ApplicationFactory(acronym="NOTMINE")
    client.force_login(me)

    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "MYDRAFT" in html and "MYSUB" in html
    assert "NOTMINE" not in html
    assert "Fill in \u201cAbstract\u201d." in html
    assert reverse("calls:application_edit", args=[draft.pk]) in html
    assert reverse("calls:application_detail", args=[submitted.pk]) in html
    submitted.refresh_from_db()
    assert submitted.reference == f"{submitted.call.reference_prefix}-2025-001"
    assert submitted.reference in html
    assert "Paris time" in html


def test_evaluation_outcome_stays_hidden_until_results_are_published(client):
    me = UserFactory()
    ApplicationFactory(coordinator=me, status=ApplicationStatus.SHORTLISTED, acronym="HIDDEN")
    client.force_login(me)
    html = client.get(URL).content.decode()
    assert "Under evaluation" in html
    assert "Shortlisted" not in html


def test_outcome_shown_once_the_call_is_decided(client):
    me = UserFactory()
    call = CallFactory(status=CallStatus.DECIDED)
    ApplicationFactory(coordinator=me, call=call, status=ApplicationStatus.FUNDED)
    client.force_login(me)
    assert "Funded" in client.get(URL).content.decode()


def test_empty_dashboard(client):
    client.force_login(UserFactory())
    assert "You have no application yet." in client.get(URL).content.decode()


def test_dashboard_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_nav_link_for_logged_in_users(client):
    client.force_login(UserFactory())
    assert f'href="{URL}"' in client.get(reverse("home")).content.decode()


def _count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_same_number_of_queries_for_one_or_three_applications(client):
    me = UserFactory()
    client.force_login(me)
    complete_draft(coordinator=me)
    one = _count_queries(client)
    complete_draft(coordinator=me)
    submitted = complete_draft(coordinator=me, call=CallFactory())
    submit_application(application=submitted, by=me)
    three = _count_queries(client)
    assert one == three


@pytest.mark.parametrize("name", ["application_edit", "application_detail"])
def test_application_pages_same_queries_for_one_or_three_partners_and_documents(client, name):
    from tests.factories.calls import DocumentFactory, PartnerFactory

    application = ApplicationFactory()
    client.force_login(application.coordinator)
    url = reverse(f"calls:{name}", args=[application.pk])
    PartnerFactory(application=application)
    DocumentFactory(application=application, kind="project")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    PartnerFactory(application=application)
    PartnerFactory(application=application)
    DocumentFactory(application=application, kind="cv")
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    assert len(one) == len(three)
