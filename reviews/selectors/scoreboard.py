"""The scoreboard of a call: review figures, calibrated scores, leniencies and robustness.

Reads are a fixed number of queries whatever the size of the call (``values_list``, no
model instance per row): the applications in review or later, their partners, their
disciplines, the submitted reviews (with reviewer and confidence) and their criterion
scores. Everything else is one vectorised pass through :mod:`reviews.scoring`:
``stats`` (counts, means, medians, spread, disagreement, per criterion), ``calibration``
(calibrated scores, leniencies, the diagnostics that say when the data are too thin) and
``robustness`` (ranks under each score, leave-one-review-out crossings of the funding line).

Figures are computed over the whole call; filters only choose the rows shown, so a rank
or a calibrated score never depends on the filter. Staff only: callers fetch the call with
``calls.selectors.calls.staff_call_or_404``. Nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from calls.models import Application, ApplicationStatus, Call, Criterion, Partner
from reviews.models import Conflict, ConflictStatus, CriterionScore, Review, ReviewStatus
from reviews.scoring import calibrate
from reviews.scoring.calibration import Diagnostics
from reviews.scoring.robustness import (
    CALIBRATED,
    MEAN,
    MEDIAN,
    ApplicationRobustness,
    RobustnessReport,
    analyse,
)
from reviews.scoring.stats import (
    FigureSet,
    as_float_array,
    confidence_weights,
    summarise_criteria,
    summarise_groups,
)
from reviews.scoring.weighted import CriterionSpec

S = ApplicationStatus
# Applications that went to review, whatever happened to them since (not withdrawn ones).
SCOREBOARD_STATUSES = (
    S.IN_REVIEW,
    S.SHORTLISTED,
    S.NOT_SHORTLISTED,
    S.MAIN_LIST,
    S.COMPLEMENTARY_LIST,
    S.NOT_SELECTED,
    S.FUNDED,
    S.DECLINED,
    S.NOT_FUNDED,
)
METRICS = (MEAN, MEDIAN, CALIBRATED)
METRIC_LABELS = {MEAN: _("Mean"), MEDIAN: _("Median"), CALIBRATED: _("Calibrated score")}
DEFAULT_SORT = f"-{MEAN}"
_STATUS_ORDER = {value: index for index, value in enumerate(S.values)}


def funded_places(call: Call) -> int:
    """Fellowships currently funded: the sum of the call's funding sources, or the call's
    number of fellowships when it has none (uses the prefetched sources when present)."""
    total = sum(source.fellowships for source in call.funding_sources.all())
    return total or call.fellowships


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


@dataclass
class Scoreboard:
    call: Call
    criteria: list[Criterion]
    rows: list[ScoreboardRow]
    reviewers: list[ReviewerRow]
    diagnostics: Diagnostics
    robustness: RobustnessReport
    funded_places: int
    residual_sd: float | None
    anonymous: bool = False

    @property
    def calibration_supported(self) -> bool:
        return self.diagnostics.supported

    @property
    def metrics(self) -> tuple[str, ...]:
        return METRICS if self.calibration_supported else (MEAN, MEDIAN)

    @property
    def fragile_count(self) -> int:
        return sum(row.fragile for row in self.rows)

    def sort_keys(self) -> dict[str, Callable[[ScoreboardRow], Any]]:
        """Every column one can sort by: key → value (None sorts last either way)."""
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

    def select(self, filters: ScoreboardFilters) -> list[ScoreboardRow]:
        """The rows matching ``filters``, sorted (in Python: the data set is one call)."""
        rows = [
            row
            for row in self.rows
            if (filters.institute_id is None or filters.institute_id in row.institute_ids)
            and (filters.discipline_id is None or filters.discipline_id in row.discipline_ids)
            and (not filters.status or row.status == filters.status)
            and (not filters.fragile_only or row.fragile)
        ]
        return sort_rows(rows, filters.sort, self.sort_keys())

    def references(self) -> dict[int, str]:
        return {row.application_id: row.reference for row in self.rows}

    def reviewer_names(self) -> dict[int, str]:
        return {r.invitation_id: r.label if self.anonymous else r.name for r in self.reviewers}

    def anonymised(self) -> Scoreboard:
        """The same figures without coordinator, unit, institute or reviewer names."""
        rows = [replace(row, coordinator="", units=[], institutes=[]) for row in self.rows]
        reviewers = [replace(r, name=r.label) for r in self.reviewers]
        return replace(self, rows=rows, reviewers=reviewers, anonymous=True)


def sort_rows(
    rows: list[ScoreboardRow], sort: str, keys: dict[str, Callable[[ScoreboardRow], Any]]
) -> list[ScoreboardRow]:
    descending = sort.startswith("-")
    getter = keys.get(sort.lstrip("-"), keys[MEAN])
    present = sorted((r for r in rows if getter(r) is not None), key=lambda r: r.reference)
    present.sort(key=getter, reverse=descending)  # stable: ties stay in reference order
    return present + sorted((r for r in rows if getter(r) is None), key=lambda r: r.reference)


# --- Queries -------------------------------------------------------------------------


def counted_reviews(call: Call) -> QuerySet[Review]:
    """Reviews that count: submitted, on an active assignment, no confirmed conflict,
    for an application of the scoreboard."""
    confirmed_conflict = Conflict.objects.filter(
        invitation=OuterRef("assignment__invitation"),
        application=OuterRef("assignment__application"),
        status=ConflictStatus.CONFIRMED,
    )
    return Review.objects.filter(
        status=ReviewStatus.SUBMITTED,
        assignment__is_active=True,
        assignment__application__call=call,
        assignment__application__status__in=SCOREBOARD_STATUSES,
    ).filter(~Exists(confirmed_conflict))


def _load(call: Call) -> dict[str, list[tuple]]:
    """Five queries: applications, partners, disciplines, reviews, criterion scores."""
    in_scope = {"application__call": call, "application__status__in": SCOREBOARD_STATUSES}
    reviews = counted_reviews(call)
    through = Application.disciplines.through
    return {
        "applications": list(
            Application.objects.filter(call=call, status__in=SCOREBOARD_STATUSES)
            .order_by("pk")
            .values_list(
                "pk",
                "reference",
                "title",
                "acronym",
                "status",
                "coordinator__full_name",
                "submitted_at",
            )
        ),
        "partners": list(
            Partner.objects.filter(**in_scope)
            .order_by("application_id", "position", "pk")
            .values_list("application_id", "institute_id", "institute__acronym", "unit__label")
        ),
        "disciplines": list(
            through.objects.filter(**in_scope)
            .order_by()
            .values_list("application_id", "discipline_id")
        ),
        "reviews": list(
            reviews.order_by("pk").values_list(
                "pk",
                "assignment__application_id",
                "assignment__invitation_id",
                "total",
                "confidence",
                "assignment__invitation__expert__full_name",
            )
        ),
        "scores": list(
            # No ordering: the model's default one joins five tables and sorts every score.
            CriterionScore.objects.filter(review__in=reviews.values("pk"))
            .order_by()
            .values_list("review_id", "criterion_id", "score", "not_applicable")
        ),
    }


def _positions(sorted_keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each value in ``sorted_keys`` and whether it is there at all."""
    if not len(sorted_keys):
        return np.zeros(len(values), dtype=np.intp), np.zeros(len(values), dtype=bool)
    index = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return index, sorted_keys[index] == values


