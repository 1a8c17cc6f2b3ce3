import time

import numpy as np
import pytest
from django.utils.functional import Promise
from django.utils.translation import override

from reviews.scoring.calibration import (
    DENSE_LIMIT,
    CalibrationThresholds,
    ReasonCode,
    calibrate,
)
from reviews.scoring.stats import CONFIDENCE_WEIGHTS


def simulate(
    n_applications, n_reviewers, per_application, *, bias=1.5, noise=0.3, seed=0, confidences=False
):
    """Reviews from known qualities and leniencies (reviewers drawn evenly, no repeats)."""
    rng = np.random.default_rng(seed)
    quality = rng.uniform(3, 8, n_applications)
    leniency = rng.uniform(-bias, bias, n_reviewers)
    reviewers = np.empty((n_applications, per_application), dtype=np.int64)
    deck = rng.permutation(n_reviewers)
    for application in range(n_applications):
        for slot in range(per_application):
            if len(deck) == 0:
                deck = rng.permutation(n_reviewers)
            pick = next((i for i, r in enumerate(deck) if r not in reviewers[application, :slot]))
            reviewers[application, slot] = deck[pick]
            deck = np.delete(deck, pick)
    applications = np.repeat(np.arange(n_applications), per_application)
    reviewers = reviewers.ravel()
    scores = quality[applications] + leniency[reviewers] + rng.normal(0, noise, len(applications))
    declared = rng.integers(1, 6, len(scores)).tolist() if confidences else None
    return {
        "application_ids": applications.tolist(),
        "reviewer_ids": reviewers.tolist(),
        "scores": scores.tolist(),
        "confidences": declared,
        "quality": quality,
        "leniency": leniency,
    }


def _reviews(data):
    return {key: data[key] for key in ("application_ids", "reviewer_ids", "scores", "confidences")}


def test_calibration_recovers_known_leniencies():
    data = simulate(60, 20, 3)

    result = calibrate(**_reviews(data))

    assert result.supported
    assert result.diagnostics.reasons == ()
    assert np.corrcoef(result.leniency, data["leniency"])[0, 1] > 0.9
    assert abs(result.leniency.mean()) < 1e-6  # anchored: leniencies average zero
    raw_error = np.abs(
        result.raw_mean - result.raw_mean.mean() - data["quality"] + data["quality"].mean()
    )
    calibrated_error = np.abs(
        result.calibrated - result.calibrated.mean() - data["quality"] + data["quality"].mean()
    )
    assert calibrated_error.mean() < raw_error.mean() / 2
    assert result.residual_sd == pytest.approx(0.3, rel=0.35)
    assert np.all(result.standard_error > 0) and np.all(result.standard_error < 1)


def test_shifting_every_score_of_one_reviewer_leaves_the_order_unchanged_with_a_small_ridge():
    data = simulate(60, 20, 3)
    shifted = list(data["scores"])
    for index, reviewer in enumerate(data["reviewer_ids"]):
        if reviewer == 4:
            shifted[index] -= 2.0  # a much harsher reviewer

    before = calibrate(**_reviews(data), ridge=1e-3)
    after = calibrate(**{**_reviews(data), "scores": shifted}, ridge=1e-3)

    assert np.array_equal(np.argsort(-before.calibrated), np.argsort(-after.calibrated))
    moved = after.calibrated - before.calibrated
    assert np.ptp(moved) < 1e-3  # every application moves by the same constant
    leniency_change = after.leniency - before.leniency
    assert leniency_change[4] - leniency_change[0] == pytest.approx(-2.0, abs=1e-3)
    # the raw means of that reviewer's applications did move
    assert not np.array_equal(np.argsort(-before.raw_mean), np.argsort(-after.raw_mean))


