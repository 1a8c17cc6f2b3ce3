"""Correspondents never see the evaluation: no reviews, scores, reviewer identities,
conflicts, internal eligibility notes, confidential comments or reviewers to exclude.

These tests render the pages for an application that has all of those, so that a
template change adding any of them to what a correspondent reads fails here."""

import pytest
from django.urls import reverse

from calls.models import ApplicationStatus, CallStatus, ExcludedReviewer
from reviews.models import (
    Assignment,
    Conflict,
    ConflictSource,
    ConflictStatus,
    CriterionScore,
    Expert,
    Invitation,
    Review,
)
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory, correspondent_of, submitted_application
from tests.factories.reviews import (
    ExpertFactory,
    InvitationFactory,
    assigned_reviewer,
    submitted_review,
)

pytestmark = pytest.mark.django_db

EVALUATION_MODELS = (Review, Assignment, Conflict, Invitation, Expert, CriterionScore)


@pytest.fixture
def evaluated():
    """An application of INS2I and INP in review, with everything a correspondent must not see."""
    call = CallFactory(status=CallStatus.IN_REVIEW)
    application = submitted_application(
        call=call,
        institutes=("INS2I", "INP"),
        status=ApplicationStatus.IN_REVIEW,
        eligibility_reason="Internal eligibility note: budget line unclear.",
    )
    ExcludedReviewer.objects.create(
        application=application,
        name="Excluded Person Zebedee",
        institution="Rival Institute of Technology",
        reason="Direct competitor.",
    )
    reviewer = UserFactory(full_name="Quirinus Vanderbilt", email="quirinus@reviewer.example.org")
    assignment = assigned_reviewer(application, user=reviewer)
    review = submitted_review(assignment=assignment, scores=[4, 2, 3, None])
    review.comments_for_staff = "Confidential: the team overstates its results."
    review.save(update_fields=["comments_for_staff"])
    CriterionScore.objects.filter(review=review).update(comment="Criterion remark Ximenez")
    conflicted = InvitationFactory(
        call=call,
        expert=ExpertFactory(full_name="Conflicted Cornelius", institution="Neighbour Lab"),
    )
    Conflict.objects.create(
        invitation=conflicted,
        application=application,
        source=ConflictSource.DETECTED,
        status=ConflictStatus.CONFIRMED,
        reason="Same unit as partner Yolanda.",
    )
    return application, review


def secrets(review) -> list[str]:
    expert = review.assignment.invitation.expert
    return [
        "Quirinus Vanderbilt",
        "quirinus@reviewer.example.org",
        expert.institution,
        "Conflicted Cornelius",
        "Neighbour Lab",
        "Same unit as partner Yolanda.",
        "Confidential: the team overstates its results.",
        review.comments_for_applicants,
        "Criterion remark Ximenez",
        str(review.total),
        "Internal eligibility note",
        "Excluded Person Zebedee",
        "Rival Institute of Technology",
        "Direct competitor.",
    ]


def assert_no_evaluation_in_context(response) -> None:
    for context in response.context:
        for key, value in context.flatten().items():
            values = value if isinstance(value, list | tuple) else [value]
            for item in values:
                assert not isinstance(item, EVALUATION_MODELS), key


@pytest.mark.parametrize("page", ["detail", "list"])
def test_correspondent_pages_show_no_evaluation(client, evaluated, page):
    application, review = evaluated
    client.force_login(correspondent_of("INP"))
    url = (
        reverse("calls:application_detail", args=[application.pk])
        if page == "detail"
        else reverse("calls:institute_applications")
    )

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert application.title in html
    assert "In review" in html  # the real status is there
    for secret in secrets(review):
        assert secret not in html, secret
    assert_no_evaluation_in_context(response)


def test_staff_still_see_the_reviewers_to_exclude(client, evaluated):
    application, _ = evaluated
    client.force_login(StaffFactory())

    html = client.get(reverse("calls:application_detail", args=[application.pk])).content.decode()

    assert "Excluded Person Zebedee" in html


def test_coordinator_still_sees_the_reviewers_to_exclude_but_no_reviewer(client, evaluated):
    application, review = evaluated
    client.force_login(application.coordinator)

    html = client.get(reverse("calls:application_detail", args=[application.pk])).content.decode()

    assert "Excluded Person Zebedee" in html
    assert "Quirinus Vanderbilt" not in html
    assert "Confidential: the team overstates its results." not in html


def test_correspondent_of_an_uninvolved_institute_sees_nothing(client, evaluated):
    application, _ = evaluated
    client.force_login(correspondent_of("INSB"))

    assert client.get(reverse("calls:application_detail", args=[application.pk])).status_code == (
        404
    )
    assert client.get(reverse("calls:institute_applications")).context["rows"] == []
