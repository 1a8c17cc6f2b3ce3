"""Algorithms at size: assignment proposal (affinity + exact min-cost flow), calibration,
funding-line robustness, and the CSV / XLSX exports. Time (best of a few runs, without
tracing) and peak Python heap (tracemalloc, a separate run), and their growth N → 10N.

Targets (issue 6): assignment (1,000 applications × 300 experts × 3) and calibration
(40,000 reviews) under 10 s on this machine; exports streamed (memory flat in N).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from .common import measure_peak, measure_time, mib, table

TIME_TARGET = 10.0
FLAT_MEMORY = 1.5  # "flat": peak memory grows less than this from N to 10N


@dataclass
class AlgorithmResult:
    name: str
    size: str
    seconds: float | None
    peak: int | None
    note: str = ""


# --- Assignment ------------------------------------------------------------------------


def _profiles(applications: int, experts: int, seed: int):
    """Application and expert profiles written from the generator's vocabulary."""
    from django.utils import timezone

    from reviews.assignment.affinity import Profile
    from reviews.generator import GeneratorOptions, vocabulary
    from reviews.generator import applications as app_part
    from reviews.generator import reviewing as review_part
    from reviews.generator.context import Context

    options = GeneratorOptions(applications=applications, experts=experts, seed=seed)
    context = Context.start(options, timezone.now())
    context.objects["disciplines"] = dict.fromkeys(vocabulary.SCIENCE_KEYWORDS)
    disciplines = sorted(vocabulary.SCIENCE_KEYWORDS)
    apps = []
    for index in range(applications):
        text = app_part._text(context, context.rng.choice(disciplines))
        apps.append(
            Profile(
                id=index, keywords=text["keywords"], text=f"{text['title']}\n{text['abstract']}"
            )
        )
    experts_ = [
        Profile(id=e.index, keywords=e.keywords, text=e.statement)
        for e in review_part.plan_experts(context)
    ]
    return apps, experts_


