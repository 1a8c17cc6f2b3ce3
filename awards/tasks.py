"""Celery tasks of the awards app: thin, safe to run twice."""

from celery import shared_task

from awards.services import events, reminders


@shared_task(ignore_result=True)
def send_award_reminders() -> int:
    """Beat, daily: the recruitment, report and event reminders due today."""
    return reminders.send_due_reminders() + events.send_event_reminders()
