"""More properties of the weighted total (``reviews.scoring.weighted``), next to those in
``tests/reviews/test_weighted.py`` (N/A handling, units of scales and weights): a better
mark never lowers the total, the total is a weighted mean (between the lowest and the
highest normalised mark), the order of criteria does not matter, and the displayed
figure is the exact one rounded half up, once."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.scoring.weighted import normalised, weighted_total
from tests.reviews.test_weighted import scored_criteria


@settings(max_examples=300, deadline=None)
@given(scored_criteria(), st.data())
def test_a_better_mark_never_lowers_the_total(case, data):
    criteria, scores = case
    criterion = data.draw(st.sampled_from(criteria))
    top = Decimal(criterion.scale_max)
    raised = data.draw(st.decimals(min_value=scores[criterion.id], max_value=top, places=1))
    better = {**scores, criterion.id: raised}
    assert weighted_total(better, criteria, places=None) >= weighted_total(
        scores, criteria, places=None
    )


@settings(max_examples=300, deadline=None)
@given(scored_criteria(), st.randoms(use_true_random=False))
def test_total_is_a_weighted_mean_whatever_the_order_of_criteria(case, rnd):
    criteria, scores = case
    total = weighted_total(scores, criteria, places=None)
    marks = [normalised(scores[c.id], c) * 10 for c in criteria]
    assert min(marks) - Decimal("1e-20") <= total <= max(marks) + Decimal("1e-20")
    shuffled = criteria[:]
    rnd.shuffle(shuffled)
    assert abs(weighted_total(scores, shuffled, places=None) - total) < Decimal("1e-20")


@settings(max_examples=300, deadline=None)
@given(scored_criteria(), st.integers(0, 4))
def test_displayed_total_is_the_exact_one_rounded_half_up_once(case, places):
    criteria, scores = case
    exact = weighted_total(scores, criteria, places=None)
    shown = weighted_total(scores, criteria, places=places)
    assert shown == exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert abs(shown - exact) <= Decimal(5).scaleb(-places - 1)
