"""Peak memory of a Celery worker computing a 10,000 × 3,000 × 3 assignment proposal.

    .venv/bin/python -m bench.assignment_memory [--applications 10000] [--experts 3000]
                                                [--output FILE]

Set-up (bench only): a generated call in the *review* stage
(``bench-assign-<N>x<M>-s1``, made once) whose reviews and assignments are then deleted,
so that every eligible application needs its k = 3 reviewers from the M accepted experts
(conflicts, caps and affinities as generated). Then a real Celery worker (prefork,
concurrency 1) on Redis computes the proposal that a staff member requests
(``request_proposal`` → ``compute_assignment_proposal``: conflict detection, affinity,
min-cost flow, explanations). Reported: the pool process's peak RSS (``VmHWM``) before
and after the task, the task's wall time and the proposal's size. Everything started is
stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import analyze, load_average, machine, setup_django, table
from bench.services import DEFAULT_BROKER, Services


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--experts", type=int, default=3_000)
    parser.add_argument("--timeout", type=float, default=1200.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER)
    parser.add_argument("--output", default="")
    return parser.parse_args(argv)


def prepare(applications: int, experts: int):
    """The call, without reviews or assignments (made once, emptied every run)."""
    from calls.models import Call
    from reviews.generator import GeneratorOptions, generate_call
    from reviews.models import Assignment, AssignmentProposal, Review

    slug = f"bench-assign-{applications}x{experts}-s1"
    call = Call.objects.filter(slug=slug).first()
    if call is None:
        options = GeneratorOptions(
            applications=applications, experts=experts, seed=1, slug=slug, stage="review"
        )
        call = generate_call(options).call
    Review.objects.filter(assignment__application__call=call).delete()
    Assignment.objects.filter(application__call=call).delete()
    AssignmentProposal.objects.filter(call=call).delete()
    analyze()
    return call


def wait_for(proposal, timeout: float) -> float:
    from reviews.models import ProposalStatus

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        proposal.refresh_from_db()
        if proposal.status not in (ProposalStatus.QUEUED, ProposalStatus.RUNNING):
            break
        time.sleep(0.5)
    return time.monotonic() - started


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["CELERY_BROKER_URL"] = args.broker_url  # this process publishes the task
    url = setup_django(args.database_url)
    from aissai.accounts.models import User
    from bench.memory import children_of, memory_of
    from calls.models import ApplicationStatus
    from reviews.models import Invitation, InvitationStatus
    from reviews.services.assignment import request_proposal

    load_before = load_average()
    started = time.monotonic()
    call = prepare(args.applications, args.experts)
    prepared = time.monotonic() - started
    staff = User.objects.get(email=f"staff@{call.slug}.example.org")
    assignable = call.applications.filter(
        status__in=[ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW]
    ).count()
    reviewers = Invitation.objects.filter(call=call, status=InvitationStatus.ACCEPTED).count()
    print(f"{call.slug}: {assignable:,} assignable, {reviewers:,} reviewers", flush=True)
    with Services(database_url=url, broker_url=args.broker_url) as services:
        services.purge_queue()
        worker = services.start_worker(concurrency=1)
        [child] = children_of(worker.popen.pid)
        before = memory_of(child)
        proposal = request_proposal(call=call, by=staff)
        seconds = wait_for(proposal, args.timeout)
        after = memory_of(child)
        parent = memory_of(worker.popen.pid)
    result = proposal.result or {}
    pairs = result.get("pairs") or []
    rows = [
        ["call", f"{call.slug} (prepared in {prepared:.0f} s)"],
        ["applications to assign × reviewers × k", f"{assignable:,} × {reviewers:,} × 3"],
        ["proposal", f"{proposal.status}; {len(pairs):,} pairs; {proposal.error or 'no error'}"],
        ["task time (request → ready)", f"{seconds:.1f} s"],
        ["pool process RSS before the task", f"{before.rss_mib:.0f} MiB" if before else "–"],
        ["pool process peak RSS (VmHWM)", f"**{after.peak_mib:.0f} MiB**" if after else "–"],
        ["worker main process peak RSS", f"{parent.peak_mib:.0f} MiB" if parent else "–"],
    ]
    report = "\n\n".join(
        [
            "# Assignment proposal in a Celery worker",
            f"Machine: {machine()}",
            f"Before: {load_before}; after: {load_average()}",
            table(["figure", "value"], rows),
        ]
    )
    print("\n" + report)
    if args.output:
        Path(args.output).write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
