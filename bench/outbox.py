"""Outbox throughput: 10,000 mails through one Celery worker to a local SMTP sink.

    .venv/bin/python -m bench.outbox [--mails 10000] [--concurrency 2] [--output FILE]

Writes the outbox rows in bulk (pending, each with its own Message-ID), starts the SMTP
sink and one worker (prefork, ``--concurrency`` processes) on Redis DB 9, hands every row
to the broker through the outbox's own ``enqueue_many`` (the path of a bulk release), and
measures until the last mail reaches the sink. Then checks none was lost or sent twice:
every row is *sent* and its Message-ID is at the sink exactly once. Bounded in time;
everything started is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_average, machine, setup_django, table
from bench.services import DEFAULT_BROKER, Services

EVENT = "bench_outbox"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER)
    parser.add_argument("--output", default="")
    return parser.parse_args(argv)


def create_rows(count: int) -> list[int]:
    """Pending rows as ``queue_mail`` leaves them (one rendering, reused), in bulk."""
    from aissai.notifications.models import OutboxMessage, OutboxStatus
    from aissai.notifications.rendering import render_mail

    OutboxMessage.objects.filter(event=EVENT).delete()  # an earlier run's rows
    rendered = render_mail(
        event="test", language="en", context={"recipient_name": "Benchmark Recipient"}
    )
    rows = OutboxMessage.objects.bulk_create(
        (
            OutboxMessage(
                event=EVENT,
                status=OutboxStatus.PENDING,
                to_email=f"recipient-{n:05d}@bench.example.org",
                to_name=f"Recipient {n}",
                language="en",
                subject=f"{rendered.subject} #{n}"[:300],
                body_text=rendered.body_text,
                body_html=rendered.body_html,
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    return [row.pk for row in rows]


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["CELERY_BROKER_URL"] = args.broker_url  # this process publishes the tasks
    url = setup_django(args.database_url)
    from django.conf import settings

    from aissai.notifications.models import OutboxMessage, OutboxStatus
    from aissai.notifications.services import enqueue_many
    from bench.memory import children_of, cpu_seconds, memory_of

    load_before = load_average()
    ids = create_rows(args.mails)
    print(f"{len(ids):,} pending outbox rows written", flush=True)
    with Services(database_url=url, broker_url=args.broker_url) as services:
        services.start_sink(max_seconds=int(args.timeout) + 120)
        services.purge_queue()
        worker = services.start_worker(concurrency=args.concurrency)
        sink_process = next(p for p in services.processes if p.name == "smtp-sink")
        pool = children_of(worker.popen.pid)
        cpu_before = {pid: cpu_seconds(pid) for pid in [*pool, sink_process.popen.pid]}
        started = time.monotonic()
        queued = enqueue_many(ids)
        published = time.monotonic() - started
        print(f"{queued:,} rows queued in {published:.1f} s; delivering", flush=True)
        deadline = started + args.timeout
        while time.monotonic() < deadline:
            messages = services.sink_messages()
            if len(messages) >= len(ids):
                break
            time.sleep(1.0)
        wall = time.monotonic() - started
        messages = services.sink_messages()
        cpu = {pid: cpu_seconds(pid) - cpu_before[pid] for pid in cpu_before}
        worker_peak = max((m.peak_mib for m in map(memory_of, pool) if m), default=0.0)
        first_at = min((m["t"] for m in messages), default=0.0)
        last_at = max((m["t"] for m in messages), default=0.0)
    statuses = Counter(OutboxMessage.objects.filter(pk__in=ids).values_list("status", flat=True))
    expected = set(OutboxMessage.objects.filter(pk__in=ids).values_list("message_id", flat=True))
    at_sink = Counter(m["message_id"] for m in messages)
    lost = expected - set(at_sink)
    twice = sum(1 for mid, n in at_sink.items() if mid in expected and n > 1)
    strangers = set(at_sink) - expected
    rate = len(messages) / wall if wall else 0.0
    batch = getattr(settings, "OUTBOX_BATCH_SIZE", 1)  # 1: a version without batches
    worker_cpu = sum(v for pid, v in cpu.items() if pid != sink_process.popen.pid)
    sink_cpu = cpu[sink_process.popen.pid]
    per_mail = f"{1000 * worker_cpu / len(messages):.2f} ms per mail" if messages else "–"
    rows = [
        ["mails", f"{len(ids):,}"],
        ["worker", f"1 Celery worker, prefork, concurrency {args.concurrency}"],
        [
            "rows queued (enqueue_many)",
            f"{published:.1f} s ({queued / published:,.0f}/s), {-(-queued // batch):,} tasks "
            f"of at most {batch} rows",
        ],
        ["all delivered after", f"{wall:.1f} s"],
        ["throughput (end to end)", f"{rate:,.1f} mails/s"],
        [
            "throughput (first to last at the sink)",
            f"{len(messages) / (last_at - first_at):,.1f} mails/s" if last_at > first_at else "–",
        ],
        ["worker CPU (pool processes)", f"{worker_cpu:.1f} s ({per_mail})"],
        ["SMTP sink CPU", f"{sink_cpu:.1f} s"],
        ["peak RSS of a pool process", f"{worker_peak:.0f} MiB"],
        ["rows sent", f"{statuses.get(OutboxStatus.SENT, 0):,} ({dict(statuses)})"],
        ["lost (not at the sink)", f"{len(lost):,}"],
        ["delivered twice", f"{twice:,}"],
        ["unexpected mails at the sink", f"{len(strangers):,}"],
    ]
    report = "\n\n".join(
        [
            "# Outbox throughput",
            f"Machine: {machine()}",
            f"Before: {load_before}; after: {load_average()}",
            table(["figure", "value"], rows),
        ]
    )
    print("\n" + report)
    if args.output:
        Path(args.output).write_text(report + "\n", encoding="utf-8")
    ok = not lost and not twice and statuses.get(OutboxStatus.SENT, 0) == len(ids)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
