"""Cold reads: the first scoreboard, robustness and list-board read after a change.

For each generated call (N = 1,000 and 10,000 by default) and each page, ``rounds`` times:
a submitted review is saved again (a review edited: the call's stamp moves, as after any
change), then

1. **before** (figures computed by the request that reads them, as in embedded mode and
   as every mode did before): the first read after the change;
2. **after** (production mode: tasks go to the broker): the first read after another
   change, which shows the previous figures marked "being updated" and queues the
   computation; then that computation, run here in process as the worker runs it
   (``refresh_figures``: the time until the figures are current); then the next read,
   which shows them.

The web side and the "worker" share a Redis cache (the broker's database), as in
production; the figures are deleted from it and the queued messages purged from the
broker at the end (no worker consumes them here).
Target (issue 18): no staff request over 1 s at N = 10,000, warm or cold: PASS / MISS on
the slowest read of the *after* mode.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from .common import table

TARGET = 1.0  # seconds
MARKER = b'id="figures-being-updated"'
DEFAULT_BROKER = "redis://127.0.0.1:6379/9"


@dataclass
class ColdResult:
    page: str
    size: int
    before: list[float] = field(default_factory=list)  # first read, computed in the request
    stale: list[float] = field(default_factory=list)  # first read, previous figures shown
    stale_cpu: list[float] = field(default_factory=list)  # its CPU time in this process
    worker: list[float] = field(default_factory=list)  # the computation the worker runs
    fresh: list[float] = field(default_factory=list)  # the read after the worker finished
    marked: int = 0  # stale reads that carried the marker
    error: str = ""

    @property
    def slowest_read(self) -> float:
        return max(self.stale + self.fresh, default=float("nan"))


def pages(call) -> list[tuple[str, str]]:
    from django.urls import reverse

    slug = call.slug
    return [
        ("scoreboard", reverse("reviews:scoreboard", args=[slug]) + "?sort=-calibrated"),
        ("robustness", reverse("reviews:scoreboard_robustness", args=[slug])),
        ("list board", reverse("reviews:lists_board", args=[slug])),
    ]


def _change(call) -> None:
    """A review edited: saved again (its figures stay, the stamp moves)."""
    from reviews.models import Review, ReviewStatus

    review = (
        Review.objects.filter(assignment__application__call=call, status=ReviewStatus.SUBMITTED)
        .order_by("pk")
        .first()
    )
    review.save()


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _round(result: ColdResult, call, client, url: str, app) -> None:
    from reviews.selectors.scoreboard_cache import refresh_figures

    app.conf.task_always_eager = True
    client.get(url)  # current figures to start from
    _change(call)
    seconds, _response = _timed(lambda: client.get(url))
    result.before.append(seconds)

    app.conf.task_always_eager = False
    _change(call)
    cpu = time.process_time()
    seconds, response = _timed(lambda: client.get(url))
    result.stale_cpu.append(time.process_time() - cpu)
    result.stale.append(seconds)
    result.marked += MARKER in response.content
    seconds, _done = _timed(lambda: refresh_figures(call_id=call.pk))
    result.worker.append(seconds)
    seconds, response = _timed(lambda: client.get(url))
    result.fresh.append(seconds)
    if MARKER in response.content:
        result.error = "still marked after the worker finished"


def run_cold(
    calls: dict[int, Any], *, rounds: int = 3, broker_url: str = "", log=print
) -> list[ColdResult]:
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings
    from kombu import Connection

    from aissai.celery import app
    from bench.pages import actors_for
    from reviews.selectors.scoreboard_cache import SCHEMA

    broker_url = broker_url or DEFAULT_BROKER
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.broker_url = broker_url
    # As in production: a cache the web and the worker share (Redis, the broker's).
    shared = override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": broker_url,
            }
        }
    )
    shared.enable()
    results = []
    try:
        for size, call in sorted(calls.items()):
            client = Client()
            client.force_login(actors_for(call).staff)
            for name, url in pages(call):
                result = ColdResult(page=name, size=size)
                try:
                    for _ in range(rounds):
                        _round(result, call, client, url, app)
                except Exception as exc:  # noqa: BLE001 - reported, not fatal
                    result.error = f"{type(exc).__name__}: {exc}"[:120]
                results.append(result)
                log(f"  cold {name} N={size:,}: {_summary(result)}")
    finally:
        for call in calls.values():
            cache.delete(f"scoreboard:{SCHEMA}:{call.pk}:figures")
        shared.disable()
        app.conf.task_always_eager, app.conf.broker_url = saved
        with Connection(broker_url, connect_timeout=5) as connection:
            app.control.purge(connection=connection)
    return results


def _ms(values: list[float]) -> str:
    if not values:
        return "—"
    low, mid, high = min(values), median(values), max(values)
    return f"{mid * 1000:,.0f} ({low * 1000:,.0f}–{high * 1000:,.0f})"


def _summary(result: ColdResult) -> str:
    return (
        f"before {_ms(result.before)} ms; after: stale {_ms(result.stale)} ms, "
        f"worker {_ms(result.worker)} ms, fresh {_ms(result.fresh)} ms"
    )


def verdict(result: ColdResult) -> str:
    if result.error or result.marked < len(result.stale):
        return f"MISS ({result.error or 'a stale read without the marker'})"
    return "PASS" if result.slowest_read <= TARGET else "MISS"


def report(results: list[ColdResult]) -> tuple[str, list[str]]:
    rows = [
        (
            r.page,
            f"{r.size:,}",
            _ms(r.before),
            _ms(r.stale),
            _ms(r.stale_cpu),
            f"{r.marked}/{len(r.stale)}",
            _ms(r.worker),
            _ms(r.fresh),
            verdict(r),
        )
        for r in results
    ]
    text = table(
        (
            "page",
            "N",
            "before: first read ms",
            "after: first read ms",
            "its CPU ms",
            "marked",
            "worker ms",
            "next read ms",
            "≤ 1 s",
        ),
        rows,
    )
    notes = (
        "\n\nTimes: median (min–max) over the rounds. *before*: the request computes the "
        "figures; *after*: the first read shows the previous figures marked as being "
        "updated, the worker computes, the next read shows the current ones. *its CPU "
        "ms*: CPU time of the first read in the web process (without PostgreSQL's), less "
        "sensitive than wall time to other work on the machine."
    )
    misses = [
        f"cold read of the {r.page} at N = {r.size:,}: {verdict(r)}, slowest read "
        f"{r.slowest_read * 1000:,.0f} ms"
        for r in results
        if verdict(r) != "PASS"
    ]
    return text + notes, misses