@pytest.mark.parametrize("n_reviewers", [12, DENSE_LIMIT + 50])
def test_calibration_is_the_weighted_ridge_least_squares_solution(n_reviewers):
    data = simulate(n_reviewers * 2, n_reviewers, 3, seed=3, confidences=True)
    result = calibrate(**_reviews(data))

    n_apps = len(result.application_ids)
    design = np.zeros((len(data["scores"]), n_apps + n_reviewers))
    design[np.arange(len(data["scores"])), result.app_codes] = 1.0
    design[np.arange(len(data["scores"])), n_apps + result.reviewer_codes] = 1.0
    weights = np.array([CONFIDENCE_WEIGHTS[c] for c in data["confidences"]])
    penalty = np.diag([0.0] * n_apps + [result.fit.ridge] * n_reviewers)
    normal = design.T @ (weights[:, None] * design) + penalty
    solution = np.linalg.solve(normal, design.T @ (weights * np.array(data["scores"])))

    assert np.allclose(result.calibrated, solution[:n_apps], atol=1e-6)
    assert np.allclose(result.leniency, solution[n_apps:], atol=1e-6)
    assert result.diagnostics.variance.estimated


def test_calibration_by_id_for_string_ids():
    result = calibrate(
        application_ids=["A-1", "A-1", "A-2", "A-2", "A-3", "A-3"],
        reviewer_ids=["kim", "lou", "kim", "lou", "kim", "lou"],
        scores=[6, 8, 5, 7, 7, None],
        thresholds=CalibrationThresholds(
            min_reviews_per_reviewer=2, min_mean_reviews_per_reviewer=2
        ),
    )

    assert result.diagnostics.n_reviews == 5
    leniency = result.leniency_by_reviewer()
    assert leniency["lou"] - leniency["kim"] == pytest.approx(2.0, abs=1e-3)
    assert result.calibrated_by_application()["A-3"] == pytest.approx(8.0, abs=1e-3)


def test_disconnected_review_graph_is_not_calibrated():
    # two panels of three reviewers that never review the same application
    panel_one = simulate(12, 3, 3, seed=1)
    panel_two = simulate(12, 3, 3, seed=2)

    result = calibrate(
        application_ids=panel_one["application_ids"]
        + [a + 100 for a in panel_two["application_ids"]],
        reviewer_ids=panel_one["reviewer_ids"] + [r + 100 for r in panel_two["reviewer_ids"]],
        scores=panel_one["scores"] + panel_two["scores"],
    )

    assert not result.supported
    assert result.diagnostics.reason_codes == (ReasonCode.DISCONNECTED,)
    assert result.diagnostics.n_components == 2
    assert result.diagnostics.component_sizes == ((12, 3), (12, 3))
    assert np.all(np.isnan(result.calibrated)) and np.all(np.isnan(result.leniency))
    assert result.calibrated_by_application()[0] is None
    reason = result.diagnostics.reasons[0]
    assert isinstance(reason.message, Promise)
    with override("en"):
        assert str(reason) == (
            "The reviewers form 2 separate groups that share no application; "
            "scores from different groups cannot be compared."
        )
        assert (
            str(result.diagnostics.headline)
            == "The data are too thin to calibrate: raw figures only."
        )


def test_thin_reviewers_are_reported():
    data = simulate(30, 5, 3, seed=4)
    # ten extra reviewers with one review each on already reviewed applications
    application_ids = data["application_ids"] + list(range(10))
    reviewer_ids = data["reviewer_ids"] + list(range(100, 110))
    scores = data["scores"] + [5.0] * 10

    result = calibrate(application_ids=application_ids, reviewer_ids=reviewer_ids, scores=scores)

    assert not result.supported
    assert result.diagnostics.reason_codes == (ReasonCode.THIN_REVIEWERS,)
    assert result.diagnostics.thin_reviewers == tuple(range(100, 110))
    with override("en"):
        assert str(result.diagnostics.reasons[0]) == (
            "10 of 15 reviewers wrote fewer than 3 reviews; "
            "their leniency cannot be estimated reliably."
        )


