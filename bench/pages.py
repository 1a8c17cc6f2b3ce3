"""Key pages at each size: query count, median and 95th percentile server time through
Django's test client (``force_login``), response size, and the ratio to a trivial
logged-in page measured in the same run.

Targets (issues 6 and 18): the query count does not grow with N; at N = 10,000 every
page is within 10× the trivial page and takes at most 2× its own time at N = 1,000. The
report ends with one line per page: both times, both ratios and PASS or MISS.

Reviews and assignments have no admin changelist (they are read only through the
selectors that apply the reader's conflicts); the admin pages measured are the
applications, the invitations of the call and the outbox (one receipt per application,
made here once per call, found by the call's mail domain).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from .common import percentile, table

TRIVIAL = "trivial page (home, logged in)"
RATIO_TARGET = 10.0
GROWTH_TARGET = 2.0
WARMUP = 2
SLOW = 2.0  # seconds: one warm-up request only
MIN_SAMPLES = 3  # timed requests, at least, even over the time budget


@dataclass
class PageResult:
    page: str
    size: int
    queries: int | None = None
    times: list[float] = field(default_factory=list)  # seconds
    kib: float = 0.0
    error: str = ""

    @property
    def median_ms(self) -> float:
        return median(self.times) * 1000 if self.times else float("nan")

    @property
    def p95_ms(self) -> float:
        return percentile(self.times, 95) * 1000 if self.times else float("nan")


@dataclass
class Actors:
    call: Any
    staff: Any
    reviewer: Any
    reviewer_assignments: int
    applicant: Any
    superuser: Any


def actors_for(call) -> Actors:
    """The staff member of the generated call, the reviewer whose number of live
    assignments is closest to 20, the coordinator of a shortlisted application and a
    superuser (made once) for the admin pages programme staff do not reach."""
    from django.db.models import Count, Q

    from aissai.accounts.models import User
    from calls.models import ApplicationStatus
    from reviews.models import Invitation

    staff = User.objects.get(email=f"staff@{call.slug}.example.org")
    loads = (
        Invitation.objects.filter(call=call)
        .annotate(n=Count("assignments", filter=Q(assignments__is_active=True)))
        .values_list("expert__user_id", "n")
    )
    reviewer_id, count = min(loads, key=lambda row: (abs(row[1] - 20), row[0]))
    application = (
        call.applications.filter(status=ApplicationStatus.SHORTLISTED).order_by("pk").first()
        or call.applications.order_by("pk").first()
    )
    superuser, _ = User.objects.get_or_create(
        email=f"admin@{call.slug}.example.org",
        defaults={"full_name": "Bench Admin", "is_superuser": True, "is_staff": True},
    )
    return Actors(
        call=call,
        staff=staff,
        superuser=superuser,
        reviewer=User.objects.get(pk=reviewer_id),
        reviewer_assignments=count,
        applicant=application.coordinator,
    )


def ensure_outbox(call) -> int:
    """One sent receipt per submitted application of the generated call in the outbox
    (made once; the generator writes no mail): the outbox changelist then grows with N."""
    from aissai.notifications.models import OutboxMessage, OutboxStatus
    from calls.models import ApplicationStatus

    domain = f"@{call.slug}.example.org"
    present = OutboxMessage.objects.filter(to_email__endswith=domain).count()
    if present:
        return present
    rows = (
        call.applications.exclude(status=ApplicationStatus.DRAFT)
        .order_by("pk")
        .values_list("reference", "coordinator__email", "coordinator__full_name")
    )
    messages = [
        OutboxMessage(
            event="submission_receipt",
            status=OutboxStatus.SENT,
            to_email=email,
            to_name=name,
            subject=f"Application {reference} received",
            body_text=f"Your application {reference} was received.",
        )
        for reference, email, name in rows
    ]
    OutboxMessage.objects.bulk_create(messages, batch_size=2_000)
    return len(messages)


def page_list(actors: Actors) -> list[tuple[str, Any, Callable[[], str]]]:
    """(name, user, url) of every page measured; the url is built lazily (a page whose
    route does not exist yet is reported as absent)."""
    from django.urls import reverse

    slug = actors.call.slug
    return [
        (TRIVIAL, actors.staff, lambda: reverse("home")),
        (
            "staff applications table",
            actors.staff,
            lambda: reverse("calls:staff_applications", args=[slug]),
        ),
        (
            "scoreboard (sorted by calibrated score)",
            actors.staff,
            lambda: reverse("reviews:scoreboard", args=[slug]) + "?sort=-calibrated",
        ),
        ("list board", actors.staff, lambda: reverse("reviews:lists_board", args=[slug])),
        ("review progress", actors.staff, lambda: reverse("reviews:progress", args=[slug])),
        (
            f"reviewer dashboard ({actors.reviewer_assignments} assignments)",
            actors.reviewer,
            lambda: reverse("reviews:my_assignments"),
        ),
        ("applicant dashboard", actors.applicant, lambda: reverse("calls:my_applications")),
        (
            "admin changelist of applications",
            actors.staff,
            lambda: (
                reverse("admin:calls_application_changelist") + f"?call__id__exact={actors.call.pk}"
            ),
        ),
        (
            "admin changelist of invitations",
            actors.superuser,
            lambda: (
                reverse("admin:reviews_invitation_changelist")
                + f"?call__id__exact={actors.call.pk}"
            ),
        ),
        (
            "admin changelist of the outbox",
            actors.superuser,
            lambda: reverse("admin:notifications_outboxmessage_changelist") + f"?q={slug}",
        ),
    ]


def prepare_page(name: str, size: int, user, url_of) -> tuple[PageResult, Any, str]:
    """A logged-in client for one page, warmed up, with the page's query count and size
    measured once: (result, client, url); the client is None when the page is absent or
    fails (said in ``result.error``)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch

    result = PageResult(page=name, size=size)
    try:
        url = url_of()
    except NoReverseMatch:
        result.error = "absent"
        return result, None, ""
    client = Client()
    client.force_login(user)
    try:
        for _ in range(WARMUP):
            started = time.perf_counter()
            response = client.get(url)
            if response.status_code != 200:
                result.error = f"HTTP {response.status_code}"
                return result, None, url
            if time.perf_counter() - started > SLOW:
                break  # one warm-up is enough for a page this slow
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        result.queries = len(captured.captured_queries)
        result.kib = len(response.content) / 1024
    except Exception as exc:  # noqa: BLE001 - a broken page is reported, not fatal
        result.error = f"{type(exc).__name__}: {exc}"[:120]
        return result, None, url
    return result, client, url


