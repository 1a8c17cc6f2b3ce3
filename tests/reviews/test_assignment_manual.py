"""Staff add and remove reviewers by hand, per application: the page shows conflicts and
loads; a conflict, a full reviewer or a double assignment is refused with a clear message;
a submitted review is only removed on confirmation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from calls.models import ApplicationStatus
from reviews.models import Assignment, ConflictSource, ConflictStatus
from tests.accounts.helpers import messages_of
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory
from tests.factories.reviews import (
    AssignmentFactory,
    ConflictFactory,
    InvitationFactory,
    eligible_application,
    reviewer_of,
    submitted_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def call():
    return CallFactory()


@pytest.fixture
def application(call):
    return eligible_application(
        call,
        acronym="TURBO",
        keywords=["turbulence", "neural operators"],
        abstract="Neural operators learn turbulent flows from simulations.",
    )


def expert_for(call, name, *, max_load=8, **expert):
    return InvitationFactory(
        call=call,
        max_load=max_load,
        expert__full_name=name,
        expert__keywords=expert.pop("keywords", ["turbulence"]),
        expert__statement=expert.pop("statement", "Turbulence modelling with neural networks."),
        **{f"expert__{k}": v for k, v in expert.items()},
    )


def page_url(application):
    return reverse("reviews:assignment_application", args=[application.call.slug, application.pk])


def add_url(application):
    return reverse("reviews:assignment_add", args=[application.call.slug, application.pk])


def remove_url(assignment):
    application = assignment.application
    return reverse(
        "reviews:assignment_remove",
        args=[application.call.slug, application.pk, assignment.pk],
    )


def test_page_shows_reviewers_with_conflict_status_and_load(staff_client, call, application):
    free = expert_for(call, "Free Reviewer", max_load=4)
    conflicted = expert_for(call, "Conflicted Reviewer")
    ConflictFactory(invitation=conflicted, application=application, status="confirmed")
    suspected = expert_for(call, "Suspected Reviewer")
    ConflictFactory(invitation=suspected, application=application)
    full = expert_for(call, "Full Reviewer", max_load=1)
    AssignmentFactory(invitation=full, application=eligible_application(call))
    AssignmentFactory(invitation=free, application=eligible_application(call))

    response = staff_client.get(page_url(application))

    assert response.status_code == 200
    rows = {r.invitation.expert.full_name: r for r in response.context["candidates"]}
    assert [(r.load, r.cap, r.conflict_status, r.blocked) for r in rows.values()] == [
        (1, 4, "", False),
        (0, 8, "suspected", False),
        (0, 8, "confirmed", True),
        (1, 1, "", True),
    ]
    assert list(rows) == [
        "Free Reviewer",
        "Suspected Reviewer",
        "Conflicted Reviewer",
        "Full Reviewer",
    ]
    assert rows["Free Reviewer"].affinity > 0
    assert "turbulence" in rows["Free Reviewer"].shared
    content = response.content.decode()
    assert content.count('disabled aria-disabled="true"') == 2
    assert "Confirmed conflict" in content and "Suspected conflict" in content


def test_staff_assign_a_reviewer(staff_client, staff, call, application):
    invitation = expert_for(call, "Grace Hopper", email="grace@navy.example.org")

    response = staff_client.post(add_url(application), {"invitation": invitation.pk}, follow=True)

    assignment = Assignment.objects.get(application=application)
    assert (assignment.invitation, assignment.is_active, assignment.created_by) == (
        invitation,
        True,
        staff,
    )
    assert assignment.affinity > 0 and "turbulence" in assignment.shared_terms
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    mail = OutboxMessage.objects.get(event="review_assignment")
    assert mail.to_email == "grace@navy.example.org"
    assert "TURBO" in mail.body_text
    event = AuditEvent.objects.get(verb="assignment.created")
    assert (event.actor, event.data["source"]) == (staff, "manual")
    assert messages_of(response) == [
        f"Grace Hopper is assigned to {application}; they will be told by e-mail."
    ]


def test_confirmed_conflict_is_refused(staff_client, call, application):
    invitation = expert_for(call, "Conflicted Reviewer")
    ConflictFactory(
        invitation=invitation,
        application=application,
        source=ConflictSource.STAFF,
        status=ConflictStatus.CONFIRMED,
    )

    response = staff_client.post(
        add_url(application), {"invitation": invitation.pk, "allow_suspected": "on"}, follow=True
    )

    assert not Assignment.objects.exists()
    assert messages_of(response) == [
        f"Conflicted Reviewer has a confirmed conflict of interest with {application} and "
        "cannot be assigned to it."
    ]
    assert not OutboxMessage.objects.filter(event="review_assignment").exists()


def test_suspected_conflict_needs_staff_consent(staff_client, call, application):
    invitation = expert_for(call, "Suspected Reviewer")
    ConflictFactory(invitation=invitation, application=application)

    refused = staff_client.post(add_url(application), {"invitation": invitation.pk}, follow=True)
    assert not Assignment.objects.exists()
    assert "suspected conflict of interest" in messages_of(refused)[0]

    staff_client.post(add_url(application), {"invitation": invitation.pk, "allow_suspected": "on"})
    assert Assignment.objects.filter(invitation=invitation, application=application).exists()
    event = AuditEvent.objects.get(verb="assignment.created")
    assert event.data["conflict_status"] == "suspected"


def test_reviewer_at_maximum_is_refused(staff_client, call, application):
    invitation = expert_for(call, "Busy Reviewer", max_load=2)
    for _ in range(2):
        AssignmentFactory(invitation=invitation, application=eligible_application(call))

    response = staff_client.post(add_url(application), {"invitation": invitation.pk}, follow=True)

    assert not Assignment.objects.filter(application=application).exists()
    assert messages_of(response) == [
        "Busy Reviewer already has 2 applications to review, their maximum is 2."
    ]


def test_same_reviewer_twice_is_refused(staff_client, call, application):
    invitation = expert_for(call, "Ada Reviewer")
    AssignmentFactory(invitation=invitation, application=application)

    response = staff_client.post(add_url(application), {"invitation": invitation.pk}, follow=True)

    assert Assignment.objects.filter(application=application).count() == 1
    assert messages_of(response) == [f"Ada Reviewer is already assigned to {application}."]


def test_reviewer_of_another_call_is_not_found(staff_client, call, application):
    other = InvitationFactory()

    response = staff_client.post(add_url(application), {"invitation": other.pk})

    assert response.status_code == 404
    assert not Assignment.objects.exists()


def test_application_not_yet_eligible_is_refused(staff_client, call):
    submitted = eligible_application(call)
    submitted.status = ApplicationStatus.SUBMITTED
    submitted.save(update_fields=["status"])
    invitation = expert_for(call, "Ada Reviewer")

    response = staff_client.post(add_url(submitted), {"invitation": invitation.pk}, follow=True)

    assert not Assignment.objects.exists()
    assert messages_of(response) == [
        f"{submitted} is \u201cSubmitted\u201d: reviewers can only be added to eligible "
        "applications and applications in review."
    ]


def test_remove_a_reviewer_with_a_reason(staff_client, staff, call, application):
    assignment = AssignmentFactory(invitation=expert_for(call, "Ada"), application=application)

    response = staff_client.post(remove_url(assignment), {"reason": "Too busy."}, follow=True)

    assignment.refresh_from_db()
    assert (assignment.is_active, assignment.end_reason) == (False, "Too busy.")
    assert assignment.ended_at is not None
    event = AuditEvent.objects.get(verb="assignment.ended")
    assert (event.actor, event.data["reason"]) == (staff, "Too busy.")
    assert messages_of(response) == [f"Ada no longer reviews {application}."]


def test_remove_without_a_reason_is_refused(staff_client, call, application):
    assignment = AssignmentFactory(invitation=expert_for(call, "Ada"), application=application)

    response = staff_client.post(remove_url(assignment), {"reason": "  "}, follow=True)

    assignment.refresh_from_db()
    assert assignment.is_active
    assert messages_of(response) == ["Say why this reviewer is removed: it is kept in the record."]


def test_removing_a_submitted_review_needs_confirmation(staff_client, call, application):
    assignment = AssignmentFactory(invitation=expert_for(call, "Ada"), application=application)
    submitted_review(assignment=assignment, scores=[3, 3, 3, 3])

    refused = staff_client.post(remove_url(assignment), {"reason": "Late doubt."}, follow=True)
    assignment.refresh_from_db()
    assert assignment.is_active
    assert messages_of(refused) == [
        "Ada has already submitted their review. Tick the confirmation to remove them anyway: "
        "the review is kept but will no longer count."
    ]

    staff_client.post(remove_url(assignment), {"reason": "Late doubt.", "confirm_submitted": "on"})
    assignment.refresh_from_db()
    assert not assignment.is_active
    assert assignment.review.status == "submitted"  # kept for the record
    assert AuditEvent.objects.get(verb="assignment.ended").data["review_status"] == "submitted"


# --- Who may reach these pages ------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, call, application):
    invitation = expert_for(call, "Ada")
    for url in (page_url(application), reverse("reviews:assignment", args=[call.slug])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(add_url(application), {"invitation": invitation.pk})
    assert response.status_code == 302
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("role", ["applicant", "reviewer", "other user", "staff applicant"])
def test_others_get_404(client, call, application, role):
    invitation = expert_for(call, "Ada")
    assignment = AssignmentFactory(invitation=expert_for(call, "Bob"), application=application)
    if role == "applicant":
        user = application.coordinator
    elif role == "reviewer":
        user = reviewer_of(call, accept_terms=True).expert.user
    elif role == "staff applicant":
        user = application.coordinator
        user.is_programme_staff = True
        user.save()
    else:
        user = UserFactory()
    client.force_login(user)

    for url in (page_url(application), reverse("reviews:assignment", args=[call.slug])):
        if role == "staff applicant" and url.endswith("/assignment/"):
            continue  # staff see the call, without their own application
        assert client.get(url).status_code == 404, url
    assert client.post(add_url(application), {"invitation": invitation.pk}).status_code == 404
    assert client.post(remove_url(assignment), {"reason": "x"}).status_code == 404
    assert list(Assignment.objects.filter(is_active=True)) == [assignment]


def test_staff_do_not_see_their_own_application_on_the_overview(client, call, application):
    staff = application.coordinator
    staff.is_programme_staff = True
    staff.save()
    other = eligible_application(call)
    client.force_login(staff)

    response = client.get(reverse("reviews:assignment", args=[call.slug]))

    assert [a.pk for a in response.context["page"].object_list] == [other.pk]


# --- Query counts -------------------------------------------------------------------


def test_application_page_queries_do_not_grow_with_reviewers(
    staff_client, call, application, django_assert_num_queries
):
    def add_reviewers(n):
        for i in range(n):
            invitation = expert_for(call, f"Reviewer {i}")
            AssignmentFactory(invitation=invitation, application=application)
            ConflictFactory(invitation=expert_for(call, f"Conflicted {i}"), application=application)

    add_reviewers(1)
    staff_client.get(page_url(application))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        staff_client.get(page_url(application))
    add_reviewers(2)
    with django_assert_num_queries(len(one.captured_queries)):
        response = staff_client.get(page_url(application))
    assert len(response.context["assignments"]) == 3
    assert len(response.context["candidates"]) == 6


def test_overview_queries_do_not_grow_with_applications(
    staff_client, call, django_assert_num_queries
):
    def add_applications(n):
        for _ in range(n):
            AssignmentFactory(
                invitation=expert_for(call, "R"), application=eligible_application(call)
            )

    url = reverse("reviews:assignment", args=[call.slug])
    add_applications(1)
    staff_client.get(url)
    with CaptureQueriesContext(connection) as one:
        staff_client.get(url)
    add_applications(2)
    with django_assert_num_queries(len(one.captured_queries)):
        response = staff_client.get(url)
    assert [a.reviewers for a in response.context["page"].object_list] == [1, 1, 1]
