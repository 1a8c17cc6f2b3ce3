"""``make bench-rush``, second part: staff browsing the heavy pages of a large call at once.

    .venv/bin/python -m bench.staff_load [--users 20] [--seconds 60] [--warmup 15]
                                         [--size 10000] [--web-workers 4] [--threads 1]
                                         [--cache-url local|redis://…] [--profile] [--output FILE]

``--users`` staff members of the generated call ``bench-selection-<size>-s1`` (made once,
as ``make bench`` does; the extra staff accounts are added to it) log in through the
login form, then each requests the staff applications table, the scoreboard, the review
progress and the list board in turn, with no think time, for ``--warmup`` seconds (not
counted: the first requests fill the cache the workers share) and then
``--seconds`` seconds. gunicorn runs ``deploy/gunicorn.conf.py`` (through
``bench/gunicorn_bench.py``) with ``--web-workers`` processes on 127.0.0.1, beside one
Celery worker (concurrency 1) on the broker.

Reported: requests per second, p50 / p95 / p99 per page and overall, against the targets
of issue 18 (at least 25 requests/s, p95 under 1 s), gunicorn's own times per page, and
the peak resident memory (``VmHWM``) of every web worker. ``--profile`` writes a cProfile
of each worker to ``var/bench/<run>-profile/``. The exit status is 0 whatever the
figures, unless a request failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from statistics import median

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_generated_call, load_average, machine, percentile, setup_django
from bench.common import table as markdown_table
from bench.services import DEFAULT_BROKER, LOG_DIR, Services

THROUGHPUT_TARGET = 25.0  # requests/s
P95_TARGET_MS = 1000.0
TIMEOUT = 60.0
# (name, URL name, query string) of the pages the staff browse, in the order they do.
PAGES = (
    ("staff applications table", "calls:staff_applications", ""),
    ("scoreboard", "reviews:scoreboard", "?sort=-calibrated"),
    ("review progress", "reviews:progress", ""),
    ("list board", "reviews:lists_board", ""),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured load")
    parser.add_argument("--warmup", type=float, default=15.0, help="load before, not counted")
    parser.add_argument("--size", type=int, default=10_000, help="applications in the call")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument(
        "--cache-url",
        default="",
        help="the cache every web worker shares (default: the broker's Redis, as "
        "docker-compose.yml shares one Redis); 'local' for a cache per worker",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile every web worker")
    parser.add_argument(
        "--pages",
        default="",
        help="comma-separated subset of the pages (default: all four): "
        + ", ".join(name for name, _route, _query in PAGES),
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER)
    parser.add_argument("--output", default="")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class Sample:
    page: str
    started: float
    seconds: float
    status: int
    size: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error


def staff_accounts(call, count: int) -> list[str]:
    """E-mails of ``count`` programme staff accounts (the generator's one, then copies of
    it with the same password), made once per call."""
    from django.utils import timezone

    from aissai.accounts.models import User

    domain = f"{call.slug}.example.org"
    first = User.objects.get(email=f"staff@{domain}")
    emails = [first.email]
    for n in range(1, count):
        user, _created = User.objects.get_or_create(
            email=f"staff{n}@{domain}",
            defaults={
                "full_name": f"Generated Staff {n}",
                "language": "en",
                "is_programme_staff": True,
                "is_staff": True,
                "email_verified_at": timezone.now(),
                "password": first.password,
            },
        )
        emails.append(user.email)
    return emails


def page_urls(call, names: str = "") -> list[tuple[str, str]]:
    from django.urls import reverse

    wanted = {name.strip() for name in names.split(",") if name.strip()}
    unknown = wanted - {name for name, _route, _query in PAGES}
    if unknown:
        raise SystemExit(f"unknown page(s): {', '.join(sorted(unknown))}")
    return [
        (name, reverse(route, args=[call.slug]) + query)
        for name, route, query in PAGES
        if not wanted or name in wanted
    ]


def prime(base_url: str, session, pages: list[tuple[str, str]]) -> list[list]:
    """One request to each page, alone, before the load: the first read after the call
    was generated (or changed) fills the cache the workers share. Its time is reported."""
    rows = []
    for name, path in pages:
        started = time.monotonic()
        response = session.get(base_url + path, timeout=10 * TIMEOUT, allow_redirects=False)
        rows.append([name, response.status_code, f"{(time.monotonic() - started) * 1000:.0f}"])
    return rows


def login(base_url: str, email: str, password: str):
    import requests

    from .http_forms import csrf_token

    session = requests.Session()
    url = f"{base_url}/accounts/login/"
    page = session.get(url, timeout=TIMEOUT)
    answer = session.post(
        url,
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": csrf_token(page.text),
        },
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login of {email}: HTTP {answer.status_code}")
    return session


def browse(
    base_url: str, sessions: list, pages: list[tuple[str, str]], *, until: float
) -> list[Sample]:
    """Every session requests the pages in turn (each starting at a different one), with
    no pause, until ``until`` (monotonic). Returns every request made."""
    import requests

    samples: list[Sample] = []
    lock = threading.Lock()

    def user(index: int, session) -> None:
        mine, turn = [], index
        while time.monotonic() < until:
            name, path = pages[turn % len(pages)]
            turn += 1
            started = time.monotonic()
            try:
                response = session.get(base_url + path, timeout=TIMEOUT, allow_redirects=False)
                status, size, error = response.status_code, len(response.content), ""
            except requests.RequestException as exc:
                status, size, error = 0, 0, type(exc).__name__
            mine.append(Sample(name, started, time.monotonic() - started, status, size, error))
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=user, args=pair) for pair in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT + until - time.monotonic())
    return samples


def summarise(samples: list[Sample], start: float, seconds: float) -> tuple[str, dict]:
    """Requests that started in the window [start, start + seconds]; throughput counts
    those that also ended in it."""
    counted = [s for s in samples if start <= s.started <= start + seconds]
    done = [s for s in counted if s.started + s.seconds <= start + seconds]
    groups = defaultdict(list)
    for sample in counted:
        groups[sample.page].append(sample)
    rows, figures = [], {"pages": {}}
    for name, group in [*groups.items(), ("all pages", counted)]:
        times = [s.seconds * 1000 for s in group]
        figure = {
            "count": len(group),
            "errors": sum(not s.ok for s in group),
            "p50": median(times),
            "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "max": max(times),
            "kib": median(s.size for s in group) / 1024,
        }
        figures["pages"][name] = figure
        rows.append(
            [
                name,
                figure["count"],
                figure["errors"],
                f"{figure['p50']:.0f}",
                f"{figure['p95']:.0f}",
                f"{figure['p99']:.0f}",
                f"{figure['max']:.0f}",
                f"{figure['kib']:.0f}",
            ]
        )
    overall = figures["pages"]["all pages"]
    figures.update(
        throughput=len(done) / seconds,
        p95=overall["p95"],
        errors=overall["errors"],
        requests=len(counted),
    )
    text = markdown_table(
        ["page", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "KiB"], rows
    )
    return text, figures


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def memory_table(memories) -> str:
    rows = [[m.pid, f"{m.rss_mib:.0f}", f"{m.peak_mib:.0f}"] for m in memories]
    return markdown_table(["web worker pid", "RSS at the end MiB", "peak RSS (VmHWM) MiB"], rows)


def run(args, url: str) -> tuple[str, dict]:
    """Start gunicorn, log the staff in, load, measure; everything stopped at the end."""
    from bench.memory import memory_of_children
    from bench.rush import server_times
    from reviews.generator.context import DEFAULT_PASSWORD

    call, generated = ensure_generated_call(args.size)
    if generated is not None:
        from bench.common import analyze

        analyze()
    emails = staff_accounts(call, args.users)
    pages = page_urls(call, args.pages)
    run_id = time.strftime("%Y%m%d-%H%M%S")
    extra = {"GUNICORN_THREADS": str(args.threads)}
    cache_url = args.cache_url or args.broker_url
    if cache_url != "local":
        extra["CACHE_URL"] = cache_url
    profile_dir = LOG_DIR / f"{run_id}-profile"
    if args.profile:
        profile_dir.mkdir(parents=True, exist_ok=True)
        extra["BENCH_PROFILE_DIR"] = str(profile_dir)
    load_before = load_average()
    with Services(database_url=url, broker_url=args.broker_url, run_id=run_id) as services:
        # A Celery worker, as in production: with a shared cache, the scoreboard figures
        # of a changed call are recomputed there (reviews.selectors.scoreboard_cache).
        services.purge_queue()
        services.start_worker(concurrency=1)
        web = services.start_web(
            workers=args.web_workers, config="bench/gunicorn_bench.py", env=extra
        )
        base = services.base_url
        sessions = [login(base, email, DEFAULT_PASSWORD) for email in emails]
        primed = prime(base, sessions[0], pages)
        print(f"gunicorn on {base}; {len(sessions)} staff logged in; load starts", flush=True)
        started = time.monotonic()
        warm_end = started + args.warmup
        samples = browse(base, sessions, pages, until=warm_end + args.seconds)
        load_during = load_average()
        memories = memory_of_children(web.popen.pid)
        for session in sessions:
            session.close()
        log = web.log
    server_errors = web.text().count("Traceback")
    text, figures = summarise(samples, warm_end, args.seconds)
    figures.update(
        memory_peak_mib=max((m.peak_mib for m in memories), default=0.0),
        memory=[(m.pid, m.rss_mib, m.peak_mib) for m in memories],
        load_before=load_before,
        load_during=load_during,
        server_errors=server_errors,
    )
    gunicorn_class = "gthread" if args.threads > 1 else "sync"
    lines = [
        f"# Staff under load {run_id}",
        f"Machine: {machine()}; {load_before} at the start, {load_during} at the end of the load",
        f"Call {call.slug} ({args.size:,} applications); {args.users} staff users, no think "
        f"time, {args.warmup:.0f} s of warm-up then {args.seconds:.0f} s measured; gunicorn "
        f"{args.web_workers} {gunicorn_class} workers × {args.threads} thread(s), cache "
        f"{'local memory (per worker)' if cache_url == 'local' else 'Redis (shared)'}, "
        f"PostgreSQL "
        f"{url.rsplit('/', 1)[-1]}.",
        "First request to each page, alone, before the load (cache filled, or already "
        "full from an earlier run):",
        markdown_table(["page", "status", "ms"], primed),
        text,
        server_times(log),
        f"- Throughput: **{figures['throughput']:.1f} requests/s** (target ≥ "
        f"{THROUGHPUT_TARGET:.0f}): {verdict(figures['throughput'] >= THROUGHPUT_TARGET)}",
        f"- p95 over all pages: **{figures['p95']:.0f} ms** (target < {P95_TARGET_MS:.0f}): "
        f"{verdict(figures['p95'] < P95_TARGET_MS)}",
        f"- Errors: {figures['errors']}; tracebacks in the server log: {server_errors}",
        f"- Peak RSS of a web worker: **{figures['memory_peak_mib']:.0f} MiB**",
        memory_table(memories),
        "Log: " + str(log.relative_to(Path.cwd()) if log.is_relative_to(Path.cwd()) else log),
    ]
    if args.profile:
        lines.append(f"Profiles: {profile_dir}")
    return "\n\n".join(lines) + "\n", figures


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["CELERY_BROKER_URL"] = args.broker_url
    url = setup_django(args.database_url)
    report, figures = run(args, url)
    print("\n" + report)
    if args.output:
        Path(args.output).write_text(report, encoding="utf-8")
    return 0 if not figures["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