def assignment(applications: int, experts: int, k: int = 3, seed: int = 1) -> dict[str, Any]:
    from reviews.assignment.affinity import compute_affinity
    from reviews.assignment.solver import propose_assignment

    apps, experts_ = _profiles(applications, experts, seed)
    rng = np.random.default_rng(seed)
    cap = math.ceil(applications * k / experts * 1.2)
    forbidden = {
        (int(a), int(e))
        for a, e in zip(
            rng.integers(0, applications, applications // 50),
            rng.integers(0, experts, applications // 50),
            strict=True,
        )
    }

    def run():
        affinity = compute_affinity(applications=apps, experts=experts_)
        return propose_assignment(
            applications=[p.id for p in apps],
            experts=[(p.id, cap) for p in experts_],
            affinity=affinity.matrix,
            k=k,
            forbidden=forbidden,
        )

    seconds, proposal = measure_time(run, repeat=2)
    peak = measure_peak(run)
    return {
        "seconds": seconds,
        "peak": peak,
        "note": f"{len(proposal.pairs):,} pairs, complete={proposal.is_complete}, "
        f"solver {proposal.solve_seconds:.2f} s",
    }


# --- Calibration and robustness --------------------------------------------------------


def _reviews(n_reviews: int, seed: int = 1):
    """Reviews of a simulated call: 4 reviews per application, 20 per reviewer."""
    rng = np.random.default_rng(seed)
    n_apps, n_reviewers = n_reviews // 4, n_reviews // 20
    apps = np.repeat(np.arange(n_apps), 4)
    reviewers = np.concatenate(
        [rng.permutation(n_reviewers) for _ in range(math.ceil(n_reviews / n_reviewers))]
    )[:n_reviews]
    quality = rng.normal(6, 1.5, n_apps)
    leniency = rng.normal(0, 0.8, n_reviewers)
    scores = np.clip(quality[apps] + leniency[reviewers] + rng.normal(0, 0.7, n_reviews), 0, 10)
    confidences = rng.integers(1, 6, n_reviews)
    return apps.tolist(), reviewers.tolist(), scores.round(2), confidences.tolist(), n_apps


def calibration(n_reviews: int) -> dict[str, Any]:
    from reviews.scoring import calibrate

    apps, reviewers, scores, confidences, _n = _reviews(n_reviews)

    def run():
        return calibrate(
            application_ids=apps, reviewer_ids=reviewers, scores=scores, confidences=confidences
        )

    seconds, result = measure_time(run, repeat=3)
    return {
        "seconds": seconds,
        "peak": measure_peak(run),
        "note": f"supported={result.supported}, {len(result.reviewer_ids):,} reviewers",
    }


def robustness(n_reviews: int) -> dict[str, Any]:
    from reviews.scoring import analyse

    apps, reviewers, scores, confidences, n_apps = _reviews(n_reviews)

    def run():
        return analyse(
            application_ids=apps,
            reviewer_ids=reviewers,
            scores=scores,
            confidences=confidences,
            funded_places=max(6, n_apps // 10),
        )

    seconds, report = measure_time(run, repeat=2)
    fragile = sum(a.fragile for a in report.applications)
    return {
        "seconds": seconds,
        "peak": measure_peak(run),
        "note": f"calibration {report.calibration_mode}, {fragile:,} fragile (with calibration)",
    }


# --- Exports ---------------------------------------------------------------------------


def exports(call, file_format: str, kind: str = "applications") -> dict[str, Any]:
    from django.db.models import Q

    from aissai.accounts.models import User
    from reviews.exports.tables import applications_table, reviews_table
    from reviews.exports.writers import csv_chunks, write_xlsx

    staff = User.objects.filter(Q(email=f"staff@{call.slug}.example.org")).first()

    def make_table():
        if kind == "reviews":
            return reviews_table(call=call, by=staff)
        return applications_table(call=call)

    rows = {"n": 0}

    def run():
        table_ = make_table()
        if file_format == "csv":
            size = 0
            for chunk in csv_chunks(table_, language="en"):
                size += len(chunk)
            rows["n"] = size
        else:
            with tempfile.TemporaryFile() as handle:
                write_xlsx(table_, handle)
                rows["n"] = handle.tell()

    seconds, _ = measure_time(run, repeat=2)
    return {"seconds": seconds, "peak": measure_peak(run), "note": f"{rows['n'] / 1024:,.0f} KiB"}


# --- Report ----------------------------------------------------------------------------


def run_algorithms(calls: dict[int, Any], *, full: bool = True, log=print) -> list[AlgorithmResult]:
    """Every algorithm at two sizes, N and 10N (the larger is the issue's target size)."""
    plan: list[tuple[str, str, Any]] = [
        ("assignment proposal", "100 × 30 × 3", lambda: assignment(100, 30)),
        ("assignment proposal", "1,000 × 300 × 3", lambda: assignment(1000, 300)),
        ("calibration", "4,000 reviews", lambda: calibration(4_000)),
        ("calibration", "40,000 reviews", lambda: calibration(40_000)),
        ("robustness analysis", "4,000 reviews", lambda: robustness(4_000)),
        ("robustness analysis", "40,000 reviews", lambda: robustness(40_000)),
    ]
    for size in sorted(calls):
        if size < 1000:
            continue
        for kind in ("applications", "reviews"):
            for file_format in ("csv", "xlsx"):
                plan.append(
                    (
                        f"export {kind} {file_format.upper()}",
                        f"call N={size:,}",
                        lambda c=calls[size], f=file_format, k=kind: exports(c, f, k),
                    )
                )
    results = []
    for name, size, run in plan:
        try:
            figures = run()
        except ImportError as exc:
            results.append(AlgorithmResult(name, size, None, None, f"not measured: {exc}"))
        else:
            results.append(
                AlgorithmResult(name, size, figures["seconds"], figures["peak"], figures["note"])
            )
        last = results[-1]
        log(
            f"  {name:<28} {size:<18} {last.seconds or 0:8.3f} s "
            f"{mib(last.peak or 0):>12}  {last.note}"
        )
    return results


def report(results: list[AlgorithmResult]) -> tuple[str, list[str]]:
    rows, misses = [], []
    by_name: dict[str, list[AlgorithmResult]] = {}
    for result in results:
        by_name.setdefault(result.name, []).append(result)
    for name, group in by_name.items():
        for index, result in enumerate(group):
            growth_time = growth_memory = ""
            if index and group[0].seconds and result.seconds:
                growth_time = f"{result.seconds / group[0].seconds:.1f}×"
                growth_memory = f"{(result.peak or 0) / max(group[0].peak or 1, 1):.1f}×"
            rows.append(
                [
                    name,
                    result.size,
                    "–" if result.seconds is None else f"{result.seconds:.3f}",
                    "–" if result.peak is None else mib(result.peak),
                    growth_time,
                    growth_memory,
                    result.note,
                ]
            )
        largest = group[-1]
        if largest.seconds is None:
            misses.append(f"{name}: {largest.note}")
            continue
        if name.startswith(("assignment", "calibration")) and largest.seconds > TIME_TARGET:
            misses.append(f"{name} at {largest.size}: {largest.seconds:.1f} s (target < 10 s)")
        if name.startswith("export") and len(group) > 1:
            growth = (largest.peak or 0) / max(group[0].peak or 1, 1)
            if growth > FLAT_MEMORY:
                misses.append(
                    f"{name}: peak memory grows {growth:.1f}× from {group[0].size} to "
                    f"{largest.size} ({mib(group[0].peak or 0)} → {mib(largest.peak or 0)}; "
                    "target: flat)"
                )
    text = table(["algorithm", "size", "seconds", "peak heap", "time ×", "memory ×", "note"], rows)
    return text, misses
