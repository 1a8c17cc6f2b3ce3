"""``make bench-scaleout``: the deadline of a large call on the several-server layout.

    .venv/bin/python -m bench.scaleout [--applicants 3000] [--spread 600] [--pdf-mb 5]
        [--concurrency 120] [--web-instances 2] [--web-workers 2] [--workers 2]
        [--worker-concurrency 2] [--pool-size 20] [--output FILE]

``bench/cluster.py`` starts nginx (TLS, ``deploy/nginx.conf``), the web instances with
their own data folders, PgBouncer in transaction mode, the Celery workers, moto's S3
EMULATOR (standalone server, not a real object store) and the SMTP sink. N applicants of
a generated open call arrive evenly over ``--spread`` seconds less ``--finish-margin`` (the
last ones must be done by the end of the window too); each logs in, saves the
draft, uploads a distinct PDF of ``--pdf-mb`` MB and submits (a fifth with a double
click). Afterwards: every application submitted once (one version), its file in the
bucket with the uploaded bytes (the bucket's MD5 of every object against the upload's),
every receipt at the sink once; p95 of every step; CPU of every process tree, of the
PostgreSQL backends of the benchmark's database, of the machine, and the disk, sampled
every 2 s. PostgreSQL: ``--database-url`` (default: ``BENCH_DATABASE_URL`` with
``_scaleout`` added to the database's name, so that the thousands of applications and
mails of each run do not change what ``make bench`` measures), Redis: ``--broker-url``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cluster import BUCKET, Cluster, missing_tools
from bench.common import (
    DEFAULT_DATABASE_URL,
    ROOT,
    configure,
    load_average,
    machine,
    setup_django,
    table,
)
from bench.services import DEFAULT_BROKER


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=3000)
    parser.add_argument(
        "--spread", type=float, default=600.0, help="every applicant done within (s)"
    )
    parser.add_argument(
        "--finish-margin",
        type=float,
        default=30.0,
        help="the last arrival this long before the end of --spread (s)",
    )
    parser.add_argument("--limit", type=float, default=900.0, help="no request after (s)")
    parser.add_argument("--concurrency", type=int, default=120, help="applicants at once, max")
    parser.add_argument("--pdf-mb", type=float, default=5.0)
    parser.add_argument("--double-click", type=float, default=0.2)
    parser.add_argument("--web-instances", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers each")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker instances")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--pool-size", type=int, default=20, help="PgBouncer server pool")
    parser.add_argument("--nginx-workers", type=int, default=1)
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--broker-url", default=os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default="")
    return parser.parse_args(argv)


class LargePdf:
    """A valid one-page PDF of about ``size`` bytes, distinct per applicant, made when it
    is sent. The bulk is one stream of hexadecimal text shared by every file (like an
    image's data: no PDF keyword or name can appear in it by chance)."""

    _padding: dict[int, bytes] = {}

    def __init__(self, text: str, size: int, seed: int):
        self.text, self.size, self.seed = text, size, seed

    def padding(self) -> bytes:
        if self.size not in self._padding:
            data = random.Random(self.seed).randbytes(max(0, self.size - 1200) // 2)
            self._padding[self.size] = data.hex().encode()
        return self._padding[self.size]

    def __call__(self) -> bytes:
        safe = self.text.encode("ascii", "replace").replace(b"(", b"").replace(b")", b"")
        content = b"BT /F1 16 Tf 72 760 Td (" + safe + b") Tj ET"
        padding = self.padding()
        objects = [  # each object as its pieces: the 5 MB padding is copied once, by join
            [b"<< /Type /Catalog /Pages 2 0 R >>"],
            [b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"],
            [
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            ],
            [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"],
            [b"<< /Length %d >>\nstream\n" % len(content), content, b"\nendstream"],
            [b"<< /Length %d >>\nstream\n" % len(padding), padding, b"\nendstream"],
        ]
        parts, size, offsets = [b"%PDF-1.4\n"], 9, []
        for number, body in enumerate(objects, start=1):
            offsets.append(size)
            for piece in (b"%d 0 obj\n" % number, *body, b"\nendobj\n"):
                parts.append(piece)
                size += len(piece)
        parts.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        parts.extend(b"%010d 00000 n \n" % offset for offset in offsets)
        parts.append(
            b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, size)
        )
        return b"".join(parts)


def bucket_check(cluster: Cluster, call, applicants) -> list[str]:
    """Each current project PDF is in the bucket with the uploaded bytes: the object's
    size and its MD5 (the ETag of a single-part upload, computed by the store) against
    the bytes the applicant sent."""
    from calls.models import Document

    names = dict(
        Document.objects.filter(
            application__call=call, kind="project", is_current=True
        ).values_list("application_id", "file")
    )
    client = cluster.s3_client()

    def check(person) -> str:
        name = names.get(person.application_id)
        if not name:
            return f"application {person.application_id}: no current project PDF"
        data = person.document()
        head = client.head_object(Bucket=BUCKET, Key=name)
        if (
            head["ContentLength"] != len(data)
            or head["ETag"].strip('"')
            != hashlib.md5(  # noqa: S324 - S3's ETag
                data
            ).hexdigest()
        ):
            return f"application {person.application_id}: the bucket's object differs"
        return ""

    with ThreadPoolExecutor(max_workers=4) as pool:
        return [problem for problem in pool.map(check, applicants) if problem]


def scaleout_database_url() -> str:
    """The benchmark database's address with ``_scaleout`` added to its name: each run
    leaves a call of thousands of applications and mails behind, which the page
    benchmarks (the outbox changelist searches every mail) must not read."""
    base = urlsplit(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    return base._replace(path=base.path + "_scaleout").geturl()


def backends_of(database_url: str):
    import psycopg

    name = database_url.rsplit("/", 1)[-1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    connection = psycopg.connect(admin, autocommit=True)

    def pids() -> list[int]:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchall()
        return [row[0] for row in rows]

    return pids, connection


def main(argv=None) -> int:  # noqa: PLR0915 - one run, told in order
    from bench.rush import open_call, server_times, summarise, verify, wait_for_receipts
    from bench.usage import Sampler

    args = parse_args(argv)
    if missing := missing_tools():
        print(f"bench-scaleout needs {', '.join(missing)} (apt-get install nginx pgbouncer)")
        return 2
    os.environ["CELERY_BROKER_URL"] = args.broker_url
    url = configure(args.database_url or scaleout_database_url())
    run_id = time.strftime("%Y%m%d-%H%M%S")
    load_before = load_average()
    size = int(args.pdf_mb * 1_000_000)
    cluster = Cluster(
        database_url=url,
        broker_url=args.broker_url,
        run_id=run_id,
        web_instances=args.web_instances,
        web_workers=args.web_workers,
        worker_instances=args.workers,
        worker_concurrency=args.worker_concurrency,
        pool_size=args.pool_size,
        web_pool_max=2,
        nginx_workers=args.nginx_workers,
        s3_buffer_bytes=1024 * 1024,  # larger objects in the emulator's temporary files
        keep_logs=ROOT / "var" / "bench" / f"scaleout-{run_id}",
    )
    with cluster:
        cluster.start_storage()
        os.environ.update(cluster.storage_env())  # the drafts' files go to the bucket too
        setup_django(url)
        call, applicants, generated = open_call(
            applicants=args.applicants,
            slug=f"scaleout-{run_id}",
            seed=args.seed,
            double_click=args.double_click,
            pdf_for=lambda number, slug: LargePdf(f"Project {number} of {slug}", size, args.seed),
        )
        print(
            f"Call {call.slug}: {len(applicants)} applicants ready ({generated:.1f} s)", flush=True
        )
        cluster.start()
        print(f"Cluster up: {cluster.start_times}; nginx on {cluster.base_url}", flush=True)
        groups = {p.name: p.popen.pid for p in cluster.services.processes}
        groups["load client"] = os.getpid()
        pids, admin = backends_of(url)
        from bench.load_client import run_load

        with Sampler(groups=groups, backends=pids) as sampler:
            outcomes, wall, load_started = run_load(
                cluster.base_url,
                applicants,
                ramp=max(args.spread - args.finish_margin, 0.0),
                concurrency=args.concurrency,
                limit=args.limit,
                verify=cluster.certificate,
            )
        print(f"Load done in {wall:.1f} s; waiting for the receipts", flush=True)
        receipts, sink, drained = wait_for_receipts(call, cluster.services, args.drain_timeout)
        problems = verify(call, applicants, receipts, sink, read_files=False)
        problems += bucket_check(cluster, call, applicants)
        per_web = cluster.upstream_counts()
        tracebacks = cluster.tracebacks()
        local = cluster.local_files()
        server = [server_times(p.log) for p in cluster.webs]  # before the logs are removed
        admin.close()
    text, figures = summarise(outcomes, wall, load_started, args.spread)
    kinds = Counter(p.split(": ", 1)[-1].split(" (")[0] for p in problems)
    errors = Counter(s.error.split(":")[0] for o in outcomes for s in o.samples if not s.ok)
    usage = table(["resource", "mean", "peak (2 s)", ""], sampler.report())
    lines = [
        f"# Deadline of a large call, several servers {run_id}",
        f"Machine: {machine()}; {load_before} at the start, {load_average()} at the end",
        f"{len(applicants)} applicants ({sum(a.double_click for a in applicants)} double-click "
        f"submits), {args.pdf_mb:g} MB PDF each, arriving over the first "
        f"{max(args.spread - args.finish_margin, 0):.0f} s of {args.spread:.0f} s, at most "
        f"{args.concurrency} at once; nginx ({args.nginx_workers} worker, TLS) → "
        f"{args.web_instances} gunicorn × {args.web_workers} sync workers → PgBouncer "
        f"(transaction mode, pool {args.pool_size}) → PostgreSQL; {args.workers} Celery workers "
        f"× {args.worker_concurrency}; uploads in moto's S3 emulator; SMTP sink.",
        "Cluster start: " + ", ".join(f"{k} {v:.1f} s" for k, v in cluster.start_times.items()),
        text,
        *server,
        f"- Completed applicants: {figures['completed']} / {len(applicants)}; "
        f"{figures['in_target']} within {args.spread:.0f} s of the first arrival; the last one "
        f"{figures['all_done_after']:.1f} s after the start",
        f"- Throughput: {figures['throughput']:.1f} requests/s, "
        f"{figures['submissions_per_s']:.2f} completed applicants/s",
        f"- Errors: {figures['errors']} (target 0) {dict(errors)}; "
        f"tracebacks in logs: {tracebacks}",
        f"- Requests per web instance (nginx): {per_web}; "
        f"files left in local folders: {len(local)}",
        f"- Receipts: {len(receipts)} outbox rows, {len(sink)} mails at the sink "
        f"(the last {drained:.1f} s after the load)",
        "- Checks (submitted once, one version, file in the bucket intact, receipt once): "
        + ("all passed" if not problems else f"{len(problems)} problem(s)"),
        *[f"  - {count} × {kind}" for kind, count in kinds.most_common()],
        *[f"  - for example {p}" for p in problems[:5]],
        "Where the time goes (sampled every 2 s during the load):",
        usage,
        f"Logs: {cluster.keep_logs}",
    ]
    report = "\n\n".join(lines) + "\n"
    print("\n" + report)
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    ok = not problems and not figures["errors"] and figures["in_target"] == len(applicants)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
