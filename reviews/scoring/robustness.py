"""How stable is each application's side of the funding line?

For every application: its rank under the mean, the median and the calibrated
score, whether it is funded under each (rank ≤ number of funded places), and
whether its side of the line changes when any single review is left out
(leave-one-review-out, "LOO"), whether that review is its own or another
application's.

Ranks are competition ranks: 1 + the number of applications with a strictly
higher score, so tied applications share a rank; scores are compared after
rounding to 9 decimals so that arithmetic noise does not break ties. An
application is funded under a score when its rank is at most the number of
places; tied applications straddling the line are all counted as funded and
flagged ``tied_at_line`` (the call's tie-break order decides, see
:mod:`reviews.scoring.tiebreak`). An application left without any review by a
leave-one-out has no score and is below the line.

Leaving one review out changes:

- mean and median: only the score of that review's application, so every
  leave-one-out is computed in closed form and the crossing test only looks at
  that application and at the applications ranked exactly at the line (n, n+1).
- calibrated score, **exact** when the call has at most ``exact_limit_reviewers``
  reviewers (default 4,000): every refit without one review, by the leverage identity
  (:mod:`reviews.scoring.loo`), equals refitting without the review (leniencies of every
  reviewer may move, so any application may cross). A 10,000-application call with
  3,000 reviewers and 40,000 reviews takes a few seconds. The shrinkage (ridge) is held
  at its estimate from all reviews.
- calibrated score, **approximate** above that size (the dense inverse of the
  reviewers' block would need more than 128 MB): the leniencies are kept fixed and only
  the application of the left-out review is re-estimated; the report's
  ``calibration_mode`` says so and the page marks it.
- When calibration is not supported by the data, the calibrated score is left
  out of the analysis (``calibration_mode == "unavailable"``).

An application is **fragile** when it crosses the line under some
leave-one-out, when its side differs between the scores, or when it is tied
at the line.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

from .calibration import CalibrationResult, CalibrationThresholds, calibrate
from .loo import exact_flips, loo_matrix
from .stats import summarise_groups

MEAN, MEDIAN, CALIBRATED = "mean", "median", "calibrated"
EXACT_LIMIT_REVIEWERS = 4000
DECIMALS = 9
_BLOCK = 4_000_000  # cells per boolean block when testing many reviews at once


class Fragility:
    SIDES_DIFFER = "sides_differ"
    LOO_MEAN = "loo_mean"
    LOO_MEDIAN = "loo_median"
    LOO_CALIBRATED = "loo_calibrated"
    TIED_AT_LINE = "tied_at_line"


FRAGILITY_LABELS = {
    Fragility.SIDES_DIFFER: _("Funded under one score and not under another"),
    Fragility.LOO_MEAN: _("Crosses the funding line (mean) when one review is left out"),
    Fragility.LOO_MEDIAN: _("Crosses the funding line (median) when one review is left out"),
    Fragility.LOO_CALIBRATED: _(
        "Crosses the funding line (calibrated score) when one review is left out"
    ),
    Fragility.TIED_AT_LINE: _("Tied with another application at the funding line"),
}
_LOO_REASON = {MEAN: Fragility.LOO_MEAN, MEDIAN: Fragility.LOO_MEDIAN}
_LOO_REASON[CALIBRATED] = Fragility.LOO_CALIBRATED


@dataclass(frozen=True)
class Crossing:
    """Leaving out ``reviewer_id``'s review of ``review_application_id`` moves the
    application across the line under ``metric``."""

    metric: str
    review_application_id: Hashable
    reviewer_id: Hashable
    own_review: bool


@dataclass(frozen=True)
class ApplicationRobustness:
    application_id: Hashable
    n_reviews: int
    scores: dict[str, float | None]
    ranks: dict[str, int | None]
    funded: dict[str, bool]
    tied_at_line: dict[str, bool]
    crossing_counts: dict[str, int]
    crossings: tuple[Crossing, ...]  # examples, own reviews first, at most max_examples
    fragile: bool
    reasons: tuple[str, ...]

    @property
    def reason_labels(self) -> list:
        return [FRAGILITY_LABELS[code] for code in self.reasons]


@dataclass(frozen=True)
class RobustnessReport:
    funded_places: int
    metrics: tuple[str, ...]
    calibration_mode: str  # "exact", "approximate" or "unavailable"
    calibration: CalibrationResult
    applications: tuple[ApplicationRobustness, ...]  # by rank under the mean

    def by_application(self) -> dict[Hashable, ApplicationRobustness]:
        return {row.application_id: row for row in self.applications}

    @property
    def fragile(self) -> list[ApplicationRobustness]:
        return [row for row in self.applications if row.fragile]


def ranks(scores: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = best); NaN scores get rank 0 (unranked)."""
    rounded = np.round(scores, DECIMALS)
    valid = ~np.isnan(rounded)
    ordered = np.sort(rounded[valid])
    result = np.zeros(len(scores), dtype=np.int64)
    result[valid] = 1 + len(ordered) - np.searchsorted(ordered, rounded[valid], side="right")
    return result


