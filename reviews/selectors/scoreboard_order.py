"""Filtering and sorting the applications of a scoreboard over the whole call, with numpy
on the figures (rows are built afterwards, for the page shown only)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from reviews.scoring.robustness import CALIBRATED, MEAN, MEDIAN
from reviews.selectors.scoreboard_rows import (
    METRICS,
    STATUS_ORDER,
    ScoreboardFilters,
    ScoreboardRow,
    first_of_pair,
)

if TYPE_CHECKING:
    from calls.models import Criterion
    from reviews.selectors.scoreboard_figures import Figures


class ScoreboardOrdering:
    """The filtering and sorting part of :class:`~reviews.selectors.scoreboard.Scoreboard`."""

    figures: Figures
    criteria: list[Criterion]
    _visible: np.ndarray

    def rows_at(self, indices) -> list[ScoreboardRow]:  # pragma: no cover - see Scoreboard
        raise NotImplementedError

    def sort_keys(self) -> dict[str, Callable[[ScoreboardRow], Any]]:
        """Every column one can sort by: key → value of a row (None sorts last)."""
        keys: dict[str, Callable[[ScoreboardRow], Any]] = {
            "reference": lambda r: r.reference,
            "title": lambda r: (r.acronym or r.title).lower(),
            "coordinator": lambda r: r.coordinator.lower(),
            "institutes": lambda r: len(r.institute_ids),
            "status": lambda r: STATUS_ORDER.get(r.status),
            "reviews": lambda r: r.overall.count,
            MEAN: lambda r: r.overall.mean,
            "weighted_mean": lambda r: r.overall.weighted_mean,
            MEDIAN: lambda r: r.overall.median,
            "spread": lambda r: r.overall.spread,
            CALIBRATED: lambda r: r.calibrated,
            "disagreement": lambda r: r.overall.disagreement,
            "fragile": lambda r: r.fragile,
        }
        for metric in METRICS:
            keys[f"rank_{metric}"] = lambda r, m=metric: r.rank(m)
        for column, criterion in enumerate(self.criteria):
            keys[f"criterion_{criterion.pk}"] = lambda r, c=column: r.criteria[c].mean
        return keys

    def _sort_values(self, key: str) -> np.ndarray | list | None:
        """The values of a sort column for every application (NaN / None: no value)."""
        f = self.figures
        overall = f.overall
        numeric = {
            "institutes": lambda: np.bincount(
                f.partner_index,
                minlength=f.size,
                weights=first_of_pair(f.partner_index, f.partner_institute),
            ),
            "status": lambda: np.array([STATUS_ORDER.get(s, np.nan) for s in f.statuses], float),
            "reviews": lambda: overall.count.astype(float),
            MEAN: lambda: overall.mean,
            "weighted_mean": lambda: overall.weighted_mean,
            MEDIAN: lambda: overall.median,
            "spread": lambda: overall.spread,
            CALIBRATED: lambda: f.calibrated,
            "disagreement": lambda: overall.disagreement.astype(float),
            "fragile": lambda: f.fragile.astype(float),
        }
        for metric in METRICS:
            ranks = f.ranks.get(metric)
            numeric[f"rank_{metric}"] = lambda r=ranks: (
                np.full(f.size, np.nan) if r is None else np.where(r > 0, r, np.nan).astype(float)
            )
        for column, criterion in enumerate(self.criteria):
            numeric[f"criterion_{criterion.pk}"] = lambda c=column: f.per_criterion[c].mean
        if key in numeric:
            return np.asarray(numeric[key](), dtype=float)
        if key == "title":
            return [(a or t).lower() for a, t in zip(f.acronyms, f.titles, strict=True)]
        if key == "coordinator":
            return [c.lower() for c in f.coordinators]
        return None  # reference: the tie order itself

    def mask(self, filters: ScoreboardFilters) -> np.ndarray:
        f = self.figures
        keep = self._visible.copy()
        if filters.institute_id is not None:
            chosen = np.zeros(f.size, dtype=bool)
            chosen[f.partner_index[f.partner_institute == filters.institute_id]] = True
            keep &= chosen
        if filters.discipline_id is not None:
            chosen = np.zeros(f.size, dtype=bool)
            chosen[f.discipline_index[f.discipline_ids == filters.discipline_id]] = True
            keep &= chosen
        if filters.status:
            keep &= np.array([s == filters.status for s in f.statuses], dtype=bool)
        if filters.fragile_only:
            keep &= f.fragile
        return keep

    @cached_property
    def _reference_rank(self) -> np.ndarray:
        size = self.figures.size
        order = sorted(range(size), key=self.figures.references.__getitem__)
        rank = np.empty(size, dtype=np.int64)
        rank[order] = np.arange(size)
        return rank

    def order(self, filters: ScoreboardFilters) -> list[int]:
        """Indices of the applications matching ``filters``, sorted over the whole call:
        rows without a value last, ties in reference order (either direction)."""
        chosen = np.nonzero(self.mask(filters))[0]
        descending = filters.sort.startswith("-")
        key = filters.sort.lstrip("-")
        if key not in self.sort_keys():
            key = MEAN
        by_reference = self._reference_rank[chosen]
        values = self._sort_values(key)
        if values is None:
            ordered = chosen[np.argsort(by_reference, kind="stable")]
            return (ordered[::-1] if descending else ordered).tolist()
        if isinstance(values, list):  # text: sorted in Python (stable, reference ties)
            ranked = sorted(chosen.tolist(), key=self._reference_rank.__getitem__)
            ranked.sort(key=values.__getitem__, reverse=descending)
            return ranked
        picked = values[chosen]
        present = ~np.isnan(picked)
        primary = -picked[present] if descending else picked[present]
        first = chosen[present][np.lexsort((by_reference[present], primary))]
        last = chosen[~present][np.argsort(by_reference[~present], kind="stable")]
        return first.tolist() + last.tolist()

    def select(self, filters: ScoreboardFilters) -> list[ScoreboardRow]:
        """The rows matching ``filters``, sorted (built for every matching application)."""
        return self.rows_at(self.order(filters))
