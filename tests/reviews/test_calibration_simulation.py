"""Simulated calls: does the calibrated score recover quality better than the raw mean?

The model the calibration assumes, with the spreads of a real call on the 0–10 scale:
quality ~ N(6, 1.5), leniency ~ N(0, 1), noise ~ N(0, 1 / √w) for a review of confidence
weight w, the score rounded to an integer and kept within 0–10. Each application gets 3
reviewers, the least loaded ones (ties drawn at random), as the assignment would do.
docs/calibration.md gives the figures these tests print.
"""

import numpy as np
import pytest
from scipy.stats import kendalltau

from reviews.scoring.calibration import calibrate
from reviews.scoring.stats import CONFIDENCE_WEIGHTS

SEEDS = range(40)
SIZES = [(55, 40), (300, 220)]  # the reference call; a large call


def simulated_call(n_applications, n_reviewers, *, seed, leniency_sd=1.0, noise_sd=1.0):
    rng = np.random.default_rng(seed)
    quality = rng.normal(6.0, 1.5, n_applications)
    leniency = rng.normal(0.0, leniency_sd, n_reviewers)
    load = np.zeros(n_reviewers)
    reviewers = []
    for _ in range(n_applications):
        chosen = np.lexsort((rng.random(n_reviewers), load))[:3]
        load[chosen] += 1
        reviewers.append(chosen)
    reviewers = np.concatenate(reviewers)
    applications = np.repeat(np.arange(n_applications), 3)
    confidences = rng.choice([2, 3, 4, 5], len(applications), p=[0.15, 0.35, 0.35, 0.15])
    weights = np.array([CONFIDENCE_WEIGHTS[c] for c in confidences])
    noise = rng.normal(0.0, noise_sd / np.sqrt(weights))
    scores = np.clip(np.round(quality[applications] + leniency[reviewers] + noise), 0, 10)
    reviews = {
        "application_ids": applications.tolist(),
        "reviewer_ids": reviewers.tolist(),
        "scores": scores.tolist(),
        "confidences": confidences.tolist(),
    }
    return reviews, quality


def centred_rmse(estimate, quality):
    error = (estimate - estimate.mean()) - (quality - quality.mean())
    return float(np.sqrt(np.mean(error**2)))


@pytest.mark.parametrize(("n_applications", "n_reviewers"), SIZES)
def test_calibrated_score_beats_the_raw_mean_in_38_of_40_simulated_calls(
    n_applications, n_reviewers
):
    wins, raw_errors, calibrated_errors = 0, [], []
    for seed in SEEDS:
        reviews, quality = simulated_call(n_applications, n_reviewers, seed=seed)
        result = calibrate(**reviews)
        assert result.supported
        raw_errors.append(centred_rmse(result.raw_mean, quality))
        calibrated_errors.append(centred_rmse(result.calibrated, quality))
        wins += calibrated_errors[-1] < raw_errors[-1]

    print(
        f"\n{n_applications} applications: calibrated wins {wins}/40, centred RMSE "
        f"{np.mean(calibrated_errors):.3f} against {np.mean(raw_errors):.3f} for the raw mean"
    )
    assert wins >= 38
    assert np.mean(calibrated_errors) < 0.9 * np.mean(raw_errors)


@pytest.mark.parametrize(("n_applications", "n_reviewers"), SIZES)
def test_calibrated_ranking_moves_little_when_one_expert_adds_two_points_to_every_score(
    n_applications, n_reviewers
):
    taus, largest_moves = [], []
    for seed in SEEDS:
        reviews, _ = simulated_call(n_applications, n_reviewers, seed=seed)
        expert = reviews["reviewer_ids"][0]
        shifted = [
            score + 2.0 * (reviewer == expert)
            for score, reviewer in zip(reviews["scores"], reviews["reviewer_ids"], strict=True)
        ]
        before = calibrate(**reviews).calibrated
        after = calibrate(**{**reviews, "scores": shifted}).calibrated
        taus.append(kendalltau(before, after).statistic)
        rank_before = np.argsort(np.argsort(-before))
        rank_after = np.argsort(np.argsort(-after))
        largest_moves.append(int(np.max(np.abs(rank_before - rank_after))))

    print(
        f"\n{n_applications} applications, one expert +2: Kendall tau mean {np.mean(taus):.3f} "
        f"(lowest {min(taus):.3f}), largest rank change median {int(np.median(largest_moves))} "
        f"(worst {max(largest_moves)})"
    )
    assert min(taus) > 0.93
    assert np.median(largest_moves) <= 0.1 * n_applications


def test_estimated_variances_recover_the_simulated_spreads():
    leniency, noise = [], []
    for seed in range(10):
        reviews, _ = simulated_call(300, 220, seed=seed)
        variance = calibrate(**reviews).diagnostics.variance
        assert variance.method == "reml"
        leniency.append(variance.leniency_sd)
        noise.append(variance.noise_sd)

    # leniency sd 1; noise sd 1 plus the rounding to integers (sd √(1/12) ≈ 0.29)
    assert np.mean(leniency) == pytest.approx(1.0, abs=0.15)
    assert np.mean(noise) == pytest.approx(np.sqrt(1 + 1 / 12), abs=0.15)


def test_shrinkage_is_strong_when_reviewers_do_not_differ_and_weak_when_they_do():
    alike, _ = simulated_call(55, 40, seed=1, leniency_sd=0.0)
    different, _ = simulated_call(55, 40, seed=1, leniency_sd=2.0, noise_sd=0.3)

    alike_result, different_result = calibrate(**alike), calibrate(**different)

    assert alike_result.fit.ridge > 20
    weights = alike_result.weights
    weighted_mean = np.bincount(
        alike_result.app_codes, weights * alike_result.scores
    ) / np.bincount(alike_result.app_codes, weights)
    assert np.max(np.abs(alike_result.calibrated - weighted_mean)) < 0.01
    assert different_result.fit.ridge < 0.3