def funded_mask(rank: np.ndarray, places: int) -> np.ndarray:
    return (rank >= 1) & (rank <= places)


def tied_at_line(scores: np.ndarray, rank: np.ndarray, places: int) -> np.ndarray:
    rounded = np.round(scores, DECIMALS)
    _, inverse, counts = np.unique(rounded, return_inverse=True, return_counts=True)
    size = counts[inverse.ravel()]
    return (rank >= 1) & (rank <= places) & (rank + size - 1 > places) & (size > 1)


def single_change_flips(
    scores: np.ndarray, review_app: np.ndarray, new_scores: np.ndarray, places: int
) -> tuple[np.ndarray, np.ndarray]:
    """(review index, application index) pairs whose funded side flips when review j,
    which only changes application ``review_app[j]`` to ``new_scores[j]``, is left out."""
    rounded = np.round(scores, DECIMALS)
    valid = ~np.isnan(rounded)
    current = np.where(valid, rounded, -np.inf)
    new = np.round(new_scores, DECIMALS)
    new = np.where(np.isnan(new), -np.inf, new)
    ordered = np.sort(current)
    rank = ranks(scores)
    funded = funded_mask(rank, places)

    old = current[review_app]
    higher = len(ordered) - np.searchsorted(ordered, new, side="right")
    new_rank = 1 + higher - (old > new)
    self_flip = ((new_rank <= places) & np.isfinite(new)) != funded[review_app]
    reviews = [np.flatnonzero(self_flip)]
    apps = [review_app[self_flip]]

    candidates = np.flatnonzero(valid & ((rank == places) | (rank == places + 1)))
    if len(candidates):
        step = max(1, _BLOCK // len(candidates))
        for start in range(0, len(review_app), step):
            block = slice(start, start + step)
            moved = (new[block, None] > current[candidates]).astype(np.int64) - (
                old[block, None] > current[candidates]
            )
            flips = ((rank[candidates] + moved) <= places) != funded[candidates]
            flips &= candidates[None, :] != review_app[block, None]
            rows, cols = np.nonzero(flips)
            reviews.append(rows + start)
            apps.append(candidates[cols])
    return np.concatenate(reviews), np.concatenate(apps)


def full_change_flips(
    scores: np.ndarray, matrix: np.ndarray, places: int
) -> tuple[np.ndarray, np.ndarray]:
    """Flips when review j replaces every score by row j of ``matrix`` (NaN = unscored)."""
    funded = funded_mask(ranks(scores), places)
    rows = np.where(np.isnan(matrix), -np.inf, np.round(matrix, DECIMALS))
    if places <= 0:
        new_funded = np.zeros_like(rows, dtype=bool)
    elif places >= rows.shape[1]:
        new_funded = np.isfinite(rows)
    else:
        line = -np.partition(-rows, places - 1, axis=1)[:, places - 1]
        new_funded = (rows >= line[:, None]) & np.isfinite(rows)
    return np.nonzero(new_funded != funded[None, :])


def loo_mean(app: np.ndarray, values: np.ndarray, n_apps: int) -> np.ndarray:
    count = np.bincount(app, minlength=n_apps)[app]
    total = np.bincount(app, values, n_apps)[app]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 1, (total - values) / (count - 1), np.nan)


