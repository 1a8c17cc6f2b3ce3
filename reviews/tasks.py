"""Celery tasks of the reviews app: thin, safe to run twice."""

from celery import shared_task

from reviews.services import reminders
from reviews.tasks_assignment import compute_assignment_proposal  # noqa: F401 - registers it


@shared_task(ignore_result=True)
def send_review_reminders() -> int:
    """Beat, daily: the reminders due before and after each call's review deadline."""
    return reminders.send_due_reminders()


@shared_task(ignore_result=True)
def recompute_scoreboard(call_id: int) -> str:
    """Compute and cache a call's current scoreboard figures (queued by a page that showed
    the previous ones); a second run finds them current."""
    from reviews.selectors.scoreboard_cache import refresh_figures

    return refresh_figures(call_id=call_id)
