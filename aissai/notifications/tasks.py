"""Celery tasks: thin wrappers that load by id and call a service; safe to run twice."""

from celery import shared_task

from . import services


@shared_task(bind=True, ignore_result=True, max_retries=None)
def deliver_outbox_message(self, *outbox_ids: int) -> dict:
    """Deliver a batch of rows over one SMTP connection (one id or several: a task queued
    with one id before batches existed runs the same). After a failed attempt, retry
    after the back-off (broker mode only: in eager mode the rows stay pending for the
    relay, the task does not recurse)."""
    task_id = "" if self.request.is_eager else (self.request.id or "")
    outcome = services.deliver_many(outbox_ids=list(outbox_ids), task_id=task_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        # The retry is published first (a failed publish raises Reject: the rows stay
        # pending and the relay queues them), then recorded, then reported to the worker.
        retry = self.retry(countdown=outcome.retry_in, throw=False)
        services.mark_queued_many(list(outbox_ids))
        raise retry
    return outcome.statuses


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    return services.relay()
