"""Where the time of a page goes: cProfile (standard library) over a few requests of each
page of ``make bench`` on the generated call of one size, with the SQL time apart.

    .venv/bin/python -m bench.profile [--size 10000] [--requests 5] [--page NAME] [--top 25]

Bench-only: it reads the benchmark database (``BENCH_DATABASE_URL``) like ``bench.run``
and generates the call when it is absent. Prints, per page, the median request time, the
time spent in SQL, the response size and the top entries by own time and by cumulative
time (``--sort``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from statistics import median

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--page", default="", help="only pages whose name contains this")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime,cumulative")
    parser.add_argument(
        "--sql", action="store_true", help="also list the queries of one request, slowest first"
    )
    return parser.parse_args(argv)


class SqlTimer:
    """A database execute wrapper adding up the time spent in SQL."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.seconds += spent
            self.count += 1
            self.queries.append((spent, sql))


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_django(migrate=False)
    from django.db import connection
    from django.test import Client

    from bench.common import ensure_generated_call
    from bench.pages import actors_for, page_list

    call, _ = ensure_generated_call(args.size)
    for name, user, url_of in page_list(actors_for(call)):
        if args.page and args.page not in name:
            continue
        url = url_of()
        client = Client()
        client.force_login(user)
        client.get(url)
        client.get(url)
        timer, times, size = SqlTimer(), [], 0
        profile = cProfile.Profile()
        with connection.execute_wrapper(timer):
            for _ in range(args.requests):
                started = time.perf_counter()
                profile.enable()
                response = client.get(url)
                profile.disable()
                times.append(time.perf_counter() - started)
                size = len(response.content)
        print(
            f"\n=== {name} N={args.size:,}: median {median(times) * 1000:.1f} ms "
            f"(profiled), SQL {timer.seconds / args.requests * 1000:.1f} ms in "
            f"{timer.count // args.requests} queries, {size / 1024:.1f} KiB"
        )
        if args.sql:
            per_request = timer.queries[-(timer.count // args.requests) :]
            for spent, sql in sorted(per_request, reverse=True):
                print(f"{spent * 1000:8.1f} ms  {sql[:400]}")
        for key in args.sort.split(","):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(key).print_stats(args.top)
            text = out.getvalue()
            print(f"--- by {key}\n" + text[text.find("ncalls") :])
    return 0


if __name__ == "__main__":
    sys.exit(main())