def run_pages(
    calls: dict[int, Any],
    requests: int,
    *,
    budget: float = 60.0,
    log=print,
    only: list[str] | None = None,
) -> dict[int, list[PageResult]]:
    """Every page of every size, measured in rounds: each round requests each page once,
    the trivial page included. The machine is shared and its load changes by the minute:
    interleaved, every page (and both sizes) meets the same load, so the ratios to the
    trivial page and between sizes compare like with like (``only``: the pages whose name
    contains one of these words, and the trivial page). ``budget`` is the seconds of
    timed requests allowed per page on average (at least ``MIN_SAMPLES`` rounds)."""
    results: dict[int, list[PageResult]] = {}
    timed: list[tuple[PageResult, Any, str]] = []
    for size, call in sorted(calls.items()):
        ensure_outbox(call)
        actors = actors_for(call)
        results[size] = []
        for name, user, url_of in page_list(actors):
            if only and name != TRIVIAL and not any(word in name for word in only):
                continue
            # Names carry the reviewer's count; compare pages across sizes by position.
            result, client, url = prepare_page(name, size, user, url_of)
            results[size].append(result)
            if client is not None:
                timed.append((result, client, url))
    begun = time.perf_counter()
    for done in range(1, requests + 1):
        for result, client, url in timed:
            started = time.perf_counter()
            try:
                client.get(url)
            except Exception as exc:  # noqa: BLE001
                result.error = f"{type(exc).__name__}: {exc}"[:120]
            result.times.append(time.perf_counter() - started)
        if time.perf_counter() - begun > budget * len(timed) and done >= MIN_SAMPLES:
            break  # very slow pages: fewer rounds, said in the report ("timed")
    for size in sorted(results):
        for result in results[size]:
            log(
                f"  N={size:>6,} {result.page:<45} q={result.queries} "
                f"median={result.median_ms:8.1f} ms p95={result.p95_ms:8.1f} ms "
                f"{result.kib:8.1f} KiB {result.error}"
            )
    return results


