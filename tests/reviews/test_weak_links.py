"""Weak links: two panels of experts compared through a single review, expert or application."""

import numpy as np
import pytest
from django.utils.translation import override

from reviews.scoring.calibration import ReasonCode, calibrate
from reviews.scoring.links import LinkKind, WeakLink
from reviews.scoring.stats import CONFIDENCE_WEIGHTS
from tests.reviews.test_calibration_simulation import simulated_call


def two_panels(*, seed=0):
    """Panel A: applications 0–26, experts 0–19; panel B: applications 27–54, experts
    20–39; each well connected inside, sharing nothing with the other."""
    a, _ = simulated_call(27, 20, seed=seed)
    b, _ = simulated_call(28, 20, seed=seed + 100)
    return {
        "application_ids": a["application_ids"] + [x + 27 for x in b["application_ids"]],
        "reviewer_ids": a["reviewer_ids"] + [x + 20 for x in b["reviewer_ids"]],
        "confidences": a["confidences"] + b["confidences"],
    }


def with_reviews(panels, *pairs):
    """The panels plus a review (confidence 3) by each (expert, application) pair."""
    return {
        "application_ids": panels["application_ids"] + [app for _, app in pairs],
        "reviewer_ids": panels["reviewer_ids"] + [expert for expert, _ in pairs],
        "confidences": panels["confidences"] + [3] * len(pairs),
    }


def test_two_panels_joined_by_one_review_are_warned_naming_that_review():
    reviews = with_reviews(two_panels(), (20, 0))  # expert 20 (panel B) reads application 0

    result = calibrate(**reviews, scores=[5.0] * len(reviews["application_ids"]))

    assert result.supported
    assert result.diagnostics.weak_links == (
        WeakLink(LinkKind.REVIEW, reviewer_id=20, application_id=0, reviewers=20, applications=27),
    )
    assert [note.code for note in result.diagnostics.notes] == [ReasonCode.WEAK_LINKS]
    with override("en"):
        assert str(result.diagnostics.notes[0]) == (
            "Groups of reviewers are compared through 1 single link (one review, expert or "
            "application): the calibrated scores of one group against the other rest on it "
            "and are uncertain."
        )
    with override("fr"):
        assert str(result.diagnostics.notes[0]).startswith(
            "Des groupes d’experts ne sont comparés que par 1 seul lien"
        )


def test_an_expert_reading_in_both_panels_is_named_as_the_link():
    # expert 99 reads two applications of each panel: no single review is a bridge
    reviews = with_reviews(two_panels(), (99, 0), (99, 1), (99, 30), (99, 31))

    result = calibrate(**reviews, scores=[5.0] * len(reviews["application_ids"]))

    assert result.diagnostics.weak_links == (
        WeakLink(
            LinkKind.REVIEWER, reviewer_id=99, application_id=None, reviewers=20, applications=27
        ),
    )


def test_an_application_read_by_one_expert_of_each_panel_is_named_as_the_link():
    reviews = with_reviews(two_panels(), (0, 99), (20, 99))  # application 99, one expert each

    result = calibrate(**reviews, scores=[5.0] * len(reviews["application_ids"]))

    assert result.diagnostics.weak_links == (
        WeakLink(
            LinkKind.APPLICATION, reviewer_id=None, application_id=99, reviewers=20, applications=27
        ),
    )


def test_panels_joined_by_two_independent_reviews_have_no_single_link():
    reviews = with_reviews(two_panels(), (20, 0), (21, 5))

    result = calibrate(**reviews, scores=[5.0] * len(reviews["application_ids"]))

    assert result.diagnostics.weak_links == ()
    assert result.diagnostics.notes == ()


@pytest.mark.parametrize("seed", range(5))
def test_a_call_assigned_three_reviewers_each_has_no_weak_link(seed):
    reviews, _ = simulated_call(55, 40, seed=seed)

    assert calibrate(**reviews).diagnostics.weak_links == ()


def test_exact_standard_errors_match_a_simulation_of_the_weakly_linked_panel():
    """The model with known truth, 120 draws: the displayed standard error of panel B's
    applications against the spread of their actual errors. The former approximation
    (leniency covariances left out) understated it by a third with a small ridge."""
    reviews = with_reviews(two_panels(), (20, 0))
    applications = np.array(reviews["application_ids"])
    experts = np.array(reviews["reviewer_ids"])
    weights = np.array([CONFIDENCE_WEIGHTS[c] for c in reviews["confidences"]])
    rng = np.random.default_rng(0)
    quality = rng.normal(6.0, 1.5, 55)
    panel_b = slice(27, 55)
    ratios = {}
    for ridge in (None, 1e-3):  # estimated from the data; the former fixed ridge
        errors, displayed, former = [], [], []
        for _ in range(120):
            leniency = rng.normal(0.0, 1.0, 40)
            noise = rng.normal(0.0, 1.0 / np.sqrt(weights))
            scores = quality[applications] + leniency[experts] + noise
            result = calibrate(**reviews, scores=scores.tolist(), ridge=ridge)
            errors.append(result.calibrated - quality - leniency.mean())
            displayed.append(result.standard_error)
            fit = result.fit
            scaled = fit.coupling.multiply(1.0 / fit.app_weight[:, None]).tocsr()
            former.append(
                result.residual_sd
                * np.sqrt(1 / fit.app_weight + scaled.multiply(scaled) @ (1 / fit.schur.diagonal()))
            )
        true_se = np.std(errors, axis=0)[panel_b].mean()
        ratios[ridge] = (
            np.mean(displayed, axis=0)[panel_b].mean() / true_se,
            np.mean(former, axis=0)[panel_b].mean() / true_se,
        )
        assert result.diagnostics.exact_errors

    print(f"\nstandard error / true error, (exact, former approximation): {ratios}")
    assert ratios[None][0] == pytest.approx(1.0, abs=0.1)
    assert ratios[1e-3][0] == pytest.approx(1.0, abs=0.1)
    assert ratios[1e-3][1] < 0.75
