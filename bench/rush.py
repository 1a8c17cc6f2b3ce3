"""``make bench-rush``: the deadline rush under gunicorn, PostgreSQL, Redis and a real
Celery worker, with every receipt counted at an SMTP sink.

    .venv/bin/python -m bench.rush [--applicants 300] [--ramp 60] [--concurrency 40]
                                   [--double-click 0.2] [--web-workers 4] [--output FILE]

Set-up: a generated open call (``reviews.generator``, stage ``open``) whose applicants
have complete drafts but for the project PDF (the CV is made optional for the run).
Then gunicorn (``deploy/gunicorn.conf.py``), a Celery worker on Redis DB 9 and an
aiosmtpd sink start on free ports of 127.0.0.1; the applicants log in, save, upload
and submit within the ramp (a fifth double-click submit); afterwards every application
must be submitted exactly once (one version) with its file intact (SHA-256 of the
stored file), and every receipt must reach the sink exactly once (by Message-ID).
Everything started is stopped at the end; the run is bounded in count and time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from statistics import median

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import analyze, load_average, machine, percentile, setup_django, table
from bench.services import DEFAULT_BROKER, Services

RECEIPT = "submission_receipt"
ID_IN_PATH = re.compile(r"/\d+(?=/|$)")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=300)
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which they start")
    parser.add_argument(
        "--target", type=float, default=120.0, help="every applicant done within this (s)"
    )
    parser.add_argument("--limit", type=float, default=600.0, help="no request after this (s)")
    parser.add_argument("--concurrency", type=int, default=100, help="applicants at once, at most")
    parser.add_argument("--double-click", type=float, default=0.2)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--drain-timeout", type=float, default=180.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default="")
    return parser.parse_args(argv)


def prepare(args, run_id: str):
    """The open call and its applicants (each with a distinct PDF to upload)."""
    return open_call(
        applicants=args.applicants,
        slug=f"rush-{run_id}",
        seed=args.seed,
        double_click=args.double_click,
    )


def open_call(*, applicants: int, slug: str, seed: int, double_click: float, pdf_for=None):
    """A generated open call whose applicants have complete drafts but for the project
    PDF (the CV is made optional), each with a distinct PDF to upload: a small one, or
    ``pdf_for(number, slug)`` (a function of no argument that makes the bytes)."""
    from calls.demo import demo_pdf
    from calls.models import RequiredDocument
    from reviews.generator import OPEN, GeneratorOptions, generate_call

    from .load_client import Applicant

    options = GeneratorOptions(applications=applicants, experts=0, seed=seed, slug=slug, stage=OPEN)
    report = generate_call(options)
    analyze()
    call = report.call
    RequiredDocument.objects.filter(call=call).exclude(kind="project").update(is_required=False)
    rng = random.Random(seed)
    people = []
    for number, (application_id, email) in enumerate(
        call.applications.order_by("pk").values_list("pk", "coordinator__email")
    ):
        people.append(
            Applicant(
                number=number,
                email=email,
                password=options.password,
                application_id=application_id,
                pdf=b"" if pdf_for else demo_pdf(f"Project {number} of {slug}: AI and science."),
                make_pdf=pdf_for(number, slug) if pdf_for else None,
                double_click=rng.random() < double_click,
            )
        )
    return call, people, report.seconds


def wait_for_receipts(call, services: Services, timeout: float) -> tuple[list, list, float]:
    """Poll until every receipt row is sent and at the sink (or the time is up)."""
    from django.contrib.contenttypes.models import ContentType

    from aissai.notifications.models import OutboxMessage, OutboxStatus
    from calls.models import Application

    kind = ContentType.objects.get_for_model(Application)
    ids = [str(pk) for pk in call.applications.values_list("pk", flat=True)]
    started = time.monotonic()
    while True:
        receipts = list(
            OutboxMessage.objects.filter(
                event=RECEIPT, related_type=kind, related_id__in=ids
            ).values("related_id", "message_id", "status", "last_error")
        )
        sink = services.sink_messages()
        done = {r["message_id"] for r in receipts if r["status"] == OutboxStatus.SENT}
        arrived = {m["message_id"] for m in sink}
        if (len(done) == len(receipts) and done <= arrived) or (
            time.monotonic() - started > timeout
        ):
            return receipts, sink, time.monotonic() - started
        time.sleep(1.0)


def verify(call, applicants, receipts, sink, *, read_files: bool = True) -> list[str]:
    """Every application submitted once with its file intact; every receipt once. Without
    ``read_files`` the stored files are not read back (the caller checks them itself)."""
    from calls.models import ApplicationStatus, ApplicationVersion, Document

    problems = []
    expected = {a.application_id: hashlib.sha256(a.document()).hexdigest() for a in applicants}
    applications = {a.pk: a for a in call.applications.all()}
    versions = Counter(
        ApplicationVersion.objects.filter(application__call=call).values_list(
            "application_id", flat=True
        )
    )
    documents = defaultdict(list)
    for document in Document.objects.filter(
        application__call=call, kind="project", is_current=True
    ):
        documents[document.application_id].append(document)
    for pk, application in applications.items():
        if application.status != ApplicationStatus.SUBMITTED or application.version != 1:
            problems.append(
                f"application {pk}: {application.status}, version {application.version}"
            )
        if versions[pk] != 1:
            problems.append(f"application {pk}: {versions[pk]} submitted versions")
        current = documents.get(pk, [])
        if len(current) != 1 or current[0].sha256 != expected[pk]:
            problems.append(f"application {pk}: project PDF missing or not the one uploaded")
            continue
        if not read_files:
            continue
        with current[0].file.open("rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() != expected[pk]:
                problems.append(f"application {pk}: stored file differs from the upload")
    per_application = Counter(r["related_id"] for r in receipts)
    for pk in applications:
        if per_application[str(pk)] != 1:
            problems.append(f"application {pk}: {per_application[str(pk)]} receipt rows")
    at_sink = Counter(m["message_id"] for m in sink)
    for receipt in receipts:
        count = at_sink[receipt["message_id"]]
        if count != 1:
            problems.append(
                f"receipt {receipt['message_id']} ({receipt['status']}): {count}× at the sink "
                f"{receipt['last_error'][:80]}"
            )
    strangers = set(at_sink) - {r["message_id"] for r in receipts}
    if strangers:
        problems.append(f"{len(strangers)} mails at the sink that are no receipt of this run")
    return problems


def summarise(outcomes, wall: float, started: float, target: float) -> tuple[str, dict]:
    samples = [s for o in outcomes for s in o.samples]
    kinds = defaultdict(list)
    for sample in samples:
        kinds[sample.kind].append(sample)
    rows = []
    for kind, group in [*kinds.items(), ("all requests", samples)]:
        times = [s.seconds * 1000 for s in group]
        rows.append(
            [
                kind,
                len(group),
                sum(not s.ok for s in group),
                f"{median(times):.0f}",
                f"{percentile(times, 95):.0f}",
                f"{percentile(times, 99):.0f}",
                f"{max(times):.0f}",
            ]
        )
    done = [o for o in outcomes if o.completed]
    # An applicant's time: from arrival (waiting for a free client included) to the
    # application page after the submission.
    spans = [(o.finished - o.arrived) * 1000 for o in done]
    if spans:
        rows.append(
            [
                "whole applicant (arrival → submitted page)",
                len(spans),
                len(outcomes) - len(done),
                f"{median(spans):.0f}",
                f"{percentile(spans, 95):.0f}",
                f"{percentile(spans, 99):.0f}",
                f"{max(spans):.0f}",
            ]
        )
    figures = {
        "requests": len(samples),
        "errors": sum(not s.ok for s in samples),
        "completed": len(done),
        "in_target": sum(o.finished - started <= target for o in done),
        "all_done_after": max((o.finished for o in done), default=started) - started,
        "wall": wall,
        "throughput": len(samples) / wall if wall else 0.0,
        "submissions_per_s": len(done) / wall if wall else 0.0,
    }
    text = table(["request", "count", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows)
    return text, figures


def server_times(path: Path) -> str:
    """Median and 95th percentile of gunicorn's own request times, per kind of request."""
    times = defaultdict(list)
    pattern = re.compile(r'"(GET|POST) (\S+) HTTP/1.1" (\d+) \S+ (\d+)ms')
    for line in path.read_text(errors="replace").splitlines():
        found = pattern.search(line)
        if found and not found.group(2).startswith(("/healthz", "/static")):
            path_ = ID_IN_PATH.sub("/<id>", found.group(2))
            key = f"{found.group(1)} {path_}"
            times[key].append(int(found.group(4)))
    rows = [
        [key, len(v), f"{median(v):.0f}", f"{percentile(v, 95):.0f}", max(v)]
        for key, v in sorted(times.items())
    ]
    return table(["request (server side)", "count", "p50 ms", "p95 ms", "max ms"], rows)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["CELERY_BROKER_URL"] = args.broker_url  # this process publishes nothing,
    url = setup_django(args.database_url)  # but pings and purges the worker's broker
    from bench.load_client import run_load

    run_id = time.strftime("%Y%m%d-%H%M%S")
    load_before = load_average()
    call, applicants, generated = prepare(args, run_id)
    print(f"Call {call.slug}: {len(applicants)} applicants ready ({generated:.1f} s)", flush=True)
    with Services(database_url=url, broker_url=args.broker_url, run_id=run_id) as services:
        services.start_sink()
        services.purge_queue()
        services.start_worker(concurrency=args.worker_concurrency)
        services.start_web(workers=args.web_workers)
        print(f"gunicorn on {services.base_url}, worker and sink up; rush starts", flush=True)
        outcomes, wall, load_started = run_load(
            services.base_url,
            applicants,
            ramp=args.ramp,
            concurrency=args.concurrency,
            limit=args.limit,
        )
        print(f"Load done in {wall:.1f} s; waiting for the receipts", flush=True)
        receipts, sink, drained = wait_for_receipts(call, services, args.drain_timeout)
        logs = {p.name: p.log for p in services.processes}
        server_errors = sum(
            p.text().count("Traceback") for p in services.processes if p.name != "smtp-sink"
        )
    text, figures = summarise(outcomes, wall, load_started, args.target)
    problems = verify(call, applicants, receipts, sink)
    kinds = Counter(p.split(": ", 1)[-1].split(" (")[0] for p in problems)
    double = sum(a.double_click for a in applicants)
    lines = [
        f"# Deadline rush {run_id}",
        f"Machine: {machine()}; {load_before} at the start, {load_average()} at the end",
        f"{len(applicants)} applicants ({double} double-click submits) started over "
        f"{args.ramp:.0f} s, at most {args.concurrency} at once; gunicorn {args.web_workers} "
        f"sync workers, Celery worker concurrency {args.worker_concurrency}, "
        f"PostgreSQL {url.rsplit('/', 1)[-1]}, Redis {args.broker_url.rsplit('/', 1)[-1]}.",
        text,
        server_times(logs["gunicorn"]),
        f"- Completed applicants: {figures['completed']} / {len(applicants)}; "
        f"{figures['in_target']} within {args.target:.0f} s (target: all); the last one "
        f"{figures['all_done_after']:.1f} s after the start",
        f"- Throughput: {figures['throughput']:.1f} requests/s, "
        f"{figures['submissions_per_s']:.2f} completed applicants/s",
        f"- Errors: {figures['errors']} (target 0); tracebacks in server logs: {server_errors}",
        f"- Receipts: {len(receipts)} outbox rows, {len(sink)} mails at the sink "
        f"(waited {drained:.1f} s after the load for the last ones)",
        "- Checks (submitted once, one version, file intact, receipt once): "
        + ("all passed" if not problems else f"{len(problems)} problem(s)"),
        *[f"  - {count} × {kind}" for kind, count in kinds.most_common()],
        *[f"  - for example {p}" for p in problems[:5]],
        "Logs: " + ", ".join(str(path.relative_to(Path.cwd())) for path in logs.values()),
    ]
    report = "\n\n".join(lines) + "\n"
    print("\n" + report)
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    ok = not problems and not figures["errors"] and figures["in_target"] == len(applicants)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