def _fmt(value: float, digits: int = 1) -> str:
    return "–" if value != value else f"{value:,.{digits}f}"  # NaN check


def report(results: dict[int, list[PageResult]]) -> tuple[str, list[str]]:
    """The detailed table (one row per page and size) and the list of missed targets."""
    sizes = sorted(results)
    rows, misses = [], []
    for index, first in enumerate(results[sizes[0]]):
        per_size = {size: results[size][index] for size in sizes}
        for size in sizes:
            result = per_size[size]
            trivial = results[size][0]
            ratio = result.median_ms / trivial.median_ms if trivial.times else float("nan")
            rows.append(
                [
                    result.page,
                    f"{size:,}",
                    result.queries if result.queries is not None else "–",
                    _fmt(result.median_ms),
                    _fmt(result.p95_ms),
                    _fmt(ratio),
                    _fmt(result.kib),
                    len(result.times),
                    result.error,
                ]
            )
        if index == 0:
            continue
        name = first.page.split(" (")[0] if "dashboard (" in first.page else first.page
        misses += _misses(name, per_size, results, sizes)
    text = table(
        ["page", "N", "queries", "median ms", "p95 ms", "× trivial", "KiB", "timed", "note"],
        rows,
    )
    return text + "\n\n" + verdicts(results), misses


def verdicts(results: dict[int, list[PageResult]]) -> str:
    """One line per page at the two largest sizes (N = 1,000 and 10,000 by default): its
    median times, its ratio to the trivial page of the same size and run, its growth,
    and PASS (≤ 10× and ≤ 2×) or MISS."""
    sizes = sorted(results)
    if len(sizes) < 2:
        return ""
    small, large = sizes[-2], sizes[-1]
    trivial = results[large][0].median_ms
    rows = []
    for index, first in enumerate(results[large]):
        if index == 0:
            continue
        before, after = results[small][index], first
        ratio = after.median_ms / trivial
        growth = after.median_ms / before.median_ms
        passed = ratio <= RATIO_TARGET and growth <= GROWTH_TARGET
        verdict = "PASS" if passed else "MISS"
        if after.error or before.error:
            verdict = "not measured"
        rows.append(
            [
                after.page,
                _fmt(before.median_ms),
                _fmt(after.median_ms),
                _fmt(ratio),
                _fmt(growth, 2),
                verdict,
            ]
        )
    return f"Targets at N = {large:,} (trivial page {_fmt(trivial)} ms in this run):\n\n" + table(
        [
            "page",
            f"ms at {small:,}",
            f"ms at {large:,}",
            f"× trivial (≤ {RATIO_TARGET:g})",
            f"{large:,} / {small:,} (≤ {GROWTH_TARGET:g})",
            "result",
        ],
        rows,
    )


def _misses(name, per_size, results, sizes) -> list[str]:
    found = []
    if any(per_size[s].error for s in sizes):
        errors = {s: per_size[s].error for s in sizes if per_size[s].error}
        return [f"{name}: not measured ({errors})"]
    counts = {per_size[s].queries for s in sizes}
    if len(counts) > 1:
        found.append(
            f"{name}: query count grows with N: "
            + ", ".join(f"{per_size[s].queries} at {s:,}" for s in sizes)
        )
    largest = sizes[-1]
    trivial = results[largest][0].median_ms
    ratio = per_size[largest].median_ms / trivial
    if ratio > RATIO_TARGET:
        found.append(
            f"{name}: {ratio:.1f}× the trivial page at N={largest:,} "
            f"({per_size[largest].median_ms:.0f} ms vs {trivial:.1f} ms; "
            f"target ≤ {RATIO_TARGET:g}×)"
        )
    if len(sizes) >= 2 and sizes[-2] * 10 == largest:
        growth = per_size[largest].median_ms / per_size[sizes[-2]].median_ms
        if growth > GROWTH_TARGET:
            found.append(
                f"{name}: grows {growth:.1f}× from N={sizes[-2]:,} to N={largest:,} "
                f"({per_size[sizes[-2]].median_ms:.0f} → {per_size[largest].median_ms:.0f} ms; "
                f"target ≤ {GROWTH_TARGET:g}×)"
            )
    return found
