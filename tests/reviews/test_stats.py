from decimal import Decimal

import numpy as np
import pytest

from reviews.scoring.stats import (
    DisagreementThresholds,
    confidence_weights,
    encode,
    summarise,
    summarise_criteria,
    summarise_groups,
)
from reviews.scoring.weighted import CriterionSpec

EXCELLENCE = CriterionSpec(id="excellence", weight=2, scale_min=0, scale_max=5)
FEASIBILITY = CriterionSpec(id="feasibility", weight=1, scale_min=0, scale_max=10)


def test_summary_of_one_application():
    stats = summarise([Decimal("6.00"), Decimal("8.00"), Decimal("4.00")]).overall

    assert stats.count == 3
    assert stats.mean == pytest.approx(6.0)
    assert stats.weighted_mean == pytest.approx(6.0)
    assert stats.median == pytest.approx(6.0)
    assert stats.sd == pytest.approx(2.0)
    assert (stats.minimum, stats.maximum, stats.spread) == (4.0, 8.0, 4.0)
    assert stats.disagreement is True  # 4 points apart on 0–10 is above 30 %


def test_reviews_without_a_total_are_not_counted():
    stats = summarise([Decimal("7.00"), None, Decimal("8.00")]).overall

    assert stats.count == 2
    assert stats.mean == pytest.approx(7.5)
    assert stats.median == pytest.approx(7.5)
    assert stats.disagreement is False


def test_one_review_has_no_spread_and_no_disagreement():
    stats = summarise([Decimal("5.50")]).overall

    assert (stats.count, stats.mean, stats.median, stats.sd) == (1, 5.5, 5.5, None)
    assert stats.spread == 0.0
    assert stats.disagreement is False


def test_no_review_gives_empty_figures():
    stats = summarise([]).overall

    assert (stats.count, stats.mean, stats.median, stats.sd, stats.disagreement) == (
        0,
        None,
        None,
        None,
        False,
    )


def test_weighted_mean_follows_declared_confidence():
    stats = summarise([4, 8], confidences=[1, 5]).overall

    assert stats.mean == pytest.approx(6.0)
    assert stats.weighted_mean == pytest.approx((4 * 0.5 + 8 * 1.5) / 2)


def test_confidence_outside_one_to_five_is_refused():
    with pytest.raises(ValueError, match="confidence"):
        confidence_weights([3, 9], 2)


def test_disagreement_threshold_is_configurable_relative_to_the_scale():
    strict = DisagreementThresholds(spread_fraction=0.1, sd_fraction=1.0)

    assert summarise([6, 8]).overall.disagreement is False
    assert summarise([6, 8], thresholds=strict).overall.disagreement is True


def test_per_criterion_means_ignore_not_applicable():
    stats = summarise(
        [7, 8, 6],
        criterion_scores=[
            {"excellence": 4, "feasibility": None},
            {"excellence": 5, "feasibility": 8},
            {"excellence": 0, "feasibility": 6},
        ],
        criteria=[EXCELLENCE, FEASIBILITY],
    )

    excellence, feasibility = stats.criteria["excellence"], stats.criteria["feasibility"]
    assert (excellence.count, excellence.mean, excellence.median) == (3, 3.0, 4.0)
    assert excellence.disagreement is True  # 5 points apart on a 0–5 scale
    assert (feasibility.count, feasibility.mean) == (2, 7.0)
    assert feasibility.disagreement is False  # 2 points apart on a 0–10 scale


def test_vectorised_summary_matches_one_application_at_a_time():
    rng = np.random.default_rng(7)
    application_ids = rng.choice(["A-1", "A-2", "A-3", "A-4", "A-5"], size=40)
    totals = np.round(rng.uniform(0, 10, size=40), 2)
    totals[[3, 11]] = np.nan
    confidences = rng.integers(1, 6, size=40)

    codes, ids = encode(application_ids)
    groups = summarise_groups(
        codes, totals, len(ids), weights=confidence_weights(confidences.tolist(), 40)
    )

    for index, application in enumerate(ids):
        mine = application_ids == application
        one = summarise(
            [None if np.isnan(t) else t for t in totals[mine]],
            confidences=confidences[mine].tolist(),
        ).overall
        assert groups.count[index] == one.count
        assert groups.mean[index] == pytest.approx(one.mean)
        assert groups.weighted_mean[index] == pytest.approx(one.weighted_mean)
        assert groups.median[index] == pytest.approx(np.nanmedian(totals[mine]))
        assert groups.sd[index] == pytest.approx(np.nanstd(totals[mine], ddof=1))
        assert groups.spread[index] == pytest.approx(
            np.nanmax(totals[mine]) - np.nanmin(totals[mine])
        )
        assert bool(groups.disagreement[index]) == one.disagreement


def test_vectorised_summary_leaves_applications_without_reviews_empty():
    groups = summarise_groups(np.array([0, 0, 2]), np.array([5.0, 7.0, 9.0]), 3)

    assert groups.count.tolist() == [2, 0, 1]
    assert np.isnan(groups.mean[1]) and np.isnan(groups.median[1])
    assert groups.median.tolist()[0::2] == [6.0, 9.0]


def test_vectorised_per_criterion_summary():
    codes = np.array([0, 0, 1, 1])
    matrix = np.array([[5, np.nan], [3, 4], [1, 10], [np.nan, np.nan]])

    groups = summarise_criteria(codes, matrix, 2, [EXCELLENCE, FEASIBILITY])

    assert groups["excellence"].mean.tolist() == [4.0, 1.0]
    assert groups["excellence"].count.tolist() == [2, 1]
    assert groups["feasibility"].mean.tolist() == [4.0, 10.0]
