"""How much reviewers differ, estimated from the reviews: the shrinkage of the calibration.

The calibration model (:mod:`reviews.scoring.calibration`) is a linear mixed model::

    score[r, a] = quality[a] + leniency[r] + noise,
    leniency[r] ~ N(0, σ_l²),   noise ~ N(0, σ² / w)

with fixed qualities, random leniencies and ``w`` the weight of the reviewer's declared
confidence. Its best linear unbiased predictor is the ridge solution with
``ridge = σ² / σ_l²``: strong shrinkage when reviewers barely differ or each reads few
applications, almost none when leniencies are large and well measured. The variances
are estimated from the data, as MacKay et al. (2017, "Calibration with confidence: a
principled method for panel assessment") do for peer review:

- **Restricted maximum likelihood** (REML) when the call has at most
  :data:`EIGEN_LIMIT` reviewers. With ``S₀ = diag(W_r) − Bᵀ Dₐ⁻¹ B`` (the reviewers'
  block of the normal equations once qualities are eliminated) diagonalised once as
  ``V diag(μ) Vᵀ`` and ``c = Vᵀ r`` (``r`` the reviewers' right-hand side), the
  restricted log-likelihood with σ² profiled out is, up to a constant, for
  ``γ = σ_l² / σ²``::

      −2 ℓ(γ) = Σᵢ log(1 + γ μᵢ) + (n − p) · log(Q₀ − Σᵢ cᵢ² γ / (1 + γ μᵢ))

  (``n`` reviews, ``p`` applications, ``Q₀`` the weighted sum of squares left after the
  application means). It is minimised over ``log γ`` by a bounded scalar search; the
  boundary ``γ = 0`` (no leniency at all) is a candidate too.
- **Moments** (Henderson's method III) above that size, where one eigendecomposition
  would cost seconds and the data are rich enough for any sensible shrinkage: σ² from
  the residuals of the fit with fixed leniencies, σ_l² from the reduction in the sum of
  squares the leniencies bring, ``E[R(l | q)] = σ² rank(S₀) + σ_l² tr(S₀)``.

The ridge is kept between :data:`MIN_RIDGE` (anchoring only) and :data:`MAX_RIDGE`
(no correction at all).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from scipy.optimize import minimize_scalar

EIGEN_LIMIT = 1000  # reviewers; up to this the variances are REML estimates
MIN_RIDGE = 1e-3
MAX_RIDGE = 1e4
REML, MOMENTS, FIXED = "reml", "moments", "fixed"
NULL_TOLERANCE = 1e-9
METHOD_LABELS = {
    REML: _("restricted maximum likelihood"),
    MOMENTS: _("the method of moments"),
    FIXED: _("a fixed shrinkage"),
}


@dataclass(frozen=True)
class VarianceEstimate:
    """Estimated spread of leniencies and of noise (for a review of confidence weight 1)."""

    method: str  # REML, MOMENTS or FIXED (the ridge was given, not estimated)
    leniency_sd: float | None
    noise_sd: float | None
    ridge: float  # σ² / σ_l², clipped to [MIN_RIDGE, MAX_RIDGE]

    @property
    def estimated(self) -> bool:
        return self.method != FIXED

    @property
    def method_label(self) -> Promise:
        return METHOD_LABELS[self.method]


@dataclass(frozen=True)
class Spectrum:
    """``S₀ = V diag(μ) Vᵀ`` and ``c = Vᵀ r``: every ridge's solution in closed form."""

    values: np.ndarray
    vectors: np.ndarray
    projected_rhs: np.ndarray

    def solve(self, ridge: float) -> np.ndarray:
        return self.vectors @ (self.projected_rhs / (self.values + ridge))

    def inverse_values(self, ridge: float) -> np.ndarray:
        """1 / (μ + ridge), and 0 along the directions no review can measure (μ = 0: one
        per connected group, a constant moved between its qualities and leniencies):
        standard errors are those of scores relative to the group's average reviewer."""
        measured = self.values > NULL_TOLERANCE * max(float(self.values.max(initial=0)), 1.0)
        return np.where(measured, 1.0 / (self.values + ridge), 0.0)


def spectrum(schur_without_ridge: sp.csr_matrix, rhs: np.ndarray) -> Spectrum:
    values, vectors = np.linalg.eigh(schur_without_ridge.toarray())
    values = np.clip(values, 0.0, None)  # S₀ is positive semi-definite
    return Spectrum(values=values, vectors=vectors, projected_rhs=vectors.T @ rhs)


def reml(spec: Spectrum, *, remaining_ss: float, dof: int) -> VarianceEstimate:
    """REML estimate from the spectrum of S₀; ``remaining_ss`` is Q₀, ``dof`` is n − p."""
    mu, c2 = spec.values, spec.projected_rhs**2
    if dof <= 0 or remaining_ss <= 0:
        return VarianceEstimate(REML, None, None, MIN_RIDGE)

    def objective(log_gamma: float) -> float:
        gamma = np.exp(log_gamma)
        explained = np.sum(c2 * gamma / (1.0 + gamma * mu))
        left = max(remaining_ss - explained, 1e-300)
        return float(np.sum(np.log1p(gamma * mu)) + dof * np.log(left))

    low, high = np.log(1.0 / MAX_RIDGE), np.log(1.0 / MIN_RIDGE)
    found = minimize_scalar(objective, bounds=(low, high), method="bounded")
    gamma = float(np.exp(found.x))
    if objective(low) <= found.fun:  # the boundary: (almost) no leniency at all
        gamma = float(np.exp(low))
    noise_var = (remaining_ss - np.sum(c2 * gamma / (1.0 + gamma * mu))) / dof
    ridge = float(np.clip(1.0 / gamma, MIN_RIDGE, MAX_RIDGE))
    return VarianceEstimate(
        REML,
        leniency_sd=float(np.sqrt(max(noise_var, 0.0) / ridge)),
        noise_sd=float(np.sqrt(max(noise_var, 0.0))),
        ridge=ridge,
    )


def moments(
    *,
    schur_without_ridge: sp.csr_matrix,
    explained_ss: float,
    remaining_ss: float,
    n_reviews: int,
    n_applications: int,
    n_components: int,
) -> VarianceEstimate:
    """Henderson III: ``explained_ss`` = R(l | q) = rᵀ l̂ with (almost) no shrinkage."""
    rank = schur_without_ridge.shape[0] - n_components
    dof = n_reviews - n_applications - rank
    if dof <= 0 or rank <= 0:
        return VarianceEstimate(MOMENTS, None, None, MIN_RIDGE)
    noise_var = max((remaining_ss - explained_ss) / dof, 0.0)
    trace = float(schur_without_ridge.diagonal().sum())
    leniency_var = max((explained_ss - noise_var * rank) / trace, 0.0) if trace > 0 else 0.0
    ridge = MAX_RIDGE if leniency_var == 0 else noise_var / leniency_var
    ridge = float(np.clip(ridge, MIN_RIDGE, MAX_RIDGE))
    return VarianceEstimate(
        MOMENTS,
        leniency_sd=float(np.sqrt(leniency_var)),
        noise_sd=float(np.sqrt(noise_var)),
        ridge=ridge,
    )
