"""Celery tasks of the reviews app: thin, safe to run twice."""

from celery import shared_task

from reviews.services import reminders
from reviews.tasks_assignment import compute_assignment_proposal  # noqa: F401 - registers it


@shared_task(ignore_result=True)
def send_review_reminders() -> int:
    """Beat, daily: the reminders due before and after each call's review deadline."""
    return reminders.send_due_reminders()
