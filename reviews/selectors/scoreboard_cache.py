"""The numbers behind a call's scoreboard, computed once per change and cached.

:func:`scoreboard_figures` reads the call in five ``values_list`` queries (applications,
partners, disciplines, the reviews that count, their criterion scores), computes every
figure in one vectorised pass through :mod:`reviews.scoring` and keeps the result in
Django's cache as :class:`Figures`: numpy arrays, short strings and plain numbers, never
model instances nor row objects (a page builds rows for what it shows only).

The cache key holds the call's stamp: the number of its
:class:`~reviews.models.ScoreboardChange` rows and the last one (a row is inserted in the
transaction of every change that can move a figure, see
``reviews.services.scoreboard_stamp``), the number of fellowships and the criteria as
read now. A reader therefore recomputes after any change,
in whatever process it was made: the key is read from the database at each request
(one query), the figures come from the cache when nothing changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, QuerySet

from calls.models import Application, ApplicationStatus, Call, Criterion, Partner
from reviews.models import (
    Conflict,
    ConflictStatus,
    CriterionScore,
    Review,
    ReviewStatus,
    ScoreboardChange,
)
from reviews.scoring import calibrate
from reviews.scoring.calibration import Diagnostics
from reviews.scoring.robustness import analyse
from reviews.scoring.stats import (
    GroupSummary,
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
# Bump when the shape of Figures changes: entries of an older shape are then never read.
SCHEMA = 3
TIMEOUT = 3600  # seconds; a changed call gets a new key anyway


def funded_places(call: Call) -> int:
    """Fellowships currently funded: the sum of the call's funding sources, or the call's
    number of fellowships when it has none (uses the prefetched sources when present)."""
    total = sum(source.fellowships for source in call.funding_sources.all())
    return total or call.fellowships


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


@dataclass
class Figures:
    """Every figure of one call, one entry per application (in id order) or reviewer."""

    application_ids: np.ndarray
    statuses: list[str]
    references: list[str]
    titles: list[str]
    acronyms: list[str]
    coordinators: list[str]
    submitted_at: list[Any]
    criterion_ids: list[int]
    overall: GroupSummary
    per_criterion: list[GroupSummary]  # aligned with criterion_ids
    calibrated: np.ndarray  # NaN: none
    calibrated_se: np.ndarray
    uncorrected: np.ndarray  # bool
    # Robustness, per application (``robust`` False: no review, no robustness entry).
    metrics: tuple[str, ...]
    calibration_mode: str
    robust: np.ndarray
    n_reviews: np.ndarray
    metric_scores: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]  # 0: no rank
    funded: dict[str, np.ndarray]
    tied: dict[str, np.ndarray]
    crossing_counts: dict[str, np.ndarray]
    fragile: np.ndarray
    reasons: dict[int, tuple[str, ...]]  # application index → fragility codes
    crossings: dict[int, tuple[tuple[str, int, int, bool], ...]]  # index → examples
    # Consortium: one entry per partner (sorted by application index, then position).
    partner_index: np.ndarray
    partner_institute: np.ndarray
    partner_unit: np.ndarray
    institute_acronyms: dict[int, str]
    unit_labels: dict[int, str]
    discipline_index: np.ndarray  # sorted
    discipline_ids: np.ndarray
    # Reviewers (invitations), in id order.
    reviewer_ids: np.ndarray
    reviewer_names: list[str]
    reviewer_reviews: np.ndarray
    leniency: np.ndarray
    leniency_se: np.ndarray
    thin: np.ndarray
    isolated: np.ndarray
    diagnostics: Diagnostics
    residual_sd: float | None
    funded_places: int
    _index: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        return len(self.application_ids)

    def index_of(self, application_id: int) -> int | None:
        if not self._index:
            self._index = {pk: i for i, pk in enumerate(self.application_ids.tolist())}
        return self._index.get(application_id)

    def partner_slice(self, index: int) -> slice:
        start, end = np.searchsorted(self.partner_index, [index, index + 1])
        return slice(int(start), int(end))

    def discipline_slice(self, index: int) -> slice:
        start, end = np.searchsorted(self.discipline_index, [index, index + 1])
        return slice(int(start), int(end))

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_index"] = {}
        return state


# --- The cache -------------------------------------------------------------------------


def cache_key(call: Call, criteria: list[Criterion]) -> str:
    """The key of the call's figures as the database stands now (one query): the number
    of the call's change rows and the last one (see :mod:`reviews.models.scoreboard`),
    the call's places and its criteria's parameters."""
    stamp = ScoreboardChange.objects.filter(call_id=call.pk).aggregate(
        changes=Count("id"), last=Max("id")
    )
    criteria_part = ",".join(
        f"{c.pk}:{c.weight}:{c.scale_min}:{c.scale_max}:{c.position}" for c in criteria
    )
    state = f"{stamp['changes']}:{stamp['last']}:{call.fellowships}:{criteria_part}"
    return f"scoreboard:{SCHEMA}:{call.pk}:{hashlib.sha256(state.encode()).hexdigest()}"


def scoreboard_figures(call: Call, criteria: list[Criterion]) -> Figures:
    """The call's figures, from the cache when nothing changed since they were computed."""
    key = cache_key(call, criteria)
    figures = cache.get(key)
    if figures is None:
        figures = compute_figures(call, criteria)
        # One entry per call: the figures of a call this size weigh megabytes.
        latest = f"scoreboard:{SCHEMA}:{call.pk}:latest"
        previous = cache.get(latest)
        if previous and previous != key:
            cache.delete(previous)
        cache.set_many({key: figures, latest: key}, TIMEOUT)
    return figures


