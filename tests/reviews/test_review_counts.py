"""Each reviewer's live review counts, kept on the invitation, equal what the live
assignments say after every change that can move them: an assignment by hand or from a
proposal, a review submitted, reopened or deleted, a reviewer removed or replaced, a
conflict declared, set by staff or ruled, an application withdrawn, an invitation
withdrawn, an assignment deleted; and the progress page's totals are their sum."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from calls.services.submission import withdraw_application
from reviews.models import Assignment, Conflict, ConflictStatus, Invitation, Review, ReviewStatus
from reviews.selectors.progress import review_totals
from reviews.selectors.reviewing import live_assignments
from reviews.services.assignment.manual import add_reviewer, remove_reviewer
from reviews.services.conflicts import rule_on_conflict, set_conflict
from reviews.services.declarations import declare_conflict
from reviews.services.review_counts import refresh_call_review_counts
from reviews.services.reviewing import reopen_review
from tests.factories.accounts import StaffFactory
from tests.factories.reviews import (
    ConflictFactory,
    assigned_reviewer,
    call_in_review,
    eligible_application,
    reviewer_of,
    submitted_review,
)

pytestmark = pytest.mark.django_db


def counted(call) -> dict[int, tuple[int, int]]:
    """(assigned, done) of each invitation of the call, as kept."""
    return {
        pk: (assigned, done)
        for pk, assigned, done in Invitation.objects.filter(call=call).values_list(
            "pk", "reviews_assigned", "reviews_done"
        )
    }


def aggregated(call) -> dict[int, tuple[int, int]]:
    """(assigned, done) of each invitation of the call, counted from the live assignments."""
    rows = (
        live_assignments()
        .filter(invitation__call=call)
        .values("invitation")
        .annotate(
            assigned=Count("pk"),
            done=Count("pk", filter=Q(review__status=ReviewStatus.SUBMITTED)),
        )
    )
    found = dict.fromkeys(Invitation.objects.filter(call=call).values_list("pk", flat=True), (0, 0))
    found.update({row["invitation"]: (row["assigned"], row["done"]) for row in rows})
    return found


def assert_counts_follow(call) -> dict[int, tuple[int, int]]:
    expected = aggregated(call)
    assert counted(call) == expected
    assert review_totals(call) == {
        "assigned": sum(a for a, _d in expected.values()),
        "done": sum(d for _a, d in expected.values()),
    }
    return expected


@pytest.fixture
def scenario():
    """Three applications, three reviewers each, every review submitted."""
    return call_in_review(applications=3, reviewers=3)


def test_counts_follow_reviews_submitted_and_deleted(scenario):
    call = scenario.call
    assert assert_counts_follow(call) == {i.pk: (3, 3) for i in scenario.invitations}

    review = scenario.reviews[0]
    reviewer = review.assignment.invitation_id
    review.delete()
    assert assert_counts_follow(call)[reviewer] == (3, 2)

    submitted_review(assignment=review.assignment, scores=[7])
    assert assert_counts_follow(call)[reviewer] == (3, 3)


def test_counts_follow_a_review_reopened_by_staff(scenario):
    review = scenario.reviews[0]
    reopen_review(
        assignment=review.assignment, by=StaffFactory(), now=timezone.now() + timedelta(days=400)
    )
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.DRAFT
    counts = assert_counts_follow(scenario.call)
    assert counts[review.assignment.invitation_id] == (3, 2)


def test_counts_follow_a_reviewer_added_removed_and_replaced():
    staff = StaffFactory()
    application = eligible_application(scenario_call := call_in_review(applications=1).call)
    first, second = reviewer_of(scenario_call), reviewer_of(scenario_call)

    assignment = add_reviewer(application=application, invitation=first, by=staff)
    assert assert_counts_follow(scenario_call)[first.pk] == (1, 0)

    remove_reviewer(assignment=assignment, by=staff, reason="Replaced by a closer expert.")
    add_reviewer(application=application, invitation=second, by=staff)
    counts = assert_counts_follow(scenario_call)
    assert (counts[first.pk], counts[second.pk]) == ((0, 0), (1, 0))


def test_counts_follow_conflicts_declared_set_and_ruled(scenario):
    call = scenario.call
    application = eligible_application(call)
    assignment = assigned_reviewer(application)
    invitation = assignment.invitation
    assert assert_counts_follow(call)[invitation.pk] == (1, 0)

    declare_conflict(
        assignment=assignment, by=invitation.expert.user, reason="I co-wrote with them."
    )
    assert assert_counts_follow(call)[invitation.pk] == (0, 0)

    reviewer = scenario.invitations[1]
    reviewed = scenario.reviews[0].assignment.application
    set_conflict(
        call=call,
        application=reviewed,
        invitation=reviewer,
        by=StaffFactory(),
        reason="Same laboratory.",
    )
    assert assert_counts_follow(call)[reviewer.pk] == (2, 2)

    conflict = Conflict.objects.get(invitation=reviewer, application=reviewed)
    rule_on_conflict(
        conflict=conflict, by=StaffFactory(), status=ConflictStatus.CLEARED, reason="Left in 2019."
    )
    assert assert_counts_follow(call)[reviewer.pk] == (3, 3)


def test_counts_follow_a_conflict_row_deleted(scenario):
    reviewer = scenario.invitations[0]
    conflict = ConflictFactory(
        invitation=reviewer,
        application=scenario.applications[0],
        status=ConflictStatus.CONFIRMED,
    )
    assert assert_counts_follow(scenario.call)[reviewer.pk] == (2, 2)
    conflict.delete()
    assert assert_counts_follow(scenario.call)[reviewer.pk] == (3, 3)


def test_counts_follow_an_application_withdrawn(scenario):
    application = scenario.applications[0]
    withdraw_application(
        application=application, by=application.coordinator, reason="The postdoc left."
    )
    assert set(assert_counts_follow(scenario.call).values()) == {(2, 2)}


def test_counts_follow_an_invitation_no_longer_accepted_and_an_assignment_deleted(scenario):
    invitation = scenario.invitations[0]
    invitation.status = "declined"
    invitation.save()
    assert assert_counts_follow(scenario.call)[invitation.pk] == (0, 0)

    other = scenario.invitations[1]
    assignment = Assignment.objects.filter(invitation=other).first()
    assignment.review.delete()
    assert assert_counts_follow(scenario.call)[other.pk] == (3, 2)
    assignment.delete()
    assert assert_counts_follow(scenario.call)[other.pk] == (2, 2)


def test_refresh_of_a_call_repairs_counts_written_in_bulk(scenario):
    Invitation.objects.filter(call=scenario.call).update(reviews_assigned=0, reviews_done=0)
    refresh_call_review_counts(scenario.call)
    assert set(assert_counts_follow(scenario.call).values()) == {(3, 3)}
