"""Summary figures of the reviews of each application, for one or many applications.

Everything here works on "long" arrays, one entry per review: the code of the
application it belongs to (0 … n-1, see :func:`encode`) and a value (the
review's weighted total, or one criterion's score). One call summarises every
application of a call at once with numpy, so a scoreboard needs one query for
the reviews and no query per row. :func:`summarise` is the one-application
convenience built on the same code.

Conventions:

- A missing value (``None`` / NaN: a review with every criterion N/A, or one
  criterion marked N/A) is left out; ``count`` counts what remains.
- ``mean`` is the plain mean of the values; ``weighted_mean`` weights each
  review by its reviewer's declared confidence (:func:`confidence_weights`),
  and equals ``mean`` when no confidence is given.
- ``median`` is the middle value, or the mean of the two middle values.
- ``sd`` is the sample standard deviation (n − 1); NaN with fewer than two
  values. ``spread`` is max − min.
- ``disagreement`` is True when, with at least two values, the spread or the
  standard deviation is above a fraction of the scale's width (defaults:
  spread above 30 % of the scale, 3 points on 0–10; or SD above 20 %).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .weighted import OUT_OF, CriterionSpec

# Declared confidence (1 = low … 5 = expert) → weight of the review. A linear
# ramp around 1.0 for the middle answer: an expert counts three times a
# reviewer who says they are out of their field, never zero. Unknown → 1.0.
CONFIDENCE_WEIGHTS = {1: 0.5, 2: 0.75, 3: 1.0, 4: 1.25, 5: 1.5}
DEFAULT_CONFIDENCE_WEIGHT = 1.0


def confidence_weights(confidences: Sequence[int | None] | None, size: int) -> np.ndarray:
    """Weights for ``size`` reviews from their declared confidences (None → 1.0)."""
    if confidences is None:
        return np.full(size, DEFAULT_CONFIDENCE_WEIGHT)
    if len(confidences) != size:
        raise ValueError("one confidence per review is needed")
    weights = np.empty(size)
    for index, confidence in enumerate(confidences):
        if confidence is None:
            weights[index] = DEFAULT_CONFIDENCE_WEIGHT
        elif int(confidence) in CONFIDENCE_WEIGHTS:
            weights[index] = CONFIDENCE_WEIGHTS[int(confidence)]
        else:
            raise ValueError(f"confidence must be 1 to 5, not {confidence!r}")
    return weights


def as_float_array(values: Sequence) -> np.ndarray:
    """Decimals, ints, floats and None (→ NaN) as a float array."""
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def encode(keys: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0 … n-1 for ``keys`` and the sorted distinct keys they stand for."""
    uniques, codes = np.unique(np.asarray(keys), return_inverse=True)
    return codes.astype(np.intp), uniques


@dataclass(frozen=True)
class DisagreementThresholds:
    """Fractions of the scale's width above which reviewers are "far apart"."""

    spread_fraction: float = 0.3
    sd_fraction: float = 0.2


@dataclass(frozen=True)
class GroupSummary:
    """Figures for n groups (applications), each an array of length n."""

    count: np.ndarray
    mean: np.ndarray
    weighted_mean: np.ndarray
    median: np.ndarray
    sd: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    spread: np.ndarray
    disagreement: np.ndarray


