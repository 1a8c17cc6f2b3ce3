"""Calibrated scores: correcting each reviewer's leniency or severity.

Model (additive reviewer bias)::

    score[r, a] = quality[a] + leniency[r] + noise

fitted by weighted least squares with a ridge penalty on the leniencies::

    minimise  Σ_reviews w · (score − quality[a] − leniency[r])²  +  ridge · Σ_r leniency[r]²

- ``w`` comes from the reviewer's declared confidence (see
  :data:`reviews.scoring.stats.CONFIDENCE_WEIGHTS`: 1 → 0.5 … 3 → 1.0 … 5 → 1.5).
- The ridge is the ratio of the noise variance to the variance of the leniencies,
  **estimated from the reviews** (restricted maximum likelihood, or moments for very
  large calls: :mod:`reviews.scoring.variance`): the leniencies are shrunk hard when
  reviewers barely differ or each reads few applications, hardly at all when they
  differ much and read many. This is the best linear unbiased predictor of the mixed
  model with random leniencies (MacKay et al. 2017). With 3–5 reviews per expert it
  recovers quality far better than a tiny ridge, at the price of absorbing only part
  of a constant that one expert adds to all their scores (docs/calibration.md gives
  the figures). ``calibrate(ridge=…)`` fixes the ridge instead.
- Whatever the ridge, the leniencies average zero within each connected group of
  reviewers (the penalty picks that solution among those fitting equally well), so
  the calibrated score of an application is "what a reviewer of average leniency
  would have given", on the same 0–10 scale as the raw totals.

Solving: the normal equations are reduced to the reviewers' block (the Schur
complement, one row per reviewer, sparse). Up to
:data:`~reviews.scoring.variance.EIGEN_LIMIT` reviewers it is diagonalised once, which
gives the REML estimate, the solution and the **exact** standard errors
(σ² × the diagonal of the inverse of the whole system: Dₐ⁻¹ + M S⁻¹ Mᵀ for qualities,
S⁻¹ for leniencies). Above, it is solved by conjugate gradients with a Jacobi
preconditioner and the standard errors leave out the covariance between leniency
estimates (``diagnostics.exact_errors`` is then False). 40,000 reviews × 10,000
applications × 3,000 reviewers take well under a second.

When the data cannot support a calibration, :class:`Diagnostics` says so and why
(``supported`` is False, ``reasons`` hold a code and a translatable message) and the
calibrated scores, standard errors and leniencies are NaN: show raw figures only.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import cg
from threadpoolctl import threadpool_limits

from .diagnostics import CalibrationThresholds, Diagnostics, Reason, ReasonCode, diagnose
from .links import WeakLink, find_weak_links
from .stats import as_float_array, confidence_weights, encode
from .variance import (
    EIGEN_LIMIT,
    FIXED,
    MIN_RIDGE,
    Spectrum,
    VarianceEstimate,
    moments,
    reml,
    spectrum,
)

DENSE_LIMIT = 400  # reviewers; below this the reviewer block is solved densely
CG_TOLERANCE = 1e-10

__all__ = [
    "CalibrationResult",
    "CalibrationThresholds",
    "Diagnostics",
    "Fit",
    "Reason",
    "ReasonCode",
    "VarianceEstimate",
    "WeakLink",
    "calibrate",
    "fit_additive_model",
]


@dataclass(frozen=True)
class Fit:
    """The solved model on encoded data (codes 0 … n-1)."""

    quality: np.ndarray
    leniency: np.ndarray
    app_weight: np.ndarray  # Wₐ: total review weight per application
    coupling: sp.csr_matrix  # B[a, r]: review weight of reviewer r on application a
    schur: sp.csr_matrix  # S = diag(W_r) + ridge − Bᵀ diag(1/Wₐ) B
    ridge: float


@dataclass(frozen=True)
class _System:
    """The normal equations with qualities eliminated (no ridge yet)."""

    app_weight: np.ndarray
    coupling: sp.csr_matrix
    scaled: sp.csr_matrix  # M = Dₐ⁻¹ B
    schur: sp.csr_matrix  # S₀ = diag(W_r) − Bᵀ Dₐ⁻¹ B
    app_rhs: np.ndarray
    rhs: np.ndarray  # r = reviewers' right-hand side − Mᵀ (applications' right-hand side)


def _system(app_codes, reviewer_codes, scores, weights, n_applications, n_reviewers) -> _System:
    app_weight = np.bincount(app_codes, weights, n_applications)
    if np.any(app_weight <= 0):
        raise ValueError("every application needs at least one review with positive weight")
    reviewer_weight = np.bincount(reviewer_codes, weights, n_reviewers)
    coupling = sp.csr_matrix(
        (weights, (app_codes, reviewer_codes)), shape=(n_applications, n_reviewers)
    )
    app_rhs = np.bincount(app_codes, weights * scores, n_applications)
    reviewer_rhs = np.bincount(reviewer_codes, weights * scores, n_reviewers)
    scaled = (sp.diags(1.0 / app_weight) @ coupling).tocsr()
    schur = (sp.diags(reviewer_weight) - coupling.T @ scaled).tocsr()
    return _System(app_weight, coupling, scaled, schur, app_rhs, reviewer_rhs - scaled.T @ app_rhs)


def _fit(system: _System, ridge: float, leniency: np.ndarray | None = None) -> Fit:
    schur = (system.schur + sp.identity(system.schur.shape[0]) * ridge).tocsr()
    if leniency is None:
        leniency = _solve_spd(schur, system.rhs)
    quality = (system.app_rhs - system.coupling @ leniency) / system.app_weight
    return Fit(
        quality=quality,
        leniency=leniency,
        app_weight=system.app_weight,
        coupling=system.coupling,
        schur=schur,
        ridge=ridge,
    )


def fit_additive_model(
    app_codes: np.ndarray,
    reviewer_codes: np.ndarray,
    scores: np.ndarray,
    weights: np.ndarray,
    n_applications: int,
    n_reviewers: int,
    *,
    ridge: float,
) -> Fit:
    """Solve the ridge-weighted least squares problem; every application needs a review."""
    if ridge <= 0:
        raise ValueError("the ridge must be positive")
    system = _system(app_codes, reviewer_codes, scores, weights, n_applications, n_reviewers)
    return _fit(system, ridge)


def _solve_spd(matrix: sp.csr_matrix, rhs: np.ndarray) -> np.ndarray:
    if matrix.shape[0] <= DENSE_LIMIT:
        return np.linalg.solve(matrix.toarray(), rhs)
    preconditioner = sp.diags(1.0 / matrix.diagonal())
    solution, info = cg(matrix, rhs, rtol=CG_TOLERANCE, atol=0.0, M=preconditioner, maxiter=5000)
    if info != 0:  # pragma: no cover - the reviewer block is well conditioned
        raise RuntimeError(f"calibration did not converge (cg info {info})")
    return solution


@dataclass(frozen=True)
class CalibrationResult:
    """Per-application calibrated scores and per-reviewer leniencies, with diagnostics.

    Arrays are aligned with ``application_ids`` / ``reviewer_ids`` (sorted ids).
    The encoded inputs (``app_codes``, ``reviewer_codes``, ``scores``, ``weights``)
    and the solved ``fit`` are kept for the robustness analysis.
    """

    application_ids: np.ndarray
    reviewer_ids: np.ndarray
    raw_mean: np.ndarray
    calibrated: np.ndarray
    standard_error: np.ndarray
    leniency: np.ndarray
    leniency_se: np.ndarray
    reviews_per_reviewer: np.ndarray
    residual_sd: float | None
    diagnostics: Diagnostics
    app_codes: np.ndarray
    reviewer_codes: np.ndarray
    scores: np.ndarray
    weights: np.ndarray
    fit: Fit | None

    @property
    def supported(self) -> bool:
        return self.diagnostics.supported

    def calibrated_by_application(self) -> dict[Hashable, float | None]:
        return _as_dict(self.application_ids, self.calibrated)

    def leniency_by_reviewer(self) -> dict[Hashable, float | None]:
        return _as_dict(self.reviewer_ids, self.leniency)


def _as_dict(keys: np.ndarray, values: np.ndarray) -> dict[Hashable, float | None]:
    return {
        key: (None if np.isnan(value) else float(value))
        for key, value in zip(keys.tolist(), values.tolist(), strict=True)
    }


def _counted_reviews(application_ids, reviewer_ids, scores, confidences) -> tuple:
    """The reviews with a total: their scores and confidence weights, and the codes of
    their applications and reviewers with the ids the codes stand for."""
    values = as_float_array(scores)
    weights = confidence_weights(confidences, len(values))
    if not len(application_ids) == len(reviewer_ids) == len(values):
        raise ValueError("one application, reviewer and score per review are needed")
    keep = ~np.isnan(values)
    app_codes, app_ids = encode(np.asarray(application_ids)[keep])
    reviewer_codes, rev_ids = encode(np.asarray(reviewer_ids)[keep])
    return values[keep], weights[keep], app_codes, app_ids, reviewer_codes, rev_ids


def _uncalibrated(result: dict) -> CalibrationResult:
    """The raw figures alone, when the review graph cannot support a calibration."""
    nan_apps = np.full(len(result["application_ids"]), np.nan)
    nan_revs = np.full(len(result["reviewer_ids"]), np.nan)
    return CalibrationResult(
        calibrated=nan_apps,
        standard_error=nan_apps,
        leniency=nan_revs,
        leniency_se=nan_revs,
        residual_sd=None,
        fit=None,
        **result,
    )


def calibrate(
    *,
    application_ids: Sequence[Hashable],
    reviewer_ids: Sequence[Hashable],
    scores: Sequence,
    confidences: Sequence[int | None] | None = None,
    ridge: float | None = None,
    thresholds: CalibrationThresholds = CalibrationThresholds(),  # noqa: B008
) -> CalibrationResult:
    """Fit the leniency model on reviews given as parallel sequences.

    One entry per review: its application, its reviewer, its weighted total
    (Decimal, float or None; reviews without a total are left out) and the
    reviewer's declared confidence (1–5 or None). Ids must be of one sortable
    type (all ints or all strings).
    """
    values, weights, app_codes, app_ids, reviewer_codes, rev_ids = _counted_reviews(
        application_ids, reviewer_ids, scores, confidences
    )
    n_apps, n_revs = len(app_ids), len(rev_ids)

    reviews_per_reviewer = np.bincount(reviewer_codes, minlength=n_revs)
    diagnostics = _diagnose_graph(
        app_codes, reviewer_codes, app_ids, rev_ids, reviews_per_reviewer, thresholds
    )
    with np.errstate(invalid="ignore"):
        raw_mean = np.bincount(app_codes, values, n_apps) / np.bincount(app_codes, None, n_apps)
    result = {
        "application_ids": app_ids,
        "reviewer_ids": rev_ids,
        "raw_mean": raw_mean,
        "reviews_per_reviewer": reviews_per_reviewer,
        "diagnostics": diagnostics,
        "app_codes": app_codes,
        "reviewer_codes": reviewer_codes,
        "scores": values,
        "weights": weights,
    }
    if not diagnostics.supported:
        return _uncalibrated(result)

    # One BLAS thread: these matrices are small, and threads fight over a busy server's cores.
    with threadpool_limits(limits=1, user_api="blas"):
        fit, residual_sd, standard_error, leniency_se, diagnostics = _fit_with_errors(
            app_codes, reviewer_codes, values, weights, diagnostics, ridge
        )
    result["diagnostics"] = diagnostics
    return CalibrationResult(
        calibrated=fit.quality,
        standard_error=standard_error,
        leniency=fit.leniency,
        leniency_se=leniency_se,
        residual_sd=residual_sd,
        fit=fit,
        **result,
    )


def _diagnose_graph(
    app_codes, reviewer_codes, app_ids, rev_ids, reviews_per_reviewer, thresholds
) -> Diagnostics:
    """Whether the review graph (applications and reviewers joined by reviews) and the
    reviewers' loads support calibration."""
    n_apps, n_revs = len(app_ids), len(rev_ids)
    adjacency = sp.csr_matrix(
        (np.ones(len(app_codes)), (app_codes, reviewer_codes + n_apps)),
        shape=(n_apps + n_revs, n_apps + n_revs),
    )
    n_components, labels = connected_components(adjacency, directed=False)
    return diagnose(
        app_ids=app_ids,
        reviewer_ids=rev_ids,
        reviews_per_reviewer=reviews_per_reviewer,
        n_components=n_components,
        app_labels=labels[:n_apps],
        reviewer_labels=labels[n_apps:],
        thresholds=thresholds,
        weak_links=find_weak_links(app_codes, reviewer_codes, app_ids, rev_ids),
    )