# --- Computing ---------------------------------------------------------------------------


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
            .values_list(
                "application_id", "institute_id", "institute__acronym", "unit_id", "unit__label"
            )
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


def _by_index(ids: np.ndarray, app_ids: np.ndarray, values: np.ndarray, fill) -> np.ndarray:
    """``values`` given for ``ids`` spread over the applications (``fill`` elsewhere)."""
    result = np.full(len(app_ids), fill, dtype=np.asarray(values).dtype if len(values) else float)
    index, found = _positions(app_ids, np.asarray(ids, dtype=np.int64))
    result[index[found]] = np.asarray(values)[found]
    return result


def compute_figures(call: Call, criteria: list[Criterion]) -> Figures:
    """Every figure of the call (see the module docstring), without the cache."""
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
    supported = calibration.supported
    uncorrected = np.isin(app_ids, np.asarray(calibration.diagnostics.uncorrected_applications))

    metrics = report.metrics
    robust = np.zeros(n, dtype=bool)
    n_reviews = np.zeros(n, dtype=np.int64)
    scores = {m: np.full(n, np.nan) for m in metrics}
    ranks = {m: np.zeros(n, dtype=np.int64) for m in metrics}
    funded = {m: np.zeros(n, dtype=bool) for m in metrics}
    tied = {m: np.zeros(n, dtype=bool) for m in metrics}
    crossing_counts = {m: np.zeros(n, dtype=np.int64) for m in metrics}
    fragile = np.zeros(n, dtype=bool)
    reasons, crossings = {}, {}
    for result in report.applications:
        index, found = _positions(app_ids, np.array([result.application_id], dtype=np.int64))
        if not found[0]:
            continue
        i = int(index[0])
        robust[i] = True
        n_reviews[i] = result.n_reviews
        for m in metrics:
            value = result.scores.get(m)
            scores[m][i] = np.nan if value is None else value
            ranks[m][i] = result.ranks.get(m) or 0
            funded[m][i] = result.funded.get(m, False)
            tied[m][i] = result.tied_at_line.get(m, False)
            crossing_counts[m][i] = result.crossing_counts.get(m, 0)
        fragile[i] = result.fragile
        if result.reasons:
            reasons[i] = tuple(result.reasons)
        if result.crossings:
            crossings[i] = tuple(
                (c.metric, int(c.review_application_id), int(c.reviewer_id), bool(c.own_review))
                for c in result.crossings
            )

    partner_index, found = _positions(
        app_ids, np.array([p[0] for p in data["partners"]], dtype=np.int64)
    )
    partners = [p for p, k in zip(data["partners"], found, strict=True) if k]
    partner_index = partner_index[found]
    discipline_index, found = _positions(
        app_ids, np.array([d[0] for d in data["disciplines"]], dtype=np.int64)
    )
    disciplines = [d for d, k in zip(data["disciplines"], found, strict=True) if k]
    discipline_index = discipline_index[found]
    by_application = np.argsort(discipline_index, kind="stable")
    disciplines = [disciplines[i] for i in by_application.tolist()]
    discipline_index = discipline_index[by_application]
    names = {r[2]: r[5] for r in reviews}
    reviewer_list = calibration.reviewer_ids.tolist()
    diagnostics = calibration.diagnostics
    return Figures(
        application_ids=app_ids,
        statuses=[a[4] for a in apps],
        references=[a[1] or "" for a in apps],
        titles=[a[2] for a in apps],
        acronyms=[a[3] for a in apps],
        coordinators=[a[5] for a in apps],
        submitted_at=[a[6] for a in apps],
        criterion_ids=[c.pk for c in criteria],
        overall=overall,
        per_criterion=[per_criterion[s.id] for s in specs],
        calibrated=_by_index(calibration.application_ids, app_ids, calibration.calibrated, np.nan),
        calibrated_se=_by_index(
            calibration.application_ids, app_ids, calibration.standard_error, np.nan
        ),
        uncorrected=uncorrected & supported,
        metrics=metrics,
        calibration_mode=report.calibration_mode,
        robust=robust,
        n_reviews=n_reviews,
        metric_scores=scores,
        ranks=ranks,
        funded=funded,
        tied=tied,
        crossing_counts=crossing_counts,
        fragile=fragile,
        reasons=reasons,
        crossings=crossings,
        partner_index=partner_index.astype(np.int64),
        partner_institute=np.array([p[1] for p in partners], dtype=np.int64),
        partner_unit=np.array([p[3] for p in partners], dtype=np.int64),
        institute_acronyms={p[1]: p[2] for p in partners},
        unit_labels={p[3]: p[4] for p in partners},
        discipline_index=discipline_index.astype(np.int64),
        discipline_ids=np.array([d[1] for d in disciplines], dtype=np.int64),
        reviewer_ids=np.asarray(calibration.reviewer_ids, dtype=np.int64),
        reviewer_names=[names.get(pk, "") for pk in reviewer_list],
        reviewer_reviews=np.asarray(calibration.reviews_per_reviewer, dtype=np.int64),
        leniency=np.asarray(calibration.leniency, dtype=float),
        leniency_se=np.asarray(calibration.leniency_se, dtype=float),
        thin=np.isin(calibration.reviewer_ids, np.asarray(diagnostics.thin_reviewers)),
        isolated=np.isin(calibration.reviewer_ids, np.asarray(diagnostics.isolated_reviewers)),
        diagnostics=diagnostics,
        residual_sd=calibration.residual_sd,
        funded_places=places,
    )
