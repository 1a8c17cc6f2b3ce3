"""Celery tasks of reviewer assignment (imported by ``reviews.tasks`` for autodiscovery)."""

from celery import shared_task

from reviews.services.assignment import run_proposal


@shared_task(ignore_result=True)
def compute_assignment_proposal(proposal_id: int) -> str:
    """Compute a queued assignment proposal; a second run finds nothing to claim."""
    return run_proposal(proposal_id=proposal_id)
