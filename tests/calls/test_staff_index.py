"""The staff index: every call with the number of its applications in each status."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import ApplicationStatus
from tests.factories.accounts import StaffFactory
from tests.factories.calls import ApplicationFactory, CallFactory, submitted_application

pytestmark = pytest.mark.django_db


def test_index_lists_each_call_with_counts_per_status(client):
    client.force_login(StaffFactory())
    busy = CallFactory(edition_year=2025)
    quiet = CallFactory(edition_year=2024)
    ApplicationFactory(call=busy)
    submitted_application(call=busy)
    submitted_application(call=busy)
    submitted_application(call=busy, status=ApplicationStatus.INELIGIBLE)
    response = client.get(reverse("calls:staff_index"))
    calls = response.context["calls"]
    assert [c.pk for c in calls] == [busy.pk, quiet.pk]
    assert calls[0].total == 4
    assert [(s.status, s.count) for s in calls[0].status_counts] == [
        ("draft", 1),
        ("submitted", 2),
        ("ineligible", 1),
    ]
    assert calls[1].total == 0 and calls[1].status_counts == []
    html = response.content.decode()
    applications = reverse("calls:staff_applications", args=[busy.slug])
    assert f'href="{applications}?status=submitted">Submitted: 2</a>' in html
    assert "No applications yet" in html


def test_index_query_count_is_the_same_for_1_and_3_calls(client):
    client.force_login(StaffFactory())
    url = reverse("calls:staff_index")
    submitted_application(call=CallFactory())
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(2):
        call = CallFactory()
        submitted_application(call=call)
        ApplicationFactory(call=call)
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert len(response.context["calls"]) == 3
    assert len(three) == len(one)