def _fit_with_errors(app_codes, reviewer_codes, values, weights, diagnostics, ridge):
    """The fit (estimated or given ridge), the noise sd and the standard errors."""
    n_apps, n_revs = diagnostics.n_applications, diagnostics.n_reviewers
    n_components = diagnostics.n_components
    system = _system(app_codes, reviewer_codes, values, weights, n_apps, n_revs)
    spec = spectrum(system.schur, system.rhs) if n_revs <= EIGEN_LIMIT else None
    if ridge is not None:
        if ridge <= 0:
            raise ValueError("the ridge must be positive")
        variance = None
        fit = _fit(system, ridge, None if spec is None else spec.solve(ridge))
    else:
        variance, fit = _estimate_and_fit(system, spec, values, weights, n_components)
    residuals = values - fit.quality[app_codes] - fit.leniency[reviewer_codes]
    dof = len(values) - n_apps - n_revs + n_components
    if variance is not None and variance.noise_sd is not None:
        residual_sd = variance.noise_sd
    else:
        residual_sd = float(np.sqrt(np.sum(weights * residuals**2) / dof)) if dof > 0 else None
    if variance is None:
        variance = VarianceEstimate(FIXED, None, residual_sd, fit.ridge)
    diagnostics = replace(diagnostics, variance=variance, exact_errors=spec is not None)
    if residual_sd is None:
        standard_error = np.full(n_apps, np.nan)
        leniency_se = np.full(n_revs, np.nan)
    elif spec is not None:  # exact: the diagonal of the inverse of the whole system
        inverse = spec.vectors @ (spec.vectors * spec.inverse_values(fit.ridge)).T
        spread = np.asarray(system.scaled @ inverse)
        standard_error = residual_sd * np.sqrt(
            1.0 / fit.app_weight + np.asarray(system.scaled.multiply(spread).sum(axis=1)).ravel()
        )
        leniency_se = residual_sd * np.sqrt(np.diag(inverse))
    else:  # large calls: the covariance between leniency estimates is left out
        inverse_diagonal = 1.0 / fit.schur.diagonal()
        standard_error = residual_sd * np.sqrt(
            1.0 / fit.app_weight + system.scaled.multiply(system.scaled) @ inverse_diagonal
        )
        leniency_se = residual_sd * np.sqrt(inverse_diagonal)
    return fit, residual_sd, standard_error, leniency_se, diagnostics


def _estimate_and_fit(
    system: _System,
    spec: Spectrum | None,
    values: np.ndarray,
    weights: np.ndarray,
    n_components: int,
) -> tuple[VarianceEstimate, Fit]:
    """Estimate the leniency and noise variances, then fit with their ratio as the ridge."""
    remaining = float(np.sum(weights * values**2) - np.sum(system.app_rhs**2 / system.app_weight))
    n_apps = len(system.app_weight)
    if spec is not None:
        variance = reml(spec, remaining_ss=remaining, dof=len(values) - n_apps)
        return variance, _fit(system, variance.ridge, spec.solve(variance.ridge))
    unshrunk = _fit(system, MIN_RIDGE)
    variance = moments(
        schur_without_ridge=system.schur,
        explained_ss=float(system.rhs @ unshrunk.leniency),
        remaining_ss=remaining,
        n_reviews=len(values),
        n_applications=n_apps,
        n_components=n_components,
    )
    return variance, _fit(system, variance.ridge)
