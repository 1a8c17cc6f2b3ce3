"""Drill: a reviewer saves their review at the very moment staff reopen it (after the
review deadline), on PostgreSQL with real threads and connections.

Whichever commits first, the invariants hold: one review row per assignment, the review
ends up reopened, its content is entirely the old one (the save came first and was
refused: the deadline had passed) or entirely the new one (the save came after the
reopening), the stored total matches the stored scores, and the audit log has exactly
one event per change that happened. Two tabs submitting at once and two members of
staff moving lists at once are drilled in tests/calls/test_submission.py and
tests/reviews/test_lists_concurrency.py.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from aissai.audit.models import AuditEvent
from calls.models import ApplicationStatus, CallStatus
from reviews.models import Review, ReviewStatus
from reviews.services.review_input import ReviewData, ScoreInput, compute_total
from reviews.services.reviewing import ReviewClosed, reopen_review, save_review
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory, submitted_application
from tests.factories.reviews import assigned_reviewer, criteria_of, submitted_review

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 12
OLD_SCORES = [4, 3, 5, None]
NEW_SCORES = [1, 2, 0, 1]


def run_together(*jobs):
    """Each job in its own thread and connection, released at the same moment."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", job())
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def stored(review: Review) -> dict:
    review.refresh_from_db()
    return {
        "scores": [s.score for s in review.scores.order_by("criterion__position")],
        "recommendation": review.recommendation,
        "comments": review.comments_for_applicants,
        "total": review.total,
    }


def test_reviewer_saving_while_staff_reopen_keeps_the_invariants():
    now = timezone.now()
    call = CallFactory(
        status=CallStatus.IN_REVIEW,
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=40),
        review_deadline=now - timedelta(days=1),
    )
    criteria = criteria_of(call)
    staff = StaffFactory()
    new = ReviewData(
        scores={c.pk: ScoreInput(score=v) for c, v in zip(criteria, NEW_SCORES, strict=True)},
        recommendation="no",
        confidence=4,
        comments_for_applicants="Second thoughts.",
    )
    new_total = compute_total(criteria=criteria, data=new)
    orders = {"save_first_refused": 0, "reopen_first_then_saved": 0}

    for round_number in range(ROUNDS):
        had_review = round_number % 2 == 0  # every other round the reviewer never saved
        application = submitted_application(call=call, status=ApplicationStatus.IN_REVIEW)
        reviewer = UserFactory()
        assignment = assigned_reviewer(application, user=reviewer)
        if had_review:
            old = stored(submitted_review(assignment=assignment, scores=OLD_SCORES))

        save, reopen = run_together(
            lambda a=assignment, r=reviewer: save_review(assignment=a, by=r, data=new),
            lambda a=assignment: reopen_review(assignment=a, by=staff),
        )

        assert reopen[0] == "ok", reopen
        [review] = Review.objects.filter(assignment=assignment)
        assert (review.status, review.reopened_by) == (ReviewStatus.DRAFT, staff)
        events = AuditEvent.objects.filter(target_id=str(review.pk))
        assert events.filter(verb="review.reopened").count() == 1
        if save[0] == "ok":
            orders["reopen_first_then_saved"] += 1
            assert stored(review) == {
                "scores": NEW_SCORES,
                "recommendation": "no",
                "comments": "Second thoughts.",
                "total": new_total,
            }
            assert events.filter(verb="review.draft_saved").count() == 1
        else:
            orders["save_first_refused"] += 1
            assert isinstance(save[1], ReviewClosed), save
            if had_review:
                assert stored(review) == old
            else:
                assert stored(review) == {
                    "scores": [],
                    "recommendation": "",
                    "comments": "",
                    "total": None,
                }
            assert not events.exclude(verb="review.reopened").exists()
        previous = events.get(verb="review.reopened").data["previous_status"]
        assert previous == ("submitted" if had_review else "")

    assert sum(orders.values()) == ROUNDS
    print(  # noqa: T201 - the drill's figures, for docs/reliability.md (pytest -s)
        f"\nDRILL review-save-vs-reopen: rounds={ROUNDS} "
        + " ".join(f"{k}={v}" for k, v in orders.items())
        + " invariant_violations=0"
    )