def test_reviews_too_thin_overall_are_reported():
    data = simulate(10, 10, 2, seed=5)

    result = calibrate(**_reviews(data))

    assert not result.supported
    assert ReasonCode.THIN_OVERALL in result.diagnostics.reason_codes
    assert result.diagnostics.mean_reviews_per_reviewer == 2.0
    with override("en"):
        message = str(result.diagnostics.reasons[-1])
    assert message == (
        "Reviewers wrote 2.0 reviews each on average; at least 3 are needed to estimate leniencies."
    )


def test_reviewers_sharing_no_application_cannot_be_compared():
    result = calibrate(
        application_ids=[1, 2, 3, 4, 5, 6],
        reviewer_ids=["a", "a", "a", "b", "b", "b"],
        scores=[5, 6, 7, 5, 6, 7],
    )

    assert result.diagnostics.reason_codes == (ReasonCode.NO_SHARED_APPLICATIONS,)


def test_no_reviews_is_reported():
    result = calibrate(application_ids=[1], reviewer_ids=["a"], scores=[None])

    assert result.diagnostics.reason_codes == (ReasonCode.NO_REVIEWS,)
    assert result.diagnostics.n_reviews == 0


def test_a_reviewer_alone_with_their_applications_keeps_raw_scores_and_is_noted():
    data = simulate(30, 6, 3, seed=6)
    result = calibrate(
        application_ids=data["application_ids"] + [900, 901, 902],
        reviewer_ids=data["reviewer_ids"] + [99, 99, 99],
        scores=data["scores"] + [9.0, 8.0, 7.0],
    )

    diagnostics = result.diagnostics
    assert diagnostics.supported
    assert [note.code for note in diagnostics.notes] == [ReasonCode.ISOLATED_REVIEWERS]
    assert diagnostics.isolated_reviewers == (99,)
    assert diagnostics.uncorrected_applications == (900, 901, 902)
    assert result.leniency_by_reviewer()[99] == pytest.approx(0.0, abs=1e-9)
    assert result.calibrated_by_application()[900] == pytest.approx(9.0)


def test_calibration_of_forty_thousand_reviews_takes_under_ten_seconds():
    rng = np.random.default_rng(2025)
    n_applications, n_reviewers, per_application = 10_000, 3_000, 4
    reviewers = rng.integers(0, n_reviewers, (n_applications, per_application))
    while True:  # redraw applications that got the same reviewer twice
        ordered = np.sort(reviewers, axis=1)
        repeated = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        if not repeated.any():
            break
        reviewers[repeated] = rng.integers(0, n_reviewers, (repeated.sum(), per_application))
    applications = np.repeat(np.arange(n_applications), per_application)
    leniency = rng.uniform(-1.5, 1.5, n_reviewers)
    quality = rng.uniform(3, 8, n_applications)
    scores = np.clip(
        quality[applications] + leniency[reviewers.ravel()] + rng.normal(0, 0.3, len(applications)),
        0,
        10,
    )
    confidences = rng.integers(1, 6, len(scores))

    started = time.perf_counter()
    result = calibrate(
        application_ids=applications.tolist(),
        reviewer_ids=reviewers.ravel().tolist(),
        scores=scores.tolist(),
        confidences=confidences.tolist(),
    )
    elapsed = time.perf_counter() - started

    print(f"\ncalibration of {len(scores):,} reviews: {elapsed:.3f} s")
    assert elapsed < 10
    assert result.supported
    assert (len(result.application_ids), len(result.reviewer_ids)) == (10_000, 3_000)
    assert np.corrcoef(result.leniency, leniency)[0, 1] > 0.95
    # Beyond 1,000 reviewers the variances are moment estimates (uniform ±1.5: sd 0.87)
    variance = result.diagnostics.variance
    assert variance.method == "moments"
    assert variance.leniency_sd == pytest.approx(np.sqrt(0.75), abs=0.06)
    assert variance.noise_sd == pytest.approx(0.3, abs=0.03)
    assert not result.diagnostics.exact_errors
