"""A reviewer's kept review counts lose nothing when two transactions change them at
once: the second one waits for the reviewer's row and counts what the first committed
(PostgreSQL, two connections)."""

import threading
import time

import pytest
from django.db import connection, transaction

from reviews.models import Invitation, Review
from tests.factories.reviews import call_in_review, submitted_review

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_reviews_submitted_at_once_are_both_counted():
    scenario = call_in_review(applications=2, reviewers=1)
    reviewer = scenario.invitations[0]
    assignments = [review.assignment for review in scenario.reviews]
    Review.objects.filter(assignment__in=assignments).delete()
    for assignment in assignments:
        assignment.refresh_from_db()
    assert Invitation.objects.filter(pk=reviewer.pk).values_list(
        "reviews_assigned", "reviews_done"
    ).get() == (2, 0)
    first_counted = threading.Event()
    outcomes: dict[str, object] = {}

    def submit(name, assignment, hold: bool):
        try:
            with transaction.atomic():
                submitted_review(assignment=assignment, scores=[6], criteria=scenario.criteria)
                if hold:  # the reviewer's row is locked and counted: let the other one wait
                    first_counted.set()
                    time.sleep(0.5)
            outcomes[name] = "ok"
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            outcomes[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=submit, args=("first", assignments[0], True))
    first.start()
    assert first_counted.wait(10)
    second = threading.Thread(target=submit, args=("second", assignments[1], False))
    second.start()
    for thread in (first, second):
        thread.join(timeout=30)

    assert outcomes == {"first": "ok", "second": "ok"}
    assert Invitation.objects.filter(pk=reviewer.pk).values_list(
        "reviews_assigned", "reviews_done"
    ).get() == (2, 2)
