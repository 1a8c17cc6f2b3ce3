from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviews.scoring.weighted import CriterionSpec, weighted_total

EXCELLENCE = CriterionSpec(id="excellence", weight=Decimal("2.00"), scale_min=0, scale_max=5)
INTERDISCIPLINARITY = CriterionSpec(id="ai", weight=Decimal("1.00"), scale_min=1, scale_max=10)
FEASIBILITY = CriterionSpec(id="feasibility", weight=Decimal("1.00"), scale_min=0, scale_max=5)
CRITERIA = [EXCELLENCE, INTERDISCIPLINARITY, FEASIBILITY]


def test_weighted_total_is_the_weighted_mean_on_a_0_to_10_scale():
    total = weighted_total({"excellence": 4, "ai": 7, "feasibility": 5}, CRITERIA)

    # 10 × (2 × 4/5 + 1 × 6/9 + 1 × 5/5) / 4 = 8.1666…
    assert total == Decimal("8.17")


def test_weighted_total_of_best_and_worst_marks_is_ten_and_zero():
    assert weighted_total({"excellence": 5, "ai": 10, "feasibility": 5}, CRITERIA) == 10
    assert weighted_total({"excellence": 0, "ai": 1, "feasibility": 0}, CRITERIA) == 0


def test_not_applicable_is_left_out_of_scores_and_weights():
    with_na = weighted_total({"excellence": 4, "ai": None, "feasibility": 5}, CRITERIA)
    without = weighted_total({"excellence": 4, "feasibility": 5}, [EXCELLENCE, FEASIBILITY])

    # 10 × (2 × 0.8 + 1 × 1.0) / 3, not divided by 4 and not counting a zero
    assert with_na == without == Decimal("8.67")


def test_every_criterion_not_applicable_gives_no_total():
    assert weighted_total({"excellence": None, "ai": None, "feasibility": None}, CRITERIA) is None


def test_rounding_is_half_up_and_floats_are_read_as_written():
    criterion = CriterionSpec(id=1, weight=1, scale_min=0, scale_max=200)

    assert weighted_total({1: Decimal("46.9")}, [criterion]) == Decimal("2.35")
    assert weighted_total({1: Decimal("46.9")}, [criterion], places=None) == Decimal("2.345")
    tenth = CriterionSpec(id=1, weight=0.1, scale_min=0, scale_max=0.3)
    assert weighted_total({1: 0.1}, [tenth], places=None) == Decimal(10) / 3


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({"excellence": 4, "ai": 7}, "no score"),
        ({"excellence": 4, "ai": 7, "feasibility": 5, "other": 1}, "unknown criteria"),
        ({"excellence": 6, "ai": 7, "feasibility": 5}, "outside"),
        ({"excellence": 4, "ai": 0, "feasibility": 5}, "outside"),
        ({"excellence": True, "ai": 7, "feasibility": 5}, "boolean"),
        ({"excellence": float("nan"), "ai": 7, "feasibility": 5}, "finite"),
    ],
)
def test_weighted_total_rejects_incomplete_or_invalid_scores(scores, message):
    with pytest.raises((ValueError, TypeError), match=message):
        weighted_total(scores, CRITERIA)


def test_weighted_total_rejects_a_non_positive_weight():
    with pytest.raises(ValueError, match="weight"):
        weighted_total({1: 3}, [CriterionSpec(id=1, weight=0)])


# --- properties -------------------------------------------------------------------------


@st.composite
def scored_criteria(draw, min_size=1):
    size = draw(st.integers(min_value=min_size, max_value=6))
    criteria, scores = [], {}
    for index in range(size):
        low = draw(st.integers(min_value=-5, max_value=5))
        width = draw(st.integers(min_value=1, max_value=20))
        weight = Decimal(draw(st.integers(min_value=1, max_value=10_000))) / 100
        criteria.append(
            CriterionSpec(id=index, weight=weight, scale_min=low, scale_max=low + width)
        )
        tenths = draw(st.integers(min_value=0, max_value=width * 10))
        scores[index] = Decimal(low) + Decimal(tenths) / 10
    return criteria, scores


def _substituted(scores, missing, criteria, attribute):
    by_id = {c.id: c for c in criteria}
    return {
        key: (getattr(by_id[key], attribute) if key in missing else value)
        for key, value in scores.items()
    }


@given(scored_criteria(min_size=2), st.data())
def test_na_neither_counts_as_the_lowest_nor_as_the_highest_mark(case, data):
    criteria, scores = case
    missing = set(data.draw(st.sets(st.sampled_from(sorted(scores)), max_size=len(scores) - 1)))
    with_na = {key: (None if key in missing else value) for key, value in scores.items()}

    total = weighted_total(with_na, criteria, places=None)
    as_zero = weighted_total(
        _substituted(scores, missing, criteria, "scale_min"), criteria, places=None
    )
    as_top = weighted_total(
        _substituted(scores, missing, criteria, "scale_max"), criteria, places=None
    )
    kept = [c for c in criteria if c.id not in missing]
    only_kept = weighted_total({c.id: scores[c.id] for c in kept}, kept, places=None)

    assert total == only_kept
    assert as_zero <= total <= as_top
    if missing:
        assert (total == as_zero) == (total == 0)
        assert (total == as_top) == (total == 10)


@given(
    scored_criteria(),
    st.integers(min_value=1, max_value=7),
    st.integers(min_value=-20, max_value=20),
    st.integers(min_value=1, max_value=1000),
)
def test_total_does_not_depend_on_the_units_of_scales_or_weights(case, stretch, shift, factor):
    criteria, scores = case
    rescaled = [
        CriterionSpec(
            id=c.id,
            weight=c.weight * factor,
            scale_min=c.scale_min * stretch + shift,
            scale_max=c.scale_max * stretch + shift,
        )
        for c in criteria
    ]
    moved = {key: value * stretch + shift for key, value in scores.items()}

    original = weighted_total(scores, criteria, places=None)
    assert abs(weighted_total(moved, rescaled, places=None) - original) < Decimal("1e-20")
    assert 0 <= original <= 10
