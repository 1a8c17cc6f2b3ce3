"""The scoreboard of a call: review figures, calibrated scores, leniencies and robustness.

The figures come from :mod:`reviews.selectors.scoreboard_cache`: computed over the whole
call in one vectorised pass through :mod:`reviews.scoring` (``stats``: counts, means,
medians, spread, disagreement, per criterion; ``calibration``: calibrated scores,
leniencies, the diagnostics that say when the data are too thin; ``robustness``: ranks
under each score, leave-one-review-out crossings of the funding line), and cached as
arrays until something they depend on changes. :class:`Scoreboard` builds row objects
only for what is asked: :meth:`Scoreboard.order` filters and sorts indices over the whole
call, :meth:`Scoreboard.rows_at` makes the rows of one page.

Filters only choose the rows shown, so a rank or a calibrated score never depends on the
filter. Staff only: callers fetch the call with ``calls.selectors.calls.staff_call_or_404``
and build the board *for its reader* (``build_scoreboard(call, reader=...)``): the figures
are cached for the whole call, whoever reads, and the rows of the applications the reader
takes part in (``calls.selectors.staff_conflicts.withheld_ids``) are left out of every
row, order, count and crossing afterwards, never from the cached figures.
Nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from calls.models import ApplicationStatus, Call, Criterion
from calls.selectors.staff_conflicts import withheld_ids
from reviews.scoring.calibration import Diagnostics
from reviews.scoring.links import LinkKind
from reviews.scoring.robustness import (
    CALIBRATED,
    MEAN,
    MEDIAN,
    ApplicationRobustness,
    Crossing,
)
from reviews.scoring.stats import FigureSet, GroupSummary
from reviews.selectors.scoreboard_cache import (
    SCOREBOARD_STATUSES,
    Figures,
    counted_reviews,
    funded_places,
    scoreboard_figures,
)

__all__ = [
    "CALIBRATED",
    "MEAN",
    "MEDIAN",
    "METRICS",
    "METRIC_LABELS",
    "SCOREBOARD_STATUSES",
    "Scoreboard",
    "ScoreboardFilters",
    "ScoreboardRow",
    "build_scoreboard",
    "counted_reviews",
    "crossing_lines",
    "weak_link_lines",
    "funded_places",
    "metric_cells",
]

S = ApplicationStatus
METRICS = (MEAN, MEDIAN, CALIBRATED)
METRIC_LABELS = {MEAN: _("Mean"), MEDIAN: _("Median"), CALIBRATED: _("Calibrated score")}
DEFAULT_SORT = f"-{MEAN}"
_STATUS_ORDER = {value: index for index, value in enumerate(S.values)}
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


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


@dataclass
class Scoreboard:
    call: Call
    criteria: list[Criterion]
    figures: Figures
    anonymous: bool = False
    # Applications of the call withheld from the reader (a conflict of interest), and
    # the reviewers (invitation ids) whose reviews that count include one of them.
    withheld: frozenset[int] = frozenset()
    withheld_reviewers: frozenset[int] = frozenset()

    # --- The call as a whole ----------------------------------------------------------

    @property
    def diagnostics(self) -> Diagnostics:
        return self.figures.diagnostics

    @property
    def funded_places(self) -> int:
        return self.figures.funded_places

    @property
    def residual_sd(self) -> float | None:
        return self.figures.residual_sd

    @property
    def robustness(self) -> RobustnessSummary:
        f = self.figures
        return RobustnessSummary(f.funded_places, f.metrics, f.calibration_mode)

    @cached_property
    def weak_links(self) -> list[WeakLinkLine]:
        return weak_link_lines(self)

    @property
    def calibration_supported(self) -> bool:
        return self.diagnostics.supported

    @property
    def metrics(self) -> tuple[str, ...]:
        return METRICS if self.calibration_supported else (MEAN, MEDIAN)

    @property
    def size(self) -> int:
        """Applications the reader may see (withheld ones are not counted)."""
        return self.figures.size - len(self._withheld_indices)

    @property
    def withheld_count(self) -> int:
        """How many applications of the call are withheld from the reader."""
        return len(self._withheld_indices)

    @cached_property
    def _withheld_indices(self) -> frozenset[int]:
        found = (self.figures.index_of(pk) for pk in self.withheld)
        return frozenset(index for index in found if index is not None)

    @cached_property
    def _visible(self) -> np.ndarray:
        keep = np.ones(self.figures.size, dtype=bool)
        keep[list(self._withheld_indices)] = False
        return keep

    @property
    def fragile_count(self) -> int:
        return int((self.figures.fragile & self._visible).sum())

    def anonymised(self) -> Scoreboard:
        """The same figures without coordinator, unit, institute or reviewer names."""
        return replace(self, anonymous=True)

    # --- Rows ---------------------------------------------------------------------------

    def row(self, index: int) -> ScoreboardRow:
        return self.rows_at([index])[0]

    def _consortium(self, index: int) -> tuple[list[str], set[int], list[str], set[int]]:
        f = self.figures
        partners = f.partner_slice(index)
        institute_ids = f.partner_institute[partners].tolist()
        institutes, units = [], []
        if not self.anonymous:
            for institute_id, unit_id in zip(
                institute_ids, f.partner_unit[partners].tolist(), strict=True
            ):
                acronym, label = f.institute_acronyms[institute_id], f.unit_labels[unit_id]
                if acronym not in institutes:
                    institutes.append(acronym)
                if label not in units:
                    units.append(label)
        disciplines = f.discipline_slice(index)
        return institutes, set(institute_ids), units, set(f.discipline_ids[disciplines].tolist())

    def _robustness(self, index: int, pk: int) -> ApplicationRobustness | None:
        f = self.figures
        if not f.robust[index]:
            return None
        metrics = f.metrics
        return ApplicationRobustness(
            application_id=pk,
            n_reviews=int(f.n_reviews[index]),
            scores={m: _number(f.metric_scores[m][index]) for m in metrics},
            ranks={m: int(f.ranks[m][index]) or None for m in metrics},
            funded={m: bool(f.funded[m][index]) for m in metrics},
            tied_at_line={m: bool(f.tied[m][index]) for m in metrics},
            crossing_counts={m: int(f.crossing_counts[m][index]) for m in metrics},
            crossings=tuple(
                Crossing(metric=m, review_application_id=a, reviewer_id=r, own_review=o)
                for m, a, r, o in f.crossings.get(index, ())
            ),
            fragile=bool(f.fragile[index]),
            reasons=f.reasons.get(index, ()),
        )

    def rows_at(self, indices: Iterable[int]) -> list[ScoreboardRow]:
        """The rows of these application indices, in this order (numbers are gathered
        column by column: building a page costs the same whatever the size of the call).
        Withheld applications are left out."""
        f = self.figures
        hidden = self._withheld_indices
        chosen = np.asarray([i for i in indices if i not in hidden], dtype=np.intp)
        overall = _figure_sets(f.overall, chosen)
        criteria = [_figure_sets(group, chosen) for group in f.per_criterion]
        calibrated = _floats(f.calibrated[chosen])
        calibrated_se = _floats(f.calibrated_se[chosen])
        rows = []
        for place, index in enumerate(chosen.tolist()):
            pk = int(f.application_ids[index])
            institutes, institute_ids, units, discipline_ids = self._consortium(index)
            rows.append(
                ScoreboardRow(
                    application_id=pk,
                    reference=f.references[index],
                    title=f.titles[index],
                    acronym=f.acronyms[index],
                    status=f.statuses[index],
                    coordinator="" if self.anonymous else f.coordinators[index],
                    submitted_at=f.submitted_at[index],
                    overall=overall[place],
                    criteria=[column[place] for column in criteria],
                    institutes=institutes,
                    institute_ids=institute_ids,
                    units=units,
                    discipline_ids=discipline_ids,
                    calibrated=calibrated[place],
                    calibrated_se=calibrated_se[place],
                    uncorrected=bool(f.uncorrected[index]),
                    robustness=self._robustness(index, pk),
                )
            )
        return rows

    @cached_property
    def rows(self) -> list[ScoreboardRow]:
        """Every row, in application id order (exports and whole-call pages)."""
        return self.rows_at(range(self.figures.size))

    def row_for(self, application_id: int) -> ScoreboardRow | None:
        index = self.figures.index_of(application_id)
        return None if index is None else self.row(index)

    def rows_for(self, application_ids: Iterable[int]) -> list[ScoreboardRow]:
        """The rows of these applications (those on the scoreboard), in id order."""
        wanted = np.asarray(sorted(set(application_ids)), dtype=np.int64)
        return self.rows_at(np.nonzero(np.isin(self.figures.application_ids, wanted))[0])

    def indices_with_status(self, *statuses: str) -> list[int]:
        wanted, hidden = set(statuses), self._withheld_indices
        return [
            i
            for i, status in enumerate(self.figures.statuses)
            if status in wanted and i not in hidden
        ]

    # --- Filtering and sorting over the whole call ------------------------------------

    def sort_keys(self) -> dict[str, Callable[[ScoreboardRow], Any]]:
        """Every column one can sort by: key → value of a row (None sorts last)."""
        keys: dict[str, Callable[[ScoreboardRow], Any]] = {
            "reference": lambda r: r.reference,
            "title": lambda r: (r.acronym or r.title).lower(),
            "coordinator": lambda r: r.coordinator.lower(),
            "institutes": lambda r: len(r.institute_ids),
            "status": lambda r: _STATUS_ORDER.get(r.status),
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
                weights=_first_of_pair(f.partner_index, f.partner_institute),
            ),
            "status": lambda: np.array([_STATUS_ORDER.get(s, np.nan) for s in f.statuses], float),
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

    # --- Names --------------------------------------------------------------------------

    def references(self) -> dict[int, str]:
        return self._references

    @cached_property
    def _references(self) -> dict[int, str]:
        f = self.figures
        return {
            pk: reference
            for pk, reference in zip(f.application_ids.tolist(), f.references, strict=True)
            if pk not in self.withheld
        }

    def reviewer_indices(self) -> list[int]:
        """Indices of the reviewers the reader may see: not those who reviewed a withheld
        application (their name would tell who reviewed it)."""
        hidden = self.withheld_reviewers
        return [
            index for index, pk in enumerate(self.figures.reviewer_ids.tolist()) if pk not in hidden
        ]

    def reviewer_rows(self, indices: Iterable[int] | None = None) -> list[ReviewerRow]:
        f = self.figures
        rows = []
        for index in self.reviewer_indices() if indices is None else indices:
            if int(f.reviewer_ids[index]) in self.withheld_reviewers:
                continue
            label = str(_("Reviewer %(number)d") % {"number": index + 1})
            rows.append(
                ReviewerRow(
                    invitation_id=int(f.reviewer_ids[index]),
                    name=label if self.anonymous else f.reviewer_names[index],
                    label=label,
                    reviews=int(f.reviewer_reviews[index]),
                    leniency=_number(f.leniency[index]),
                    leniency_se=_number(f.leniency_se[index]),
                    thin=bool(f.thin[index]),
                    isolated=bool(f.isolated[index]),
                )
            )
        return rows

    @cached_property
    def reviewers(self) -> list[ReviewerRow]:
        return self.reviewer_rows()

    def reviewer_names(self) -> dict[int, str]:
        """Invitation id → name (the label when anonymous)."""
        return self._reviewer_names

    @cached_property
    def _reviewer_names(self) -> dict[int, str]:
        f = self.figures
        names = {}
        for index, pk in enumerate(f.reviewer_ids.tolist()):
            # The label is translated only where it is shown: once per reviewer of a large
            # call (1,380) was a tenth of the scoreboard's time.
            if self.anonymous or pk in self.withheld_reviewers:
                names[pk] = str(_("Reviewer %(number)d") % {"number": index + 1})
            else:
                names[pk] = f.reviewer_names[index]
        return names


def _floats(values: np.ndarray) -> list[float | None]:
    return [None if value != value else value for value in values.tolist()]  # NaN → None


def _figure_sets(summary: GroupSummary, chosen: np.ndarray) -> list[FigureSet]:
    """``FigureSet.from_group`` for many applications at once."""
    columns = [
        _floats(getattr(summary, name)[chosen])
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


def _first_of_pair(index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """1.0 for the first time a value appears for its application, else 0.0 (to count
    distinct values per application with ``bincount``)."""
    if not len(index):
        return np.zeros(0)
    pairs = np.stack([index, values], axis=1)
    _unique, first = np.unique(pairs, axis=0, return_index=True)
    weights = np.zeros(len(index))
    weights[first] = 1.0
    return weights


def build_scoreboard(call: Call, *, reader: Any = None) -> Scoreboard:
    """The call's scoreboard: cached figures (see ``scoreboard_cache``), rows on demand.

    ``reader``: the person the rows are for; the applications they take part in are
    withheld (one query). ``None`` (services, the demo) sees every application."""
    criteria = list(call.criteria.all())
    withheld = withheld_ids(reader, call=call) if reader is not None else frozenset()
    reviewers = frozenset()
    if withheld:  # one more query, for a reader in conflict only
        reviewers = frozenset(
            counted_reviews(call)
            .filter(assignment__application_id__in=withheld)
            .values_list("assignment__invitation_id", flat=True)
        )
    return Scoreboard(
        call=call,
        criteria=criteria,
        figures=scoreboard_figures(call, criteria),
        withheld=withheld,
        withheld_reviewers=reviewers,
    )


@dataclass(frozen=True)
class CrossingLine:
    """One leave-one-review-out example, in words a person reads."""

    metric: str
    metric_label: str
    reference: str
    reviewer: str
    own_review: bool


def crossing_lines(board: Scoreboard, row: ScoreboardRow) -> list[CrossingLine]:
    """The crossings of ``row`` with references and reviewer names (labels when anonymous)."""
    if row.robustness is None:
        return []
    references, reviewers = board.references(), board.reviewer_names()
    return [  # a crossing caused by a review of a withheld application is left out
        CrossingLine(
            metric=crossing.metric,
            metric_label=str(METRIC_LABELS[crossing.metric]),
            reference=references.get(crossing.review_application_id, ""),
            reviewer=reviewers.get(crossing.reviewer_id, ""),
            own_review=crossing.own_review,
        )
        for crossing in row.robustness.crossings
        if crossing.review_application_id not in board.withheld
    ]


@dataclass(frozen=True)
class WeakLinkLine:
    """One weak link of the review graph, in words a person reads."""

    kind: str
    text: str


def weak_link_lines(board: Scoreboard) -> list[WeakLinkLine]:
    """The single reviews, experts or applications that join groups of reviewers, named
    (reviewer labels when anonymous), with the size of the group they carry."""
    references, reviewers = board.references(), board.reviewer_names()
    lines = []
    for link in board.diagnostics.weak_links:
        names = {
            "reviewer": reviewers.get(link.reviewer_id, ""),
            "reference": references.get(link.application_id, ""),
            "reviewers": link.reviewers,
            "applications": link.applications,
        }
        if link.kind == LinkKind.REVIEW:
            text = _(
                "the review of %(reference)s by %(reviewer)s alone joins a group of "
                "%(reviewers)s reviewers and %(applications)s applications to the others"
            )
        elif link.kind == LinkKind.REVIEWER:
            text = _(
                "%(reviewer)s alone joins a group of %(reviewers)s reviewers and "
                "%(applications)s applications to the others"
            )
        else:
            text = _(
                "%(reference)s alone joins a group of %(reviewers)s reviewers and "
                "%(applications)s applications to the others"
            )
        lines.append(WeakLinkLine(kind=link.kind, text=str(text) % names))
    return lines


@dataclass(frozen=True)
class MetricCell:
    """One application under one score: value, rank, side of the funding line."""

    metric: str
    label: str
    score: float | None
    rank: int | None
    funded: bool | None
    tied_at_line: bool
    crossings: int  # leave-one-review-out crossings under this score


def metric_cells(board: Scoreboard, row: ScoreboardRow) -> list[MetricCell]:
    result = row.robustness
    return [
        MetricCell(
            metric=metric,
            label=str(METRIC_LABELS[metric]),
            score=row.score(metric),
            rank=row.rank(metric),
            funded=row.funded(metric),
            tied_at_line=bool(result and result.tied_at_line.get(metric)),
            crossings=result.crossing_counts.get(metric, 0) if result else 0,
        )
        for metric in board.metrics
    ]
