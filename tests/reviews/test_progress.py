"""The staff progress page of a call: counts per application and per reviewer, filters,
who may see it, and a query count that does not grow with the number of rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import ApplicationStatus, CallStatus
from reviews.models import Assignment, Conflict, ConflictSource, ConflictStatus, ReminderSent
from reviews.selectors import progress as progress_selectors
from reviews.selectors.progress import REVIEWERS_PER_PAGE
from reviews.services.reminders import send_due_reminders
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory, submitted_application
from tests.factories.reviews import assigned_reviewer, submitted_review

pytestmark = pytest.mark.django_db


def make_call(deadline_in_days: float = 20, **fields):
    deadline = timezone.now() + timedelta(days=deadline_in_days)
    return CallFactory(
        opens_at=deadline - timedelta(days=90),
        closes_at=deadline - timedelta(days=45),
        review_deadline=deadline,
        status=CallStatus.IN_REVIEW,
        **fields,
    )


def in_review(call, **fields):
    return submitted_application(
        call=call, status=ApplicationStatus.IN_REVIEW, documents=False, **fields
    )


def progress_url(call, **params):
    url = reverse("reviews:progress", args=[call.slug])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def scenario():
    """Application A: 2 of 3 reviews done; B: 0 of 1 done, one reviewer declared a conflict;
    C: nobody assigned yet. Reviewers: Alice (A done, B pending), Bob (A done), Carol
    (declared a conflict on B)."""
    call = make_call()
    a = in_review(call, acronym="APPA")
    b = in_review(call, acronym="APPB")
    c = in_review(call, acronym="APPC")
    alice = UserFactory(full_name="Alice Adams")
    bob = UserFactory(full_name="Bob Brown")
    carol = UserFactory(full_name="Carol Clark")
    submitted_review(assignment=assigned_reviewer(a, user=alice), scores=[3, 3, 3, 3])
    submitted_review(assignment=assigned_reviewer(a, user=bob), scores=[4, 4, 4, 4])
    # A fixed name (Faker's could sort anywhere among the reviewers).
    pending_on_a = assigned_reviewer(a, user=UserFactory(full_name="Dan Davis"))
    pending_on_b = assigned_reviewer(b, user=alice)
    carol_on_b = assigned_reviewer(b, user=carol)
    Assignment.objects.filter(pk=carol_on_b.pk).update(is_active=False, coi_declaration="conflict")
    Conflict.objects.create(
        invitation=carol_on_b.invitation,
        application=b,
        source=ConflictSource.DECLARED,
        status=ConflictStatus.CONFIRMED,
        reason="Co-author",
    )
    return {
        "call": call,
        "apps": (a, b, c),
        "pending": (pending_on_a, pending_on_b),
        "people": (alice, bob, carol),
    }


def test_per_application_counts_missing_reviewers_and_declared_conflicts(staff_client, scenario):
    response = staff_client.get(progress_url(scenario["call"]))

    assert response.status_code == 200
    rows = {row.application.acronym: row for row in response.context["progress"].applications}
    assert set(rows) == {"APPA", "APPB", "APPC"}
    a, b, c = rows["APPA"], rows["APPB"], rows["APPC"]
    assert (a.done, a.assigned, a.to_assign, a.conflicts_declared) == (2, 3, 0, 0)
    assert (b.done, b.assigned, b.to_assign, b.conflicts_declared) == (0, 1, 2, 1)
    assert (c.done, c.assigned, c.to_assign, c.conflicts_declared) == (0, 0, 3, 0)
    assert a.pending == [scenario["pending"][0]]
    assert [x.invitation.expert.full_name for x in b.pending] == ["Alice Adams"]
    assert not any(row.late for row in rows.values())


def test_per_reviewer_counts(staff_client, scenario):
    response = staff_client.get(progress_url(scenario["call"]))

    rows = {row.invitation.expert.full_name: row for row in response.context["progress"].reviewers}
    assert (rows["Alice Adams"].done, rows["Alice Adams"].assigned) == (1, 2)
    assert (rows["Bob Brown"].done, rows["Bob Brown"].assigned) == (1, 1)
    assert (rows["Carol Clark"].done, rows["Carol Clark"].assigned) == (0, 0)
    assert rows["Carol Clark"].conflicts_declared == 1
    assert all(row.late == 0 for row in rows.values())


def test_only_incomplete_filter(staff_client, scenario):
    response = staff_client.get(progress_url(scenario["call"], incomplete="on"))

    progress = response.context["progress"]
    assert [r.application.acronym for r in progress.applications] == ["APPA", "APPB", "APPC"]
    names = [r.invitation.expert.full_name for r in progress.reviewers]
    assert "Alice Adams" in names
    assert "Bob Brown" not in names and "Carol Clark" not in names


def test_complete_application_leaves_the_incomplete_filter(staff_client, scenario):
    submitted_review(assignment=scenario["pending"][0], scores=[2, 2, 2, 2])

    response = staff_client.get(progress_url(scenario["call"], incomplete="on"))

    acronyms = [r.application.acronym for r in response.context["progress"].applications]
    assert acronyms == ["APPB", "APPC"]


def test_only_late_is_empty_before_the_deadline(staff_client, scenario):
    response = staff_client.get(progress_url(scenario["call"], late="on"))

    assert response.context["progress"].applications == []
    assert response.context["progress"].reviewers == []


def test_after_the_deadline_late_reviewers_and_applications_are_flagged(staff_client, scenario):
    call = scenario["call"]
    call.review_deadline = timezone.now() - timedelta(hours=1)
    call.save()

    response = staff_client.get(progress_url(call, late="on"))

    progress = response.context["progress"]
    assert [r.application.acronym for r in progress.applications] == ["APPA", "APPB"]
    assert all(r.late for r in progress.applications)
    late = {r.invitation.expert.full_name: r.late for r in progress.reviewers}
    assert late.pop("Alice Adams") == 1
    assert len(late) == 1 and list(late.values()) == [1]
    assert b"Reopen" in response.content


def test_last_reminder_is_shown_per_reviewer(staff_client, scenario):
    call = scenario["call"]
    call.review_deadline = timezone.now() + timedelta(days=2)
    call.save()
    send_due_reminders()

    response = staff_client.get(progress_url(call))

    rows = {r.invitation.expert.full_name: r for r in response.context["progress"].reviewers}
    assert rows["Alice Adams"].last_reminder_at is not None
    assert rows["Bob Brown"].last_reminder_at is None


def test_staff_who_coordinates_an_application_does_not_see_its_row(client, scenario):
    a = scenario["apps"][0]
    a.coordinator.is_programme_staff = True
    a.coordinator.save()
    client.force_login(a.coordinator)

    response = client.get(progress_url(scenario["call"]))

    acronyms = [r.application.acronym for r in response.context["progress"].applications]
    assert acronyms == ["APPB", "APPC"]
    assert b"Bob Brown" in response.content  # a reviewer row, with no application named


def test_drafts_and_withdrawn_applications_are_not_listed(staff_client):
    call = make_call()
    submitted_application(call=call, status=ApplicationStatus.DRAFT, documents=False)
    withdrawn = in_review(call)
    assigned_reviewer(withdrawn)
    withdrawn.status = ApplicationStatus.WITHDRAWN
    withdrawn.save()

    response = staff_client.get(progress_url(call))

    assert response.context["progress"].applications == []


@pytest.mark.parametrize("who", ["reviewer", "applicant", "stranger"])
def test_progress_page_is_404_for_anyone_but_programme_staff(client, scenario, who):
    user = {
        "reviewer": scenario["people"][0],
        "applicant": scenario["apps"][0].coordinator,
        "stranger": UserFactory(),
    }[who]
    client.force_login(user)

    assert client.get(progress_url(scenario["call"])).status_code == 404


def test_progress_page_sends_anonymous_visitors_to_login(client, scenario):
    response = client.get(progress_url(scenario["call"]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_unknown_call_is_404(staff_client):
    assert staff_client.get(reverse("reviews:progress", args=["nope"])).status_code == 404


def grow(call, count: int) -> None:
    """``count`` more applications, each with two reviewers (one done), and a declared
    conflict on each."""
    for _ in range(count):
        application = in_review(call)
        submitted_review(assignment=assigned_reviewer(application), scores=[1, 2, 3, 4])
        assigned_reviewer(application)
        ended = assigned_reviewer(application)
        Assignment.objects.filter(pk=ended.pk).update(is_active=False)
        Conflict.objects.create(
            invitation=ended.invitation,
            application=application,
            source=ConflictSource.DECLARED,
            status=ConflictStatus.CONFIRMED,
        )


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"incomplete": "on"}, {"late": "on"}])
def test_query_count_is_the_same_for_1_3_and_30_applications(staff_client, params):
    call = make_call(deadline_in_days=-1)
    url = progress_url(call, **params)
    grow(call, 1)
    one = queries_for(staff_client, url)
    grow(call, 2)
    three = queries_for(staff_client, url)
    grow(call, 27)
    thirty = queries_for(staff_client, url)

    assert one == three == thirty
    response = staff_client.get(url)
    progress = response.context["progress"]
    assert len(progress.applications) == 30
    # Each application: one reviewer done, one not, one ended by a conflict (counted 0/0).
    reviewers = 30 if params else 90
    assert progress.reviewers_page.paginator.count == reviewers
    assert len(progress.reviewers) == min(reviewers, REVIEWERS_PER_PAGE)


def test_second_page_of_reviewers_costs_the_same_queries(staff_client):
    call = make_call(deadline_in_days=-1)
    grow(call, 20)  # 60 reviewers: two pages
    first = queries_for(staff_client, progress_url(call))

    second_url = progress_url(call, reviewers_page=2)
    second = queries_for(staff_client, second_url)

    assert first == second
    progress = staff_client.get(second_url).context["progress"]
    assert progress.reviewers_page.number == 2
    assert len(progress.reviewers) == 60 - REVIEWERS_PER_PAGE
    assert len(progress.applications) == 20


@pytest.fixture
def two_per_page(monkeypatch):
    monkeypatch.setattr(progress_selectors, "APPLICATIONS_PER_PAGE", 2)
    monkeypatch.setattr(progress_selectors, "REVIEWERS_PER_PAGE", 2)


def test_each_table_has_its_own_page_and_links_keep_the_other_parameters(
    staff_client, scenario, two_per_page
):
    call = scenario["call"]

    response = staff_client.get(progress_url(call, applications_page=2, reviewers_page=1))

    progress = response.context["progress"]
    assert [r.application.acronym for r in progress.applications] == ["APPC"]
    assert [r.invitation.expert.full_name for r in progress.reviewers] == [
        "Alice Adams",
        "Bob Brown",
    ]
    content = response.content.decode()
    assert 'href="?applications_page=1&amp;reviewers_page=1" rel="prev"' in content
    assert 'href="?applications_page=2&amp;reviewers_page=2" rel="next"' in content
    assert 'aria-label="Pages of the applications"' in content
    assert 'aria-label="Pages of the reviewers"' in content


def test_pages_out_of_range_or_invalid_show_the_last_or_first_page(
    staff_client, scenario, two_per_page
):
    response = staff_client.get(
        progress_url(scenario["call"], applications_page=99, reviewers_page="x")
    )

    progress = response.context["progress"]
    assert progress.applications_page.number == 2
    assert progress.reviewers_page.number == 1


def test_call_totals_count_every_live_assignment_whatever_the_page_or_filter(
    staff_client, scenario, two_per_page
):
    # Live: three on A (two submitted), Alice's on B; Carol's is ended by her conflict.
    for params in ({}, {"applications_page": 2, "reviewers_page": 2}, {"incomplete": "on"}):
        response = staff_client.get(progress_url(scenario["call"], **params))

        progress = response.context["progress"]
        assert (progress.reviews_done, progress.reviews_assigned) == (2, 4)
        assert "2 of 4 assigned reviews submitted" in response.content.decode()


def test_a_reminder_brings_staff_back_to_their_pages_and_filters(staff_client, scenario):
    call = scenario["call"]
    alice = scenario["pending"][1].invitation
    url = reverse("reviews:remind_reviewer", args=[call.slug, alice.pk])

    response = staff_client.post(
        url, {"back": "incomplete=on&reviewers_page=2&next=https://evil.example"}
    )

    assert response.status_code == 302
    assert response.url == progress_url(call, incomplete="on", reviewers_page=2)
    assert ReminderSent.objects.filter(assignment__invitation=alice).exists()
