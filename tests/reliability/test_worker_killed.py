"""Drill: the worker process is killed (SIGKILL) while it delivers a mail.

A real prefork Celery worker (the production pool) sends to a real SMTP server that has
received the message but stalls before saying "250 accepted". The process running the
task is killed at that moment. Then:

1. the broker hands the task out again (``acks_late`` + ``reject_on_worker_lost``): the
   worker log shows the same task id received twice;
2. the redelivered task finds the row claimed ("sending") by its own task id: only a run
   whose worker died leaves that, so it takes the claim over and sends the mail at once,
   within a minute, without waiting for the relay (OUTBOX_STUCK_SECONDS, 10 minutes);
3. the row ends "sent" after exactly two attempts: one send per run of the task.

The SMTP server kept the dead process's copy (it had the message but had not said
"250" yet), so it holds two copies: nobody can know whether an unanswered SMTP
transaction went through. Both carry the row's Message-ID, which lets mail clients
show it once.
"""

import asyncio
import email
import email.policy
import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import transaction

from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import queue_mail
from tests.factories.accounts import UserFactory
from tests.plugins.mail import SMTPSink, _Handler
from tests.plugins.worker import (
    BASE_DIR,
    CELERY,
    QUEUE,
    CeleryWorker,
    purge_queue,
    worker_database_url,
)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.smtp,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(240),
]

ROUNDS = 3


class _StallingHandler(_Handler):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.add(message)  # the server has the message…
        if self.sink.stall_next:
            self.sink.stall_next -= 1
            await asyncio.sleep(self.sink.stall_seconds)  # …but does not say so yet
        return "250 Message accepted for delivery"


class StallingSink(SMTPSink):
    """An SMTP sink that keeps each of the next ``stall_next`` messages, then waits
    ``stall_seconds`` before answering 250."""

    stall_next = 0
    stall_seconds = 30.0

    def start(self) -> "StallingSink":
        if self._controller is None:
            controller = Controller(
                _StallingHandler(self), hostname=self.host, port=self.port, ready_timeout=10
            )
            controller.start()
            self._controller = controller
        return self


@pytest.fixture
def stalling_sink():
    sink = StallingSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def prefork_worker(transactional_db, tmp_path, stalling_sink):
    """One prefork worker process with one child, as `celery -A aissai worker` runs."""
    broker_url = settings.CELERY_BROKER_URL
    purge_queue(broker_url)
    log_path = tmp_path / "celery-prefork.log"
    env = {
        **os.environ,
        **stalling_sink.env(),
        "EMAIL_TIMEOUT": "60",
        "DATABASE_URL": worker_database_url(),
        "DATABASE_POOL": "0",
        "CELERY_BROKER_URL": broker_url,
        "OUTBOX_STUCK_SECONDS": "600",  # the relay would wait 10 minutes: not it
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        str(CELERY),
        "-A",
        "aissai",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "-Q",
        QUEUE,
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        f"drill-{uuid.uuid4().hex[:8]}@%h",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = CeleryWorker(process=process, log_path=log_path, broker_url=broker_url)
    worker.wait_ready(60)
    yield worker
    worker.stop()
    if worker.alive:
        os.killpg(process.pid, signal.SIGKILL)
    purge_queue(broker_url)


def pool_children(worker: CeleryWorker) -> list[int]:
    pid = worker.process.pid
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def queue_one(n: int) -> OutboxMessage:
    with transaction.atomic():
        user = UserFactory(email=f"drill{n}@example.org", full_name=f"Drill Person {n}")
        return queue_mail(event="test", to_email=user.email, to_name=user.full_name, recipient=user)


def test_worker_killed_mid_delivery_is_sent_again_within_a_minute_with_one_message_id(
    prefork_worker, stalling_sink
):
    worker, sink = prefork_worker, stalling_sink
    mails, kills, delays = [], 0, []

    received = re.compile(r"deliver_outbox_message\[([0-9a-f-]+)\] received")
    for n in range(ROUNDS):
        sink.stall_next = 1
        before, offset = len(sink.messages), len(worker.log())
        mail = queue_one(n)
        mails.append(mail)
        sink.wait_for(before + 1, timeout=30)  # the first copy is at the server, unanswered
        mail.refresh_from_db()
        assert mail.status == OutboxStatus.SENDING
        for child in wait_until(lambda: pool_children(worker), 10, "the pool process"):
            os.kill(child, signal.SIGKILL)  # concurrency 1: the process sending the mail
        kills += 1

        killed_at = time.monotonic()

        # The broker gives the same task out again; the new run takes its claim over.
        def redelivered(offset=offset):
            ids = received.findall(worker.log()[offset:])
            return len(ids) >= 2 and ids[0] == ids[1]

        wait_until(redelivered, 30, "the same task to be received again")

        def sent(mail=mail):
            mail.refresh_from_db()
            return mail.status == OutboxStatus.SENT

        wait_until(sent, 60, "the redelivered task to send the mail")
        delays.append(time.monotonic() - killed_at)

    log = worker.log()
    assert log.count("exited with 'signal 9 (SIGKILL)'") == kills, log[-3000:]
    copies = {m.message_id: sink.with_message_id(m.message_id) for m in mails}
    for mail in mails:
        mail.refresh_from_db()
        assert (mail.status, mail.attempts) == (OutboxStatus.SENT, 2)
        assert len(copies[mail.message_id]) == 2
        assert {c["Message-ID"] for c in copies[mail.message_id]} == {mail.message_id}
    assert len(sink.messages) == 2 * ROUNDS
    assert max(delays) < 60
    print(  # noqa: T201 - the drill's figures, for docs/reliability.md (pytest -s)
        f"\nDRILL worker-killed: mails={len(mails)} kills={kills} "
        f"copies={len(sink.messages)} lost=0 message_ids_differing=0 "
        f"resent_after_s={max(delays):.1f} (max)"
    )
