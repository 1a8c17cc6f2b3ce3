"""``make bench``: page and algorithm benchmarks against PostgreSQL, with a report.

    .venv/bin/python -m bench.run [--sizes 100,1000,10000] [--requests 20] [--fresh]
                                  [--pages-only | --algorithms-only] [--output FILE]

Generates (once) a call of each size in the benchmark database (``bench-selection-<N>-s1``,
see ``reviews.generator``), then measures the key pages and the algorithms and prints
one Markdown report; ``--output`` also writes it to a file. Misses of the issue's targets
are listed plainly at the end. The exit status is 0 whatever the figures: this is a
measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, SIZES, machine, setup_django


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument(
        "--requests", type=int, default=20, help="timed requests per page (rounds over all pages)"
    )
    parser.add_argument(
        "--page-budget",
        type=float,
        default=60.0,
        help="seconds of timed requests per page at most (at least 3 requests)",
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the database")
    parser.add_argument("--pages-only", action="store_true")
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose name contains one of these comma-separated words "
        "(the trivial page is always measured)",
    )
    parser.add_argument("--algorithms-only", action="store_true")
    parser.add_argument(
        "--cold-only", action="store_true", help="only the cold reads after a change"
    )
    parser.add_argument("--cold-rounds", type=int, default=3, help="changes per page")
    parser.add_argument(
        "--broker-url",
        default="",
        help="broker the cold reads queue their computation to (default: BENCH_BROKER_URL "
        "or redis://127.0.0.1:6379/9; the queue is purged at the end)",
    )
    parser.add_argument("--output", default="", help="also write the report to this file")
    return parser.parse_args(argv)


def save_raw(name: str, data) -> None:
    """The measurements as measured, before any report is made from them."""
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (folder / f"raw-{name}-{stamp}.json").write_text(json.dumps(data, indent=1, default=str))


def main(argv=None) -> int:
    args = parse_args(argv)
    sizes = sorted({int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s})
    url = setup_django(args.database_url, fresh=args.fresh)

    from bench import algorithms, pages
    from bench.common import analyze, ensure_generated_call, load_average

    def log(text: str) -> None:
        print(text, flush=True)

    log(f"Benchmark database: {url.rsplit('@', 1)[-1]}")
    calls, generation = {}, []
    for size in sizes:
        call, seconds = ensure_generated_call(size)
        calls[size] = call
        note = f"generated in {seconds:.1f} s" if seconds is not None else "already there"
        generation.append(f"- N = {size:,}: `{call.slug}` ({note})")
        log(f"Call N={size:,}: {call.slug} ({note})")

    analyze()
    sections = [
        f"# Benchmark report {datetime.now().isoformat(timespec='seconds')}",
        f"Machine: {machine()}; at the start: {load_average()}",
        "Generated calls:\n" + "\n".join(generation),
    ]
    misses: list[str] = []
    started = time.perf_counter()
    if not (args.algorithms_only or args.cold_only):
        log("Pages:")
        only = [word.strip() for word in args.pages.split(",") if word.strip()]
        results = pages.run_pages(calls, args.requests, budget=args.page_budget, log=log, only=only)
        save_raw("pages", {size: [vars(r) for r in rows] for size, rows in results.items()})
        text, found = pages.report(results)
        sections.append(
            f"## Pages ({args.requests} rounds, each requesting every page of every size once; "
            f"fewer when the pages need more than {args.page_budget:.0f} s each on average; "
            f"'timed' gives the number)\n\n{text}"
        )
        misses += found
    if not (args.algorithms_only or args.pages_only):
        sections.append(run_cold_reads(args, calls, log, misses))
    if not (args.pages_only or args.cold_only):
        log("Algorithms:")
        results = algorithms.run_algorithms(calls, log=log)
        save_raw("algorithms", [vars(r) for r in results])
        text, found = algorithms.report(results)
        sections.append(f"## Algorithms\n\n{text}")
        misses += found
    sections.append("## Targets missed\n\n" + ("\n".join(f"- MISS {m}" for m in misses) or "None."))
    sections.append(
        f"Benchmark time: {time.perf_counter() - started:.0f} s; at the end: {load_average()}"
    )
    report = "\n\n".join(sections) + "\n"
    print("\n" + report)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(report, encoding="utf-8")
    return 0


def run_cold_reads(args, calls: dict, log, misses: list[str]) -> str:
    """The cold reads after a change (``bench.cold``) at N = 1,000 and above."""
    import os

    from bench import cold

    log("Cold reads after a change:")
    large = {size: call for size, call in calls.items() if size >= 1_000} or calls
    broker = args.broker_url or os.environ.get("BENCH_BROKER_URL", "")
    results = cold.run_cold(large, rounds=args.cold_rounds, broker_url=broker, log=log)
    save_raw("cold", [vars(r) for r in results])
    text, found = cold.report(results)
    misses += found
    return f"## Cold reads after a change ({args.cold_rounds} changes per page)\n\n{text}"


if __name__ == "__main__":
    sys.exit(main())