def summarise_groups(
    codes: np.ndarray,
    values: np.ndarray,
    n_groups: int,
    *,
    weights: np.ndarray | None = None,
    scale_width: float = float(OUT_OF),
    thresholds: DisagreementThresholds = DisagreementThresholds(),  # noqa: B008
) -> GroupSummary:
    """Count, means, median, spread and disagreement per group, in one vectorised pass."""
    codes = np.asarray(codes, dtype=np.intp)
    values = np.asarray(values, dtype=float)
    weights = np.ones_like(values) if weights is None else np.asarray(weights, dtype=float)
    if not codes.shape == values.shape == weights.shape:
        raise ValueError("codes, values and weights must have the same length")
    keep = ~np.isnan(values)
    codes, values, weights = codes[keep], values[keep], weights[keep]

    count = np.bincount(codes, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(codes, values, n_groups) / count
        weighted_mean = np.bincount(codes, values * weights, n_groups) / np.bincount(
            codes, weights, n_groups
        )
        squares = np.bincount(codes, (values - mean[codes]) ** 2, n_groups)
        sd = np.where(count >= 2, np.sqrt(squares / (count - 1)), np.nan)

    order = np.lexsort((values, codes))
    ordered = values[order]
    starts = np.cumsum(count) - count
    present = count > 0
    median = np.full(n_groups, np.nan)
    minimum = np.full(n_groups, np.nan)
    maximum = np.full(n_groups, np.nan)
    s, c = starts[present], count[present]
    median[present] = (ordered[s + (c - 1) // 2] + ordered[s + c // 2]) / 2
    minimum[present] = ordered[s]
    maximum[present] = ordered[s + c - 1]
    spread = maximum - minimum
    with np.errstate(invalid="ignore"):
        disagreement = (count >= 2) & (
            (spread > thresholds.spread_fraction * scale_width)
            | (sd > thresholds.sd_fraction * scale_width)
        )
    return GroupSummary(
        count=count,
        mean=mean,
        weighted_mean=weighted_mean,
        median=median,
        sd=sd,
        minimum=minimum,
        maximum=maximum,
        spread=spread,
        disagreement=disagreement,
    )


def summarise_criteria(
    codes: np.ndarray,
    matrix: np.ndarray,
    n_groups: int,
    criteria: Sequence[CriterionSpec],
    *,
    weights: np.ndarray | None = None,
    thresholds: DisagreementThresholds = DisagreementThresholds(),  # noqa: B008
) -> dict[Hashable, GroupSummary]:
    """Per-criterion figures: ``matrix`` has one row per review, one column per criterion
    (in the order of ``criteria``), NaN for N/A. Each criterion is read on its own scale."""
    matrix = np.asarray(matrix, dtype=float).reshape(len(codes), len(criteria))
    return {
        criterion.id: summarise_groups(
            codes,
            matrix[:, column],
            n_groups,
            weights=weights,
            scale_width=float(criterion.width),
            thresholds=thresholds,
        )
        for column, criterion in enumerate(criteria)
    }


def _scalar(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


@dataclass(frozen=True)
class FigureSet:
    """The figures of one application (overall, or for one criterion)."""

    count: int
    mean: float | None
    weighted_mean: float | None
    median: float | None
    sd: float | None
    minimum: float | None
    maximum: float | None
    spread: float | None
    disagreement: bool

    @classmethod
    def from_group(cls, summary: GroupSummary, index: int) -> FigureSet:
        return cls(
            count=int(summary.count[index]),
            mean=_scalar(summary.mean[index]),
            weighted_mean=_scalar(summary.weighted_mean[index]),
            median=_scalar(summary.median[index]),
            sd=_scalar(summary.sd[index]),
            minimum=_scalar(summary.minimum[index]),
            maximum=_scalar(summary.maximum[index]),
            spread=_scalar(summary.spread[index]),
            disagreement=bool(summary.disagreement[index]),
        )


@dataclass(frozen=True)
class ApplicationStats:
    overall: FigureSet
    criteria: dict[Hashable, FigureSet] = field(default_factory=dict)


def summarise(
    totals: Sequence,
    *,
    confidences: Sequence[int | None] | None = None,
    criterion_scores: Sequence[Mapping[Hashable, object]] | None = None,
    criteria: Sequence[CriterionSpec] = (),
    thresholds: DisagreementThresholds = DisagreementThresholds(),  # noqa: B008
) -> ApplicationStats:
    """Figures for one application from its reviews' totals (and per-criterion scores).

    ``criterion_scores`` holds, per review in the order of ``totals``, a mapping
    criterion id → score or None (N/A).
    """
    values = as_float_array(totals)
    codes = np.zeros(len(values), dtype=np.intp)
    weights = confidence_weights(confidences, len(values))
    overall = summarise_groups(codes, values, 1, weights=weights, thresholds=thresholds)
    per_criterion: dict[Hashable, FigureSet] = {}
    if criterion_scores is not None and criteria:
        if len(criterion_scores) != len(values):
            raise ValueError("one mapping of criterion scores per review is needed")
        matrix = np.array(
            [as_float_array([row.get(c.id) for c in criteria]) for row in criterion_scores]
        )
        groups = summarise_criteria(
            codes, matrix, 1, criteria, weights=weights, thresholds=thresholds
        )
        per_criterion = {key: FigureSet.from_group(group, 0) for key, group in groups.items()}
    return ApplicationStats(overall=FigureSet.from_group(overall, 0), criteria=per_criterion)
