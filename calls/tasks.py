"""Celery tasks of the calls app: thin, safe to run twice."""

from celery import shared_task

from calls.services import reminders


@shared_task(ignore_result=True)
def send_draft_reminders() -> int:
    """Beat, hourly: reminders to applicants whose draft is not submitted before the call
    closes."""
    return reminders.send_draft_reminders()