def _score_matrix(
    review_ids: np.ndarray, criteria: list[Criterion], scores: list[tuple]
) -> np.ndarray:
    """One row per review, one column per criterion, NaN for N/A (or missing)."""
    matrix = np.full((len(review_ids), len(criteria)), np.nan)
    if not scores or not criteria:
        return matrix
    s_review, s_criterion, s_value, s_na = (
        np.array(column) for column in zip(*scores, strict=True)
    )
    values = as_float_array([None if na else v for v, na in zip(s_value, s_na, strict=True)])
    criterion_ids = np.array([c.pk for c in criteria], dtype=np.int64)
    order = np.argsort(criterion_ids)
    row, row_found = _positions(review_ids, s_review.astype(np.int64))
    col, col_found = _positions(criterion_ids[order], s_criterion.astype(np.int64))
    keep = row_found & col_found
    matrix[row[keep], order[col[keep]]] = values[keep]
    return matrix


def build_scoreboard(call: Call) -> Scoreboard:
    """Every figure of the call's scoreboard (see the module docstring)."""
    criteria = list(call.criteria.all())
    specs = [CriterionSpec.from_criterion(c) for c in criteria]
    data = _load(call)
    apps = data["applications"]
    app_ids = np.array([a[0] for a in apps], dtype=np.int64)
    n = len(app_ids)

    reviews = data["reviews"]
    review_app = np.array([r[1] for r in reviews], dtype=np.int64)
    codes, known = _positions(app_ids, review_app)  # a status change between queries
    reviews = [r for r, k in zip(reviews, known, strict=True) if k]
    codes, review_app = codes[known], review_app[known]
    review_ids = np.array([r[0] for r in reviews], dtype=np.int64)
    reviewer_ids = [r[2] for r in reviews]
    totals = as_float_array([r[3] for r in reviews])
    confidences = [r[4] for r in reviews]
    weights = confidence_weights(confidences, len(reviews))

    overall = summarise_groups(codes, totals, n, weights=weights)
    matrix = _score_matrix(review_ids, criteria, data["scores"])
    per_criterion = summarise_criteria(codes, matrix, n, specs, weights=weights) if specs else {}
    calibration = calibrate(
        application_ids=review_app.tolist(),
        reviewer_ids=reviewer_ids,
        scores=totals,
        confidences=confidences,
    )
    places = funded_places(call)
    report = analyse(
        application_ids=review_app.tolist(),
        reviewer_ids=reviewer_ids,
        scores=totals,
        funded_places=places,
        calibration=calibration,
    )
    calibrated = calibration.calibrated_by_application()
    standard_error = _as_dict(calibration.application_ids, calibration.standard_error)
    uncorrected = set(calibration.diagnostics.uncorrected_applications)
    robustness = report.by_application()

    rows = []
    for index, (pk, reference, title, acronym, status, coordinator, submitted) in enumerate(apps):
        rows.append(
            ScoreboardRow(
                application_id=pk,
                reference=reference or "",
                title=title,
                acronym=acronym,
                status=status,
                coordinator=coordinator,
                submitted_at=submitted,
                overall=FigureSet.from_group(overall, index),
                criteria=[FigureSet.from_group(per_criterion[s.id], index) for s in specs],
                calibrated=calibrated.get(pk),
                calibrated_se=standard_error.get(pk),
                uncorrected=calibration.supported and pk in uncorrected,
                robustness=robustness.get(pk),
            )
        )
    _attach_consortium(rows, data["partners"], data["disciplines"])
    return Scoreboard(
        call=call,
        criteria=criteria,
        rows=rows,
        reviewers=_reviewer_rows(calibration, {r[2]: r[5] for r in reviews}),
        diagnostics=calibration.diagnostics,
        robustness=report,
        funded_places=places,
        residual_sd=calibration.residual_sd,
    )


