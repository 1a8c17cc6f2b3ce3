"""Computing the figures of a call's scoreboard (:class:`Figures`), without any cache.

:func:`compute_figures` reads the call in five ``values_list`` queries (applications,
partners, disciplines, the reviews that count, their criterion scores) and computes every
figure in one vectorised pass through :mod:`reviews.scoring`. The caller decides which
state of the data it reads (``scoreboard_cache`` reads one consistent snapshot).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from calls.models import Application, Call, Criterion, Partner
from reviews.models import CriterionScore
from reviews.scoring import calibrate
from reviews.scoring.robustness import RobustnessReport, analyse
from reviews.scoring.stats import (
    as_float_array,
    confidence_weights,
    summarise_criteria,
    summarise_groups,
)
from reviews.scoring.weighted import CriterionSpec
from reviews.selectors.scoreboard_figures import (
    SCOREBOARD_STATUSES,
    Figures,
    counted_reviews,
    funded_places,
)


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


def _reviews(data: dict[str, list[tuple]], app_ids: np.ndarray) -> dict[str, Any]:
    """The reviews of applications on the scoreboard (a status may change between two
    queries: reviews of an application the first query did not see are left out)."""
    reviews = data["reviews"]
    review_app = np.array([r[1] for r in reviews], dtype=np.int64)
    codes, known = _positions(app_ids, review_app)
    reviews = [r for r, k in zip(reviews, known, strict=True) if k]
    confidences = [r[4] for r in reviews]
    return {
        "rows": reviews,
        "codes": codes[known],
        "applications": review_app[known],
        "ids": np.array([r[0] for r in reviews], dtype=np.int64),
        "reviewers": [r[2] for r in reviews],
        "totals": as_float_array([r[3] for r in reviews]),
        "confidences": confidences,
        "weights": confidence_weights(confidences, len(reviews)),
    }


def _robustness(report: RobustnessReport, app_ids: np.ndarray) -> dict[str, Any]:
    """The robustness report as arrays over the applications (see :class:`Figures`)."""
    n, metrics = len(app_ids), report.metrics
    out: dict[str, Any] = {
        "robust": np.zeros(n, dtype=bool),
        "n_reviews": np.zeros(n, dtype=np.int64),
        "metric_scores": {m: np.full(n, np.nan) for m in metrics},
        "ranks": {m: np.zeros(n, dtype=np.int64) for m in metrics},
        "funded": {m: np.zeros(n, dtype=bool) for m in metrics},
        "tied": {m: np.zeros(n, dtype=bool) for m in metrics},
        "crossing_counts": {m: np.zeros(n, dtype=np.int64) for m in metrics},
        "fragile": np.zeros(n, dtype=bool),
        "reasons": {},
        "crossings": {},
    }
    results = report.applications
    index, found = _positions(app_ids, np.array([r.application_id for r in results], np.int64))
    for result, i, known in zip(results, index.tolist(), found.tolist(), strict=True):
        if known:
            _one_result(out, result, i, metrics)
    return out


def _one_result(out: dict[str, Any], result, i: int, metrics: tuple[str, ...]) -> None:
    out["robust"][i] = True
    out["n_reviews"][i] = result.n_reviews
    for m in metrics:
        value = result.scores.get(m)
        out["metric_scores"][m][i] = np.nan if value is None else value
        out["ranks"][m][i] = result.ranks.get(m) or 0
        out["funded"][m][i] = result.funded.get(m, False)
        out["tied"][m][i] = result.tied_at_line.get(m, False)
        out["crossing_counts"][m][i] = result.crossing_counts.get(m, 0)
    out["fragile"][i] = result.fragile
    if result.reasons:
        out["reasons"][i] = tuple(result.reasons)
    if result.crossings:
        out["crossings"][i] = tuple(
            (c.metric, int(c.review_application_id), int(c.reviewer_id), bool(c.own_review))
            for c in result.crossings
        )


def _consortium(data: dict[str, list[tuple]], app_ids: np.ndarray) -> dict[str, Any]:
    """Partners (in application, then position order) and disciplines (sorted by
    application) of the applications on the scoreboard."""
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
    return {
        "partner_index": partner_index.astype(np.int64),
        "partner_institute": np.array([p[1] for p in partners], dtype=np.int64),
        "partner_unit": np.array([p[3] for p in partners], dtype=np.int64),
        "institute_acronyms": {p[1]: p[2] for p in partners},
        "unit_labels": {p[3]: p[4] for p in partners},
        "discipline_index": discipline_index[by_application].astype(np.int64),
        "discipline_ids": np.array(
            [disciplines[i][1] for i in by_application.tolist()], dtype=np.int64
        ),
    }


def _reviewers(calibration, reviews: dict[str, Any]) -> dict[str, Any]:
    """One entry per reviewer (invitation), in the calibration's order."""
    names = {r[2]: r[5] for r in reviews["rows"]}
    reviewer_ids = calibration.reviewer_ids
    diagnostics = calibration.diagnostics
    return {
        "reviewer_ids": np.asarray(reviewer_ids, dtype=np.int64),
        "reviewer_names": [names.get(pk, "") for pk in reviewer_ids.tolist()],
        "reviewer_reviews": np.asarray(calibration.reviews_per_reviewer, dtype=np.int64),
        "leniency": np.asarray(calibration.leniency, dtype=float),
        "leniency_se": np.asarray(calibration.leniency_se, dtype=float),
        "thin": np.isin(reviewer_ids, np.asarray(diagnostics.thin_reviewers)),
        "isolated": np.isin(reviewer_ids, np.asarray(diagnostics.isolated_reviewers)),
        "diagnostics": diagnostics,
        "residual_sd": calibration.residual_sd,
    }


