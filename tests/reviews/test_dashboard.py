"""The call dashboard: exact figures for a constructed call, a query count that does not
grow with the number of applications, the charts' data and tables, and who may see it."""

import json
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from calls.models import ApplicationStatus, CallStatus
from reviews.models import Conflict, ConflictSource, ConflictStatus, Review, ReviewStatus
from reviews.selectors.reports import call_dashboard
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import (
    ApplicationFactory,
    CallFactory,
    CriterionFactory,
    DisciplineFactory,
    correspondent_of,
    eligible_partners,
    submitted_application,
)
from tests.factories.reviews import (
    AssignmentFactory,
    FundingDecisionFactory,
    InvitationFactory,
    assigned_reviewer,
    submitted_review,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture(autouse=True)
def _english():
    """Labels are read in English here, whatever an earlier test left active."""
    with translation.override("en"):
        yield


def scored_call():
    call = CallFactory(status=CallStatus.SELECTION, with_rules=False)
    CriterionFactory(call=call, scale_min=0, scale_max=10, position=1)
    return call


def review(application, score, submitted_at, **assignment_fields):
    assignment = AssignmentFactory(
        invitation=InvitationFactory(call=application.call),
        application=application,
        **assignment_fields,
    )
    made = submitted_review(assignment=assignment, scores=[score])
    Review.objects.filter(pk=made.pk).update(submitted_at=submitted_at)
    return made


@pytest.fixture
def constructed():
    """Six applications received, two drafts, reviews on three days (Paris time):

    a1 INS2I+INP FUNDED (CS, Physics)      a4 INSB+INC INELIGIBLE
    a2 INS2I+INSB NOT_SELECTED (CS)        a5 INS2I+INC SUBMITTED (Physics)
    a3 INP+INSU MAIN_LIST, decision funded  a6 INS2I+INP WITHDRAWN after submission
    drafts: one never submitted (INS2I+INP), one reopened after a submission.
    """
    call = scored_call()
    cs = DisciplineFactory(name_en="Computer science", name_fr="Informatique")
    physics = DisciplineFactory(name_en="Physics", name_fr="Physique")

    def app(institutes, status, *disciplines):
        application = submitted_application(
            call=call, institutes=institutes, status=status, documents=False
        )
        application.disciplines.add(*disciplines)
        return application

    a1 = app(("INS2I", "INP"), S.FUNDED, cs, physics)
    a2 = app(("INS2I", "INSB"), S.NOT_SELECTED, cs)
    a3 = app(("INP", "INSU"), S.MAIN_LIST)
    FundingDecisionFactory(application=a3)
    app(("INSB", "INC"), S.INELIGIBLE)
    app(("INS2I", "INC"), S.SUBMITTED, physics)
    app(("INS2I", "INP"), S.WITHDRAWN)
    draft = ApplicationFactory(call=call)
    eligible_partners(draft)
    draft.disciplines.add(cs)
    app(("INS2I", "INP"), S.DRAFT, cs)  # reopened: submitted once, back in draft

    day1 = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)
    late_day1 = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Paris
    day2 = datetime(2025, 3, 11, 12, 0, tzinfo=UTC)
    review(a1, 7, day1)
    review(a1, 9, late_day1)
    review(a2, 10, day2)
    # Not counted: an ended assignment, a confirmed conflict, a draft review.
    review(a2, 3, day1, is_active=False)
    conflicted = review(a2, 1, day1)
    Conflict.objects.create(
        invitation=conflicted.assignment.invitation,
        application=a2,
        source=ConflictSource.STAFF,
        status=ConflictStatus.CONFIRMED,
    )
    draft_review = review(a3, 5, day1)
    Review.objects.filter(pk=draft_review.pk).update(status=ReviewStatus.DRAFT)
    return call


def test_dashboard_figures_of_a_constructed_call(constructed):
    dashboard = call_dashboard(constructed)

    assert (dashboard.received, dashboard.drafts, dashboard.funded) == (6, 2, 2)
    assert [(f.key, f.value) for f in dashboard.eligibility] == [
        ("awaiting", 1),
        ("eligible", 3),
        ("ineligible", 1),
        ("withdrawn", 1),
    ]
    institutes = {i.acronym: (i.received, i.funded, i.rate) for i in dashboard.institutes}
    assert institutes == {
        "IN2P3": (0, 0, None),
        "INC": (2, 0, 0.0),
        "INEE": (0, 0, None),
        "INP": (3, 2, 66.7),
        "INS2I": (4, 1, 25.0),
        "INSB": (2, 0, 0.0),
        "INSHS": (0, 0, None),
        "INSIS": (0, 0, None),
        "INSMI": (0, 0, None),
        "INSU": (1, 1, 100.0),
    }
    assert [(d.label, d.value) for d in dashboard.disciplines] == [
        ("Computer science", 2),
        ("Physics", 2),
    ]
    assert dashboard.no_discipline == 3
    assert [(d.day, d.submitted, d.cumulative) for d in dashboard.progress] == [
        (date(2025, 3, 10), 1, 1),
        (date(2025, 3, 11), 2, 3),
    ]
    assert dashboard.reviews_expected == 4  # a1 ×2, a2 ×1, a3 ×1 (draft review)
    assert dashboard.reviews_submitted == 3
    assert [b.count for b in dashboard.score_bins] == [0, 0, 0, 0, 0, 0, 0, 1, 0, 2]
    assert dashboard.score_bins[-1].label == "9\u201310"


