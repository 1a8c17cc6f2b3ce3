from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def deliver_outbox_message(outbox_id: int) -> str:
    return services.deliver(outbox_id=outbox_id)


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    return services.relay()
