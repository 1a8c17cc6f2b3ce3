"""Shared plumbing of the benchmarks: Django set up against the benchmark database, the
generated calls, percentiles, memory peaks and the report table.

Benchmarks are not tests: they run against PostgreSQL (``DATABASE_URL``, by default
``postgres://postgres@127.0.0.1:5432/aissai_bench``), create and migrate that database
when needed, and print what they measured. Nothing here runs in ``make test``.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aissai_bench"
SIZES = (100, 1_000, 10_000)
REVIEWS_PER_APPLICATION = 3
REVIEWED_SHARE = 0.92  # applications that reach review in a generated call
SEED = 1


def configure(database_url: str | None = None) -> str:
    """Environment for a benchmark process: PostgreSQL, no debug, tasks in process."""
    url = database_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aissai.settings")
    os.environ.setdefault("AISSAI_MEDIA_ROOT", str(ROOT / "var" / "bench" / "uploads"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return url


def ensure_database(url: str, *, fresh: bool = False) -> None:
    """Create (or, with ``fresh``, drop and re-create) the database of ``url``."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and fresh:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str | None = None, *, fresh: bool = False, migrate: bool = True) -> str:
    url = configure(url)
    ensure_database(url, fresh=fresh)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    return url


def analyze() -> None:
    """Fresh planner statistics and visibility maps (after a bulk load the planner would
    guess row counts badly, and read every row where an index would do, until autovacuum's
    next pass; production tables are vacuumed and analysed by autovacuum, which may be off
    or late on a benchmark machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def experts_for(applications: int, k: int = REVIEWS_PER_APPLICATION) -> int:
    """Experts so that a reviewer reviews 20 applications on average."""
    return max(k + 1, round(REVIEWED_SHARE * applications * k / 20))


def ensure_generated_call(applications: int, *, seed: int = SEED, stage: str = "selection"):
    """The generated call ``bench-<stage>-<N>-s<seed>``, made now if absent (the generator
    analyses the tables it fills): (call, generation seconds, or None when it was there)."""
    from calls.models import Call
    from reviews.generator import GeneratorOptions, generate_call

    slug = f"bench-{stage}-{applications}-s{seed}"
    call = Call.objects.filter(slug=slug).first()
    if call is not None:
        return call, None
    report = generate_call(
        GeneratorOptions(
            applications=applications,
            experts=experts_for(applications),
            reviews_per_application=REVIEWS_PER_APPLICATION,
            seed=seed,
            slug=slug,
            stage=stage,
        )
    )
    return report.call, report.seconds


# --- Figures ---------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def measure_time(function: Callable[[], Any], *, repeat: int = 1) -> tuple[float, Any]:
    """Best wall time over ``repeat`` runs (seconds) and the last result."""
    best, result = math.inf, None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def measure_peak(function: Callable[[], Any]) -> int:
    """Peak Python heap allocated while ``function`` runs (bytes, tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        function()
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def mib(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"


# --- Report ----------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (readable as plain text too)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return "\n".join(
        [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells[1:])]
    )


def machine() -> str:
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for text in handle:
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        total_kib = int(handle.readline().split()[1])
    try:
        postgres = subprocess.run(  # noqa: S603
            [shutil.which("psql") or "psql", "--version"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        postgres = "psql not found"
    return (
        f"{os.cpu_count()} CPU ({cpu}), {total_kib / 2**20:.1f} GiB RAM, "
        f"Python {platform.python_version()}, {postgres}, {platform.platform()}"
    )


def load_average() -> str:
    """The machine's load (other processes share the CPUs with the benchmark)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"
