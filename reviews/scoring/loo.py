"""Exact leave-one-review-out for the calibrated score, fast enough for a 10,000-application
call: which applications cross the funding line when one review is left out.

Least squares allows every leave-one-out refit in closed form (the leverage identity, a
rank-one downdate of the normal equations ``A``): leaving out review ``j`` (application
``a``, reviewer ``r``, weight ``w``, residual ``e``) moves the solution by
``−A⁻¹xⱼ · w e / (1 − hⱼ)`` with ``hⱼ = w xⱼᵀA⁻¹xⱼ`` its leverage. With the qualities
eliminated (``M = Dₐ⁻¹B``, ``S`` the reviewers' block)::

    zⱼ = S⁻¹ (M[a]ᵀ − e_r)                     (reviewers' part, negated)
    uⱼ = M zⱼ + e_a / W_a                       (applications' part)
    hⱼ = w (uⱼ[a] − zⱼ[r]),   qualities⁽⁻ʲ⁾ = q − uⱼ · w e / (1 − hⱼ)

``S⁻¹`` is formed once (dense Cholesky inverse: about a second for 3,000 reviewers) and
``zⱼ`` costs one sparse product per review. Each application b ≠ a then moves by at
most ``Dⱼ = |w e / (1 − hⱼ)| · max|zⱼ|`` (the rows of ``M`` are averages), so only the
applications within ``2Dⱼ`` of the line can change side, and their new ranks are counted
exactly among themselves: those further away keep their side and their order relative
to the window (a short proof is in :func:`_window_flips`). Reviews are processed in
blocks of similar ``Dⱼ``, so the windows stay narrow. The result is the same as refitting
without each review, not an approximation (tests compare it with refits).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack
from threadpoolctl import threadpool_limits

DECIMALS = 9
BLOCK = 512  # reviews per block
SLACK = 1e-8  # beyond the rounding of scores to DECIMALS


def inverse_spd(matrix: sp.spmatrix) -> np.ndarray:
    """Dense inverse of a symmetric positive definite matrix (Cholesky, then its inverse)."""
    factor, info = lapack.dpotrf(matrix.toarray(), lower=1)
    if info != 0:  # pragma: no cover - the reviewers' block has a positive ridge
        raise np.linalg.LinAlgError(f"not positive definite (potrf info {info})")
    inverse, info = lapack.dpotri(factor, lower=1, overwrite_c=1)
    if info != 0:  # pragma: no cover
        raise np.linalg.LinAlgError(f"cannot invert (potri info {info})")
    lower = np.tril(inverse)
    symmetric = lower + lower.T
    symmetric[np.diag_indices_from(symmetric)] -= np.diag(lower)
    return symmetric


class Influence:
    """Every review's leave-one-out effect, computed block by block."""

    def __init__(self, calibration) -> None:
        fit = calibration.fit
        self.app, self.rev, self.w = (
            calibration.app_codes,
            calibration.reviewer_codes,
            calibration.weights,
        )
        self.quality, self.app_weight = fit.quality, fit.app_weight
        self.scaled = (sp.diags(1.0 / fit.app_weight) @ fit.coupling).tocsr()
        self.inverse = inverse_spd(fit.schur)
        self.residual = calibration.scores - fit.quality[self.app] - fit.leniency[self.rev]
        self.single = np.bincount(self.app, minlength=len(self.quality))[self.app] == 1

    def block(self, reviews: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Z, own, factor) for these reviews: Z[:, i] = zⱼ, own[i] = uⱼ[a], factor[i] =
        w e / (1 − hⱼ) (0 when the review is its application's only one)."""
        app, rev = self.app[reviews], self.rev[reviews]
        n_revs = self.inverse.shape[0]
        picks = sp.csr_matrix(
            (np.ones(len(reviews)), (np.arange(len(reviews)), rev)), shape=(len(reviews), n_revs)
        )
        directions = (self.scaled[app] - picks).tocsr()  # rows: M[a] − e_r
        z = np.asarray(directions @ self.inverse).T  # S⁻¹ is symmetric
        own = np.asarray(self.scaled[app].multiply(z.T).sum(axis=1)).ravel()
        own += 1.0 / self.app_weight[app]
        leverage = self.w[reviews] * (own - z[rev, np.arange(len(reviews))])
        single = self.single[reviews]
        safe = np.where(single, 1.0, 1.0 - leverage)
        factor = np.where(single, 0.0, self.w[reviews] * self.residual[reviews] / safe)
        return z, own, factor

    def cheap_bounds(self) -> np.ndarray:
        """An upper bound of Dⱼ for every review without forming zⱼ (to order the blocks):
        the leverage from the entries of S⁻¹ among the application's reviewers, and
        max|zⱼ| ≤ Σᵢ |vⱼ,ᵢ| · max |S⁻¹[:, i]|."""
        app, rev, w = self.app, self.rev, self.w
        share = w / self.app_weight[app]  # M[a, r] of each review
        order = np.argsort(app, kind="stable")
        count = np.bincount(app, minlength=len(self.quality))
        first = np.cumsum(count) - count
        per_review = count[app]
        owner = np.repeat(np.arange(len(app)), per_review)  # review j, once per partner
        offset = np.arange(len(owner)) - np.repeat(np.cumsum(per_review) - per_review, per_review)
        partner = order[first[app[owner]] + offset]  # a review of the same application
        # P_j = (M[a] S⁻¹)_r and Q_a = M[a] S⁻¹ M[a]ᵀ
        p = np.bincount(owner, share[partner] * self.inverse[rev[partner], rev[owner]], len(app))
        q = np.bincount(app, share * p, len(self.quality))[app]
        leverage = w * (1.0 / self.app_weight[app] + q - 2 * p + self.inverse[rev, rev])
        single = self.single
        factor = np.where(single, 0.0, w * self.residual / np.where(single, 1.0, 1.0 - leverage))
        column_max = np.abs(self.inverse).max(axis=0)
        spread = np.bincount(app, share * column_max[rev], len(self.quality))[app]
        return np.abs(factor) * (spread + (1.0 - 2.0 * share) * column_max[rev])

    def blocks(self, size: int = BLOCK) -> Iterator[tuple[np.ndarray, tuple]]:
        for start in range(0, len(self.app), size):
            reviews = np.arange(start, min(start + size, len(self.app)))
            yield reviews, self.block(reviews)


def loo_matrix(calibration) -> np.ndarray:
    """Row j: every application's calibrated score refitted without review j (n × apps;
    for tests and small calls: the crossing test below never builds it)."""
    with threadpool_limits(limits=1, user_api="blas"):
        influence = Influence(calibration)
        rows = []
        for reviews, (z, own, factor) in influence.blocks():
            u = np.asarray(influence.scaled @ z)
            app = influence.app[reviews]
            u[app, np.arange(len(reviews))] = own
            block = influence.quality[None, :] - u.T * factor[:, None]
            single = np.flatnonzero(influence.single[reviews])
            block[single, app[single]] = np.nan
            rows.append(block)
    return np.concatenate(rows) if rows else np.zeros((0, len(calibration.fit.quality)))


def exact_flips(calibration, places: int) -> tuple[np.ndarray, np.ndarray]:
    """(review index, application index) pairs whose side of the funding line (``places``
    funded, competition ranks) changes when the review is left out and the model refitted."""
    with threadpool_limits(limits=1, user_api="blas"):
        influence = Influence(calibration)
        scores = _rounded(influence.quality)
        n_apps = len(scores)
        valid = np.isfinite(scores)
        rank = 1 + n_apps - np.searchsorted(np.sort(scores), scores, side="right")
        funded = valid & (rank <= places)
        found_reviews, found_apps = [], []
        if places <= 0 or not len(influence.app):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        if places >= valid.sum():  # everyone scored is funded: only an unscored one drops
            reviews = np.flatnonzero(influence.single & funded[influence.app])
            return reviews, influence.app[reviews]
        # Reviews in blocks of similar influence, so that each block's window stays narrow.
        bound = influence.cheap_bounds()
        by_bound = np.argsort(bound, kind="stable")
        descending = np.sort(scores[valid])[::-1]
        high, low = descending[places - 1], descending[places]  # k-th and (k+1)-th scores
        order = np.argsort(scores)  # -inf (unscored) first
        line = _Line(scores, funded, places, high, low, order, scores[order])
        for start in range(0, len(by_bound), BLOCK):
            reviews = by_bound[start : start + BLOCK]
            z, own, factor = influence.block(reviews)
            reach = float(np.max(np.abs(factor) * np.abs(z).max(axis=0))) + SLACK
            rows, cols = _window_flips(influence, line, reviews, (z, own, factor), reach)
            found_reviews.append(rows)
            found_apps.append(cols)
    return np.concatenate(found_reviews), np.concatenate(found_apps)


@dataclass(frozen=True)
class _Line:
    """The funding line before any review is left out."""

    scores: np.ndarray  # rounded, -inf when unscored
    funded: np.ndarray
    places: int
    high: float  # k-th score
    low: float  # (k+1)-th score
    order: np.ndarray  # applications by ascending score
    ordered: np.ndarray  # their scores


def _window_flips(influence, line: _Line, reviews, block, bound: float):
    """Flips for one block, looking only at the window [low − 2D, high + 2D].

    Every application b other than the left-out review's own moves by at most D. Then:
    one above the window (s > high + 2D) stays above high + D, and at most k − 1 others
    (those above high, the own application included) can pass it: it stays funded. One
    below the window (s < low − 2D) stays below low − D, under at least k others: it stays
    unfunded. A window application ending above high + D is funded, below low − D is not,
    by the same counts; otherwise every application outside the window is strictly above
    or below it, so its rank is 1 + (number above the window) + (number in the window and
    the own application strictly above it)."""
    z, own, factor = block
    scores, funded, places, high, low = (
        line.scores,
        line.funded,
        line.places,
        line.high,
        line.low,
    )
    order, ordered = line.order, line.ordered
    n_block = len(reviews)
    start = np.searchsorted(ordered, low - 2 * bound, side="left")
    stop = np.searchsorted(ordered, high + 2 * bound, side="right")
    window = order[start:stop]
    above = len(ordered) - stop  # applications above the window
    app = influence.app[reviews]
    own_new = influence.quality[app] - factor * own
    own_new = np.where(influence.single[reviews], -np.inf, _rounded(own_new))

    values = scores[window][:, None] - np.asarray(influence.scaled[window] @ z) * factor
    values = _rounded(values)
    position = np.full(len(scores), -1)
    position[window] = np.arange(len(window))
    inside = position[app] >= 0
    columns = np.arange(n_block)
    values[position[app[inside]], columns[inside]] = own_new[inside]
    extra = np.where(inside, -np.inf, own_new)  # the own application when outside
    all_values = np.vstack([values, extra[None, :]])
    own_above = (~inside) & (scores[app] > high + 2 * bound)
    greater = _greater_in_columns(all_values)
    rank = 1 + (above - own_above)[None, :] + greater
    new_funded = np.isfinite(all_values) & (
        (all_values > high + bound) | ((all_values >= low - bound) & (rank <= places))
    )
    old_funded = np.vstack([funded[window][:, None].repeat(n_block, 1), funded[app][None, :]])
    flips = new_funded != old_funded
    flips[-1, inside] = False
    cells, cols = np.nonzero(flips)
    apps = np.where(cells < len(window), window[np.minimum(cells, len(window) - 1)], app[cols])
    return reviews[cols], apps


def _greater_in_columns(values: np.ndarray) -> np.ndarray:
    """For each cell, how many cells of its column hold a strictly greater value."""
    rows = values.T  # one row per column: numpy sorts along the last axis
    order = np.argsort(rows, axis=1, kind="stable")
    ordered = np.take_along_axis(rows, order, axis=1)
    height = rows.shape[1]
    last = np.ones(rows.shape, dtype=bool)  # last cell of a run of equal values
    last[:, :-1] = ordered[:, 1:] != ordered[:, :-1]
    positions = np.where(last, np.arange(height)[None, :], height)
    run_end = np.minimum.accumulate(positions[:, ::-1], axis=1)[:, ::-1]
    greater = np.empty(rows.shape, dtype=np.int64)
    np.put_along_axis(greater, order, height - 1 - run_end, axis=1)
    return greater.T


def _rounded(values: np.ndarray) -> np.ndarray:
    rounded = np.round(values, DECIMALS)
    return np.where(np.isnan(rounded), -np.inf, rounded)
