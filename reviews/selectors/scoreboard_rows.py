"""The rows of the scoreboard and what pages pass around with them: one application's
figures (:class:`ScoreboardRow`), one reviewer's (:class:`ReviewerRow`), the filters and
sort of a page, and helpers that turn figure arrays into row values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.utils.translation import gettext_lazy as _

from calls.models import ApplicationStatus
from reviews.scoring.robustness import CALIBRATED, MEAN, MEDIAN, ApplicationRobustness
from reviews.scoring.stats import FigureSet, GroupSummary

S = ApplicationStatus
METRICS = (MEAN, MEDIAN, CALIBRATED)
METRIC_LABELS = {MEAN: _("Mean"), MEDIAN: _("Median"), CALIBRATED: _("Calibrated score")}
DEFAULT_SORT = f"-{MEAN}"
STATUS_ORDER = {value: index for index, value in enumerate(S.values)}
_TEXT_SORTS = ("title", "coordinator")


@dataclass
class ScoreboardRow:
    application_id: int
    reference: str
    title: str
    acronym: str
    status: str
    coordinator: str
    submitted_at: datetime | None
    overall: FigureSet
    criteria: list[FigureSet]  # aligned with Scoreboard.criteria
    institutes: list[str] = field(default_factory=list)  # acronyms, distinct, in order
    institute_ids: set[int] = field(default_factory=set)
    units: list[str] = field(default_factory=list)
    discipline_ids: set[int] = field(default_factory=set)
    calibrated: float | None = None
    calibrated_se: float | None = None
    uncorrected: bool = False  # reviewed only by reviewers sharing no application
    robustness: ApplicationRobustness | None = None

    @property
    def status_label(self) -> str:
        return S(self.status).label

    @property
    def fragile(self) -> bool:
        return bool(self.robustness and self.robustness.fragile)

    def score(self, metric: str) -> float | None:
        if metric == CALIBRATED:
            return self.calibrated
        return self.overall.median if metric == MEDIAN else self.overall.mean

    def rank(self, metric: str) -> int | None:
        return self.robustness.ranks.get(metric) if self.robustness else None

    def funded(self, metric: str) -> bool | None:
        return self.robustness.funded.get(metric) if self.robustness else None


@dataclass(frozen=True)
class ReviewerRow:
    invitation_id: int
    name: str
    label: str  # "Reviewer 3": what the anonymised view shows
    reviews: int
    leniency: float | None
    leniency_se: float | None
    thin: bool
    isolated: bool


@dataclass(frozen=True)
class ScoreboardFilters:
    institute_id: int | None = None
    discipline_id: int | None = None
    status: str = ""
    fragile_only: bool = False
    sort: str = DEFAULT_SORT


@dataclass(frozen=True)
class RobustnessSummary:
    """What pages say about the robustness analysis as a whole."""

    funded_places: int
    metrics: tuple[str, ...]
    calibration_mode: str  # "exact", "approximate" or "unavailable"

    @property
    def approximate(self) -> bool:
        return self.calibration_mode == "approximate"


def number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def floats(values: np.ndarray) -> list[float | None]:
    return [None if value != value else value for value in values.tolist()]  # NaN → None


def figure_sets(summary: GroupSummary, chosen: np.ndarray) -> list[FigureSet]:
    """``FigureSet.from_group`` for many applications at once."""
    columns = [
        floats(getattr(summary, name)[chosen])
        for name in ("mean", "weighted_mean", "median", "sd", "minimum", "maximum", "spread")
    ]
    counts = summary.count[chosen].tolist()
    disagreement = summary.disagreement[chosen].tolist()
    return [
        FigureSet(
            int(counts[i]), *(column[i] for column in columns), disagreement=bool(disagreement[i])
        )
        for i in range(len(counts))
    ]


def first_of_pair(index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """1.0 for the first time a value appears for its application, else 0.0 (to count
    distinct values per application with ``bincount``)."""
    if not len(index):
        return np.zeros(0)
    pairs = np.stack([index, values], axis=1)
    _unique, first = np.unique(pairs, axis=0, return_index=True)
    weights = np.zeros(len(index))
    weights[first] = 1.0
    return weights