def _applications(apps: list[tuple]) -> dict[str, Any]:
    return {
        "statuses": [a[4] for a in apps],
        "references": [a[1] or "" for a in apps],
        "titles": [a[2] for a in apps],
        "acronyms": [a[3] for a in apps],
        "coordinators": [a[5] for a in apps],
        "submitted_at": [a[6] for a in apps],
    }


def compute_figures(call: Call, criteria: list[Criterion]) -> Figures:
    """Every figure of the call (see the module docstring), as the database reads now."""
    specs = [CriterionSpec.from_criterion(c) for c in criteria]
    data = _load(call)
    app_ids = np.array([a[0] for a in data["applications"]], dtype=np.int64)
    n = len(app_ids)
    reviews = _reviews(data, app_ids)
    codes, weights = reviews["codes"], reviews["weights"]
    matrix = _score_matrix(reviews["ids"], criteria, data["scores"])
    per_criterion = summarise_criteria(codes, matrix, n, specs, weights=weights) if specs else {}
    calibration = calibrate(
        application_ids=reviews["applications"].tolist(),
        reviewer_ids=reviews["reviewers"],
        scores=reviews["totals"],
        confidences=reviews["confidences"],
    )
    places = funded_places(call)
    report = analyse(
        application_ids=reviews["applications"].tolist(),
        reviewer_ids=reviews["reviewers"],
        scores=reviews["totals"],
        funded_places=places,
        calibration=calibration,
    )
    uncorrected = np.isin(app_ids, np.asarray(calibration.diagnostics.uncorrected_applications))
    return Figures(
        application_ids=app_ids,
        **_applications(data["applications"]),
        criterion_ids=[c.pk for c in criteria],
        overall=summarise_groups(codes, reviews["totals"], n, weights=weights),
        per_criterion=[per_criterion[s.id] for s in specs],
        calibrated=_by_index(calibration.application_ids, app_ids, calibration.calibrated, np.nan),
        calibrated_se=_by_index(
            calibration.application_ids, app_ids, calibration.standard_error, np.nan
        ),
        uncorrected=uncorrected & calibration.supported,
        metrics=report.metrics,
        calibration_mode=report.calibration_mode,
        **_robustness(report, app_ids),
        **_consortium(data, app_ids),
        **_reviewers(calibration, reviews),
        funded_places=places,
    )