def loo_median(app: np.ndarray, values: np.ndarray, n_apps: int) -> np.ndarray:
    order = np.lexsort((values, app))
    ordered = values[order]
    count = np.bincount(app, minlength=n_apps)
    start = (np.cumsum(count) - count)[app]
    position = np.empty(len(values), dtype=np.int64)
    position[order] = np.arange(len(values))
    removed = position - start
    size = count[app] - 1  # values left

    def kept(index):  # index-th value of the group without the removed one
        index = np.clip(index, 0, None)
        return ordered[np.minimum(start + index + (index >= removed), len(values) - 1)]

    median = (kept((size - 1) // 2) + kept(size // 2)) / 2
    return np.where(size > 0, median, np.nan)


def loo_calibrated_approximate(calibration: CalibrationResult) -> np.ndarray:
    fit, app, w = calibration.fit, calibration.app_codes, calibration.weights
    corrected = calibration.scores - fit.leniency[calibration.reviewer_codes]
    n_apps = len(fit.quality)
    total = np.bincount(app, w * corrected, n_apps)[app]
    weight = fit.app_weight[app]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight - w > 1e-12, (total - w * corrected) / (weight - w), np.nan)


def loo_calibrated_exact(calibration: CalibrationResult) -> np.ndarray:
    """Row j: every application's calibrated score refitted without review j."""
    return loo_matrix(calibration)


def analyse(
    *,
    application_ids: Sequence[Hashable],
    reviewer_ids: Sequence[Hashable],
    scores: Sequence,
    funded_places: int,
    confidences: Sequence[int | None] | None = None,
    calibration: CalibrationResult | None = None,
    thresholds: CalibrationThresholds = CalibrationThresholds(),  # noqa: B008
    exact_limit_reviewers: int = EXACT_LIMIT_REVIEWERS,
    max_examples: int = 10,
) -> RobustnessReport:
    """Ranks, sides of the line and leave-one-review-out crossings for every application.

    Reviews are parallel sequences as for :func:`reviews.scoring.calibration.calibrate`;
    pass ``calibration`` when it was already computed on the same reviews.
    """
    if funded_places < 0:
        raise ValueError("the number of funded places cannot be negative")
    if calibration is None:
        calibration = calibrate(
            application_ids=application_ids,
            reviewer_ids=reviewer_ids,
            scores=scores,
            confidences=confidences,
            thresholds=thresholds,
        )
    app, values = calibration.app_codes, calibration.scores
    n_apps = len(calibration.application_ids)
    summary = summarise_groups(app, values, n_apps)
    current = {MEAN: summary.mean, MEDIAN: summary.median}
    loo = {MEAN: loo_mean(app, values, n_apps), MEDIAN: loo_median(app, values, n_apps)}
    mode = "unavailable"
    if calibration.supported:
        current[CALIBRATED] = calibration.calibrated
        if len(calibration.reviewer_ids) <= exact_limit_reviewers:
            mode = "exact"
        else:
            mode = "approximate"
            loo[CALIBRATED] = loo_calibrated_approximate(calibration)

    metrics = tuple(current)
    crossings = _crossings(calibration, metrics, current, loo, mode, funded_places)
    rows_out = _application_rows(calibration, current, crossings, funded_places, max_examples)
    return RobustnessReport(
        funded_places=funded_places,
        metrics=metrics,
        calibration_mode=mode,
        calibration=calibration,
        applications=tuple(rows_out),
    )


def _application_rows(
    calibration, current: dict, crossings: tuple, funded_places: int, max_examples: int
) -> tuple[ApplicationRobustness, ...]:
    """One row per application, best mean first (unranked last): its rank and side of the
    line by each metric, its leave-one-out crossings and why its place is fragile."""
    n_apps = len(calibration.application_ids)
    count = np.bincount(calibration.app_codes, minlength=n_apps)
    flips, own, bounds = crossings
    metrics = tuple(current)
    rank = {m: ranks(current[m]) for m in metrics}
    funded = {m: funded_mask(rank[m], funded_places) for m in metrics}
    tied = {m: tied_at_line(current[m], rank[m], funded_places) for m in metrics}
    rows_out = []
    for a in np.argsort(np.where(rank[MEAN] > 0, rank[MEAN], n_apps + 1), kind="stable"):
        found = slice(bounds[a], bounds[a + 1])
        metric_of = flips[2, found]
        counts = {m: int(np.sum(metric_of == i)) for i, m in enumerate(metrics)}
        examples = _examples(calibration, metrics, flips[:, found], own[found], max_examples)
        sides = {bool(funded[m][a]) for m in metrics}
        reasons = [Fragility.SIDES_DIFFER] if len(sides) > 1 else []
        reasons += [_LOO_REASON[m] for m in metrics if counts[m]]
        if any(tied[m][a] for m in metrics):
            reasons.append(Fragility.TIED_AT_LINE)
        rows_out.append(
            ApplicationRobustness(
                application_id=calibration.application_ids[a].item(),
                n_reviews=int(count[a]),
                scores={m: _number(current[m][a]) for m in metrics},
                ranks={m: int(rank[m][a]) or None for m in metrics},
                funded={m: bool(funded[m][a]) for m in metrics},
                tied_at_line={m: bool(tied[m][a]) for m in metrics},
                crossing_counts=counts,
                crossings=examples,
                fragile=bool(reasons),
                reasons=tuple(reasons),
            )
        )
    return tuple(rows_out)


def _crossings(calibration, metrics, current, loo, mode, funded_places):
    """Every (application, review left out, metric) that crosses the line, as the columns
    of ``flips``, grouped by application (``bounds``), its own reviews first (``own``)."""
    app = calibration.app_codes
    pairs = []
    for index, metric in enumerate(metrics):
        if metric == CALIBRATED and mode == "exact":
            rows, cols = exact_flips(calibration, funded_places)
        else:
            rows, cols = single_change_flips(current[metric], app, loo[metric], funded_places)
        pairs.append(np.stack([cols, rows, np.full(len(rows), index)]))
    flips = np.concatenate(pairs, axis=1) if pairs else np.zeros((3, 0), dtype=np.int64)
    own = app[flips[1]] == flips[0]
    order = np.lexsort((flips[1], flips[2], ~own, flips[0]))
    flips, own = flips[:, order], own[order]
    bounds = np.searchsorted(flips[0], np.arange(len(calibration.application_ids) + 1))
    return flips, own, bounds


def _examples(calibration, metrics, flips, own, limit: int) -> tuple[Crossing, ...]:
    """The first ``limit`` crossings of one application (``flips`` its columns)."""
    return tuple(
        Crossing(
            metric=metrics[m],
            review_application_id=calibration.application_ids[calibration.app_codes[j]].item(),
            reviewer_id=calibration.reviewer_ids[calibration.reviewer_codes[j]].item(),
            own_review=bool(o),
        )
        for j, m, o in zip(flips[1][:limit], flips[2][:limit], own[:limit], strict=True)
    )


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value
