"""The review form: drafts, submission, bad input, the deadline, staff reopening, and
the weighted total stored at each save (N/A left out, never zero)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from calls.models import ApplicationStatus
from reviews.models import (
    Assignment,
    Conflict,
    ConflictSource,
    ConflictStatus,
    CriterionScore,
    Review,
    ReviewStatus,
)
from reviews.scoring.weighted import CriterionSpec, weighted_total
from reviews.services.review_input import ReviewData, ScoreInput
from reviews.services.reviewing import ReviewClosed, ReviewInputError, ReviewNotAllowed, save_review
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory, submitted_application
from tests.factories.reviews import assigned_reviewer, criteria_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    # Criteria (CallFactory): excellence (weight 2), interdisciplinarity, feasibility,
    # collaboration (N/A allowed); all scored 0 to 5.
    return CallFactory(
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=30),
        review_deadline=timezone.now() + timedelta(days=20),
    )


@pytest.fixture
def criteria(call):
    return criteria_of(call)


@pytest.fixture
def application(call):
    return submitted_application(call=call, status=ApplicationStatus.IN_REVIEW)


@pytest.fixture
def assignment(application):
    return assigned_reviewer(application)


@pytest.fixture
def reviewer_client(client, assignment):
    client.force_login(assignment.invitation.expert.user)
    return client


def review_url(application):
    return reverse("reviews:review_edit", args=[application.pk])


def form_data(criteria, scores, *, na=(), action="save", **overall):
    """POST data: ``scores`` in criterion order ("" = left empty), ``na`` positions."""
    data = {"action": action}
    for position, (criterion, score) in enumerate(zip(criteria, scores, strict=True)):
        data[f"score_{criterion.pk}"] = "" if score is None else str(score)
        data[f"comment_{criterion.pk}"] = f"Comment on {criterion.name_en}"
        if position in na:
            data[f"na_{criterion.pk}"] = "on"
    data.update(
        {
            "recommendation": "",
            "confidence": "",
            "comments_for_applicants": "",
            "comments_for_staff": "",
        }
    )
    data.update(overall)
    return data


def complete(criteria, action="submit", **overall):
    values = {
        "recommendation": "yes",
        "confidence": "4",
        "comments_for_applicants": "A strong project.",
        "comments_for_staff": "I know the field well.",
        **overall,
    }
    return form_data(criteria, [5, 3, 4, None], na=(3,), action=action, **values)


def stored(assignment) -> Review:
    return Review.objects.get(assignment=assignment)


def test_form_has_one_score_and_comment_per_criterion_and_na_only_where_allowed(
    reviewer_client, application, criteria
):
    response = reviewer_client.get(review_url(application))

    assert response.status_code == 200
    form = response.context["form"]
    for criterion in criteria:
        assert f"score_{criterion.pk}" in form.fields
        assert f"comment_{criterion.pk}" in form.fields
        assert (f"na_{criterion.pk}" in form.fields) is criterion.allow_na
    assert [row.criterion for row in form.criterion_rows()] == criteria


def test_partial_draft_is_saved_without_a_total(reviewer_client, application, assignment, criteria):
    response = reviewer_client.post(
        review_url(application), form_data(criteria, [4, None, None, None])
    )

    assert response.status_code == 302
    review = stored(assignment)
    assert review.status == ReviewStatus.DRAFT
    assert review.total is None
    scores = {s.criterion_id: s for s in review.scores.all()}
    assert scores[criteria[0].pk].score == 4
    assert scores[criteria[1].pk].score is None
    assert scores[criteria[1].pk].comment == "Comment on AI × science interdisciplinarity"
    assert AuditEvent.objects.filter(verb="review.draft_saved").count() == 1
    # What was saved comes back in the form.
    form = reviewer_client.get(review_url(application)).context["form"]
    assert form.initial[f"score_{criteria[0].pk}"] == 4


def test_out_of_range_score_is_refused_per_field_keeps_what_was_typed_and_saves_nothing(
    reviewer_client, application, assignment, criteria
):
    reviewer_client.post(review_url(application), form_data(criteria, [4, 2, None, None]))
    before = list(CriterionScore.objects.values_list("criterion_id", "score", "comment"))

    data = form_data(criteria, [9, -1, "2.5", None], comments_for_applicants="Typed text")
    response = reviewer_client.post(review_url(application), data)

    assert response.status_code == 200
    form = response.context["form"]
    message = "Enter a whole number from 0 to 5."
    assert form.errors[f"score_{criteria[0].pk}"] == [message]
    assert form.errors[f"score_{criteria[1].pk}"] == [message]
    assert form.errors[f"score_{criteria[2].pk}"] == [message]
    assert form[f"score_{criteria[0].pk}"].value() == "9"
    assert form["comments_for_applicants"].value() == "Typed text"
    assert b"Typed text" in response.content
    assert response.content.decode().count(message) == 3
    assert list(CriterionScore.objects.values_list("criterion_id", "score", "comment")) == before
    assert stored(assignment).comments_for_applicants == ""


def test_na_on_a_criterion_that_does_not_allow_it_is_refused_by_the_service(assignment, criteria):
    data = ReviewData(scores={criteria[0].pk: ScoreInput(not_applicable=True)})

    with pytest.raises(ReviewInputError) as caught:
        save_review(assignment=assignment, by=assignment.invitation.expert.user, data=data)

    assert caught.value.errors == {
        f"score_{criteria[0].pk}": "This criterion cannot be marked “not applicable”."
    }
    assert not Review.objects.exists()


def test_out_of_range_score_is_refused_by_the_service_too(assignment, criteria):
    data = ReviewData(scores={criteria[1].pk: ScoreInput(score=6)})

    with pytest.raises(ReviewInputError) as caught:
        save_review(assignment=assignment, by=assignment.invitation.expert.user, data=data)

    assert caught.value.errors == {f"score_{criteria[1].pk}": "Enter a whole number from 0 to 5."}
    assert not Review.objects.exists()


def test_score_and_na_together_are_refused(reviewer_client, application, criteria):
    response = reviewer_client.post(
        review_url(application), form_data(criteria, [None, None, None, 3], na=(3,))
    )

    assert response.status_code == 200
    assert response.context["form"].errors[f"score_{criteria[3].pk}"] == [
        "Give a score or tick “not applicable”, not both."
    ]
    assert not Review.objects.exists()


def test_submit_with_missing_parts_saves_the_draft_and_says_what_is_missing(
    reviewer_client, application, assignment, criteria
):
    data = form_data(criteria, [5, None, 4, None], action="submit", recommendation="yes")

    response = reviewer_client.post(review_url(application), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors[f"score_{criteria[1].pk}"] == ["Give a score."]
    assert errors[f"score_{criteria[3].pk}"] == ["Give a score or tick “not applicable”."]
    assert errors["confidence"] == ["Choose your confidence level."]
    assert "recommendation" not in errors
    review = stored(assignment)
    assert review.status == ReviewStatus.DRAFT
    assert review.recommendation == "yes"
    assert review.submitted_at is None


def test_complete_submission_stores_the_weighted_total_leaving_na_out(
    reviewer_client, application, assignment, criteria
):
    response = reviewer_client.post(review_url(application), complete(criteria))

    assert response.status_code == 302
    review = stored(assignment)
    assert review.status == ReviewStatus.SUBMITTED
    assert review.submitted_at is not None
    assert (review.recommendation, review.confidence) == ("yes", 4)
    assert review.comments_for_staff == "I know the field well."
    # 10 × (2·5/5 + 1·3/5 + 1·4/5) / (2 + 1 + 1): N/A is out of both sums.
    assert review.total == Decimal("8.50")
    expected = weighted_total(
        {c.pk: s for c, s in zip(criteria, [5, 3, 4, None], strict=True)},
        [CriterionSpec.from_criterion(c) for c in criteria],
    )
    assert review.total == expected
    na = review.scores.get(criterion=criteria[3])
    assert (na.not_applicable, na.score) == (True, None)
    assert AuditEvent.objects.filter(verb="review.submitted").count() == 1


def test_na_is_not_counted_as_zero(assignment, criteria):
    user = assignment.invitation.expert.user
    scores = {c.pk: ScoreInput(score=5) for c in criteria[:3]}

    with_na = save_review(
        assignment=assignment,
        by=user,
        data=ReviewData(scores={**scores, criteria[3].pk: ScoreInput(not_applicable=True)}),
    )
    assert with_na.review.total == Decimal("10.00")
    with_zero = save_review(
        assignment=assignment,
        by=user,
        data=ReviewData(scores={**scores, criteria[3].pk: ScoreInput(score=0)}),
    )
    assert with_zero.review.total == Decimal("8.00")


def test_submitted_review_can_be_changed_before_the_deadline_and_stays_submitted(
    reviewer_client, application, assignment, criteria
):
    reviewer_client.post(review_url(application), complete(criteria))
    first_submission = stored(assignment).submitted_at

    data = complete(criteria, recommendation="strong_yes")
    data[f"score_{criteria[0].pk}"] = "3"
    response = reviewer_client.post(review_url(application), data)

    assert response.status_code == 302
    review = stored(assignment)
    assert review.status == ReviewStatus.SUBMITTED
    assert review.recommendation == "strong_yes"
    assert review.total == Decimal("6.50")
    assert review.submitted_at == first_submission
    assert AuditEvent.objects.filter(verb="review.updated").count() == 1


def test_submitted_review_cannot_be_made_incomplete(
    reviewer_client, application, assignment, criteria
):
    reviewer_client.post(review_url(application), complete(criteria))

    data = complete(criteria, confidence="")
    response = reviewer_client.post(review_url(application), data)

    assert response.status_code == 200
    assert response.context["form"].errors["confidence"] == ["Choose your confidence level."]
    review = stored(assignment)
    assert (review.status, review.confidence) == (ReviewStatus.SUBMITTED, 4)


def test_after_the_deadline_nothing_is_saved_and_the_reason_is_clear(
    reviewer_client, call, application, assignment, criteria
):
    reviewer_client.post(review_url(application), form_data(criteria, [4, None, None, None]))
    call.review_deadline = timezone.now() - timedelta(minutes=1)
    call.save()

    response = reviewer_client.post(review_url(application), complete(criteria))

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "The review deadline passed on" in errors[0]
    assert "Nothing was saved" in errors[0]
    review = stored(assignment)
    assert review.status == ReviewStatus.DRAFT
    assert review.recommendation == ""
    assert review.scores.get(criterion=criteria[1]).score is None
    page = reviewer_client.get(review_url(application))
    assert page.context["editable"] is False
    assert b'data-testid="closed"' in page.content


def test_service_refuses_after_the_deadline(call, assignment, criteria):
    call.review_deadline = timezone.now() - timedelta(seconds=1)
    call.save()

    with pytest.raises(ReviewClosed):
        save_review(
            assignment=assignment,
            by=assignment.invitation.expert.user,
            data=ReviewData(scores={criteria[0].pk: ScoreInput(score=3)}),
        )

    assert not Review.objects.exists()


def test_review_posted_for_an_application_not_assigned_to_me_is_404(
    reviewer_client, call, criteria
):
    other = submitted_application(call=call, status=ApplicationStatus.IN_REVIEW)
    assigned_reviewer(other)  # someone else reviews it

    response = reviewer_client.post(review_url(other), complete(criteria))

    assert response.status_code == 404
    assert not Review.objects.exists()


def test_service_refuses_someone_elses_assignment(assignment, criteria):
    with pytest.raises(ReviewNotAllowed):
        save_review(
            assignment=assignment,
            by=UserFactory(),
            data=ReviewData(scores={criteria[0].pk: ScoreInput(score=3)}),
        )

    assert not Review.objects.exists()


def test_review_posted_by_a_conflicted_reviewer_is_404(
    reviewer_client, application, assignment, criteria
):
    Conflict.objects.create(
        invitation=assignment.invitation,
        application=application,
        source=ConflictSource.STAFF,
        status=ConflictStatus.CONFIRMED,
    )

    response = reviewer_client.post(review_url(application), complete(criteria))

    assert response.status_code == 404
    assert not Review.objects.exists()


def test_review_before_declaring_sends_back_to_the_declaration(client, application, criteria):
    assignment = assigned_reviewer(application, declared=False)
    client.force_login(assignment.invitation.expert.user)

    response = client.post(review_url(application), complete(criteria))

    assert response.status_code == 302
    assert response.url == reverse("reviews:assignment_detail", args=[application.pk])
    assert not Review.objects.exists()


def test_review_of_an_ended_assignment_is_404(reviewer_client, application, assignment, criteria):
    Assignment.objects.filter(pk=assignment.pk).update(is_active=False)

    response = reviewer_client.post(review_url(application), complete(criteria))

    assert response.status_code == 404


# --- Staff reopen ---------------------------------------------------------------------


def reopen_url(assignment):
    return reverse("reviews:review_reopen", args=[assignment.pk])


def test_staff_reopen_after_the_deadline_lets_the_reviewer_submit_again_once(
    client, reviewer_client, call, application, assignment, criteria
):
    reviewer_client.post(review_url(application), complete(criteria))
    call.review_deadline = timezone.now() - timedelta(hours=1)
    call.save()
    staff = StaffFactory()
    staff_client = client.__class__()
    staff_client.force_login(staff)

    response = staff_client.post(reopen_url(assignment))

    assert response.status_code == 302
    assert response.url == reverse("reviews:progress", args=[call.slug])
    review = stored(assignment)
    assert (review.status, review.reopened_by) == (ReviewStatus.DRAFT, staff)
    event = AuditEvent.objects.get(verb="review.reopened")
    assert (event.actor, event.data["previous_status"]) == (staff, "submitted")

    edited = complete(criteria, recommendation="maybe")
    assert reviewer_client.post(review_url(application), edited).status_code == 302
    review = stored(assignment)
    assert (review.status, review.recommendation) == (ReviewStatus.SUBMITTED, "maybe")
    # Submitted again after the deadline: closed again.
    again = reviewer_client.post(review_url(application), complete(criteria))
    assert again.status_code == 200
    assert stored(assignment).recommendation == "maybe"


def test_reopen_before_the_deadline_is_refused(client, assignment):
    client.force_login(StaffFactory())

    response = client.post(reopen_url(assignment), follow=True)

    assert response.status_code == 200
    assert "has not passed" in str(list(response.context["messages"])[0])
    assert not AuditEvent.objects.filter(verb="review.reopened").exists()


@pytest.mark.parametrize("who", ["reviewer", "stranger", "coordinating_staff"])
def test_reopen_is_404_for_anyone_but_programme_staff_not_involved(
    client, call, application, assignment, who
):
    call.review_deadline = timezone.now() - timedelta(hours=1)
    call.save()
    if who == "reviewer":
        user = assignment.invitation.expert.user
    elif who == "stranger":
        user = UserFactory()
    else:
        user = application.coordinator
        user.is_programme_staff = True
        user.save()
    client.force_login(user)

    response = client.post(reopen_url(assignment))

    assert response.status_code == 404
    assert not Review.objects.exists()


def test_reopen_is_post_only(client, assignment):
    client.force_login(StaffFactory())

    assert client.get(reopen_url(assignment)).status_code == 405
