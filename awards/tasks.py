"""Celery tasks of the awards app: thin, safe to run twice."""

from celery import shared_task

from awards.services import reminders


@shared_task(ignore_result=True)
def send_award_reminders() -> int:
    """Beat, daily: the recruitment reminders due today."""
    return reminders.send_due_reminders()