def test_discipline_names_follow_the_language(constructed):
    with translation.override("fr"):
        dashboard = call_dashboard(constructed)
    assert [d.label for d in dashboard.disciplines] == ["Informatique", "Physique"]


def test_dashboard_page_shows_every_chart_with_its_table(client, constructed):
    client.force_login(StaffFactory())
    response = client.get(reverse("reviews:call_dashboard", args=[constructed.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("institutes", "disciplines", "eligibility", "progress", "scores", "success"):
        assert f'id="chart-{chart}"' in html
        assert f'id="table-{chart}"' in html
    assert "vendor/chartjs/chart.umd.js" in html
    assert "js/dashboard_charts.js" in html
    assert 'style="' not in html
    data = json.loads(
        html.split('<script id="dashboard-data" type="application/json">')[1].split("</script>")[0]
    )
    assert data["chart-institutes"]["series"][0]["values"] == [0, 2, 0, 3, 4, 2, 0, 0, 0, 1]
    assert data["chart-progress"]["labels"] == ["2025-03-10", "2025-03-11"]
    assert data["chart-progress"]["series"][0]["values"] == [1, 3]
    assert data["chart-success"]["series"][0]["values"][3:5] == [66.7, 25.0]
    assert response.context["dashboard"].received == 6
    assert '<p class="h4 mb-0" data-figure="reviews">3 / 4</p>' in html
    assert '<td class="text-end">66.7 %</td>' in html


def test_chart_library_is_only_on_the_dashboard(client, constructed):
    client.force_login(StaffFactory())
    response = client.get(reverse("reviews:exports", args=[constructed.slug]))
    assert "chartjs" not in response.content.decode()


def test_empty_call_has_a_dashboard(client):
    call = scored_call()
    client.force_login(StaffFactory())
    response = client.get(reverse("reviews:call_dashboard", args=[call.slug]))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert (dashboard.received, dashboard.reviews_submitted, dashboard.progress) == (0, 0, [])
    assert "No review submitted yet (0 assigned)." in response.content.decode()


# --- Queries --------------------------------------------------------------------------


def populate(call, count, start=0):
    statuses = [S.FUNDED, S.NOT_SELECTED, S.INELIGIBLE, S.SUBMITTED]
    discipline = DisciplineFactory(name_en="Computer science")
    for index in range(start, start + count):
        application = submitted_application(
            call=call, status=statuses[index % len(statuses)], documents=False
        )
        application.disciplines.add(discipline)
        assignment = assigned_reviewer(application)
        submitted_review(assignment=assignment, scores=[index % 11])
        FundingDecisionFactory(application=application, outcome="not_funded", funding_source=None)


def dashboard_queries(client, call) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reviews:call_dashboard", args=[call.slug]))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("small", "large"), [(1, 3), (3, 30)])
def test_dashboard_query_count_does_not_grow(client, small, large):
    call = scored_call()
    client.force_login(StaffFactory())
    populate(call, small)
    before = dashboard_queries(client, call)
    populate(call, large - small, start=small)
    assert call_dashboard(call).received == large
    assert dashboard_queries(client, call) == before


# --- Who may see it -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, constructed):
    response = client.get(reverse("reviews:call_dashboard", args=[constructed.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["applicant", "reviewer", "partner_lead", "correspondent"])
def test_everyone_but_programme_staff_gets_404(client, constructed, who):
    application = constructed.applications.filter(status=S.FUNDED).get()
    if who == "applicant":
        user = application.coordinator
    elif who == "reviewer":
        user = assigned_reviewer(application).invitation.expert.user
    elif who == "partner_lead":
        user = UserFactory(email=application.partners.first().lead_email)
    else:
        user = correspondent_of("INP")  # an institute the application involves
    client.force_login(user)
    response = client.get(reverse("reviews:call_dashboard", args=[constructed.slug]))
    assert response.status_code == 404


def test_unknown_call_and_post_are_refused(client, constructed):
    client.force_login(StaffFactory())
    assert client.get(reverse("reviews:call_dashboard", args=["no-such-call"])).status_code == 404
    url = reverse("reviews:call_dashboard", args=[constructed.slug])
    assert client.post(url).status_code == 405