def _as_dict(keys: np.ndarray, values: np.ndarray) -> dict[Hashable, float | None]:
    return {
        key: None if np.isnan(value) else float(value)
        for key, value in zip(keys.tolist(), values.tolist(), strict=True)
    }


def _attach_consortium(rows: list[ScoreboardRow], partners: list, disciplines: list) -> None:
    by_id = {row.application_id: row for row in rows}
    for application_id, institute_id, acronym, unit_label in partners:
        row = by_id.get(application_id)
        if row is None:
            continue
        row.institute_ids.add(institute_id)
        if acronym not in row.institutes:
            row.institutes.append(acronym)
        if unit_label not in row.units:
            row.units.append(unit_label)
    for application_id, discipline_id in disciplines:
        if application_id in by_id:
            by_id[application_id].discipline_ids.add(discipline_id)


def _reviewer_rows(calibration, names: dict[int, str]) -> list[ReviewerRow]:
    diagnostics = calibration.diagnostics
    thin, isolated = set(diagnostics.thin_reviewers), set(diagnostics.isolated_reviewers)
    leniency = calibration.leniency_by_reviewer()
    leniency_se = _as_dict(calibration.reviewer_ids, calibration.leniency_se)
    rows = []
    for number, (invitation_id, count) in enumerate(
        zip(
            calibration.reviewer_ids.tolist(),
            calibration.reviews_per_reviewer.tolist(),
            strict=True,
        ),
        start=1,
    ):
        rows.append(
            ReviewerRow(
                invitation_id=invitation_id,
                name=names.get(invitation_id, ""),
                label=str(_("Reviewer %(number)d") % {"number": number}),
                reviews=int(count),
                leniency=leniency.get(invitation_id),
                leniency_se=leniency_se.get(invitation_id),
                thin=invitation_id in thin,
                isolated=invitation_id in isolated,
            )
        )
    return rows


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
    return [
        CrossingLine(
            metric=crossing.metric,
            metric_label=str(METRIC_LABELS[crossing.metric]),
            reference=references.get(crossing.review_application_id, ""),
            reviewer=reviewers.get(crossing.reviewer_id, ""),
            own_review=crossing.own_review,
        )
        for crossing in row.robustness.crossings
    ]


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
