"""Properties of the tie-break (``reviews.scoring.tiebreak.break_ties``) over random
candidates, written tie-break orders and funding lines: the order is a total, stable,
score-first order, each pair of tied neighbours is decided by the first rule that
separates them, later rules never overturn earlier ones, and a better score never costs
a place."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.scoring.tiebreak import (
    APPLICATION_ID,
    CALIBRATED,
    INSTITUTES,
    MEDIAN,
    REFERENCE,
    SUBMITTED_AT,
    UNITS,
    TieCandidate,
    break_ties,
)

RULES = ["criterion:1", "criterion:2", INSTITUTES, UNITS, CALIBRATED, MEDIAN, SUBMITTED_AT]
HIGHER_FIRST = {"criterion:1", "criterion:2", INSTITUTES, UNITS, CALIBRATED, MEDIAN}
START = datetime(2025, 3, 1, 12, tzinfo=UTC)

# Few distinct values, so that ties are frequent; scores equal at 2 places are tied.
scores = st.sampled_from([None, 7, 7.001, 7.004, 7.006, 6.5, Decimal("6.50"), 5, 9.995])
small = st.one_of(st.none(), st.integers(min_value=0, max_value=3))
marks = st.one_of(st.none(), st.sampled_from([3, 3.5, 4, 4.004]))
dates = st.one_of(st.none(), st.integers(0, 3).map(lambda days: START + timedelta(days=days)))
references = st.one_of(st.none(), st.sampled_from(["AISSAI-001", "AISSAI-002", "AISSAI-010"]))


@st.composite
def candidates(draw, min_size=0, max_size=12):
    count = draw(st.integers(min_size, max_size))
    ids = draw(st.lists(st.integers(1, 500), min_size=count, max_size=count, unique=True))
    return [
        TieCandidate(
            application_id=pk,
            score=draw(scores),
            criteria={1: draw(marks), 2: draw(marks)},
            institutes=draw(small),
            units=draw(small),
            calibrated=draw(marks),
            median=draw(marks),
            submitted_at=draw(dates),
            reference=draw(references),
        )
        for pk in ids
    ]


written_orders = st.lists(st.sampled_from(RULES), unique=True, max_size=len(RULES))


def rounded(value):
    if value is None:
        return None
    return Decimal(repr(value) if isinstance(value, float) else value).quantize(Decimal("0.01"))


def value(candidate, rule):
    name, _sep, argument = rule.partition(":")
    if name == "criterion":
        return rounded(candidate.criteria.get(int(argument)))
    if rule in (CALIBRATED, MEDIAN):
        return rounded(getattr(candidate, rule))
    return getattr(candidate, rule)


def comes_first(a, b, rule) -> bool:
    """Whether value ``a`` ranks before value ``b`` under ``rule`` (missing last)."""
    if a is None or b is None:
        return a is not None
    return a > b if rule in HIGHER_FIRST else a < b


def chain(rules):
    return list(rules) + [r for r in (SUBMITTED_AT, REFERENCE, APPLICATION_ID) if r not in rules]


def score_key(candidate):
    score = rounded(candidate.score)
    return (1, 0) if score is None else (0, -score)


@settings(max_examples=300, deadline=None)
@given(candidates(), written_orders, st.randoms(use_true_random=False))
def test_order_is_a_permutation_that_ignores_the_input_order(cands, rules, rnd):
    result = break_ties(cands, rules)
    shuffled = cands[:]
    rnd.shuffle(shuffled)

    assert sorted(result.order) == sorted(c.application_id for c in cands)
    assert break_ties(shuffled, rules).order == result.order


@settings(max_examples=300, deadline=None)
@given(candidates(), written_orders, st.integers(0, 13))
def test_score_first_then_each_pair_decided_by_the_first_rule_that_separates(cands, rules, funded):
    result = break_ties(cands, rules, funded_places=funded)
    by_id = {c.application_id: c for c in cands}
    ordered = [by_id[pk] for pk in result.order]
    full_chain = chain(result.rules)

    keys = [score_key(c) for c in ordered]
    assert keys == sorted(keys)  # scores never increase down the order, missing last

    # Tie groups are exactly the runs of equal rounded scores with two or more members.
    runs, start = [], 0
    for end in range(1, len(ordered) + 1):
        if end == len(ordered) or keys[end] != keys[start]:
            if end - start > 1:
                runs.append((start, end))
            start = end
    assert [g.application_ids for g in result.groups] == [tuple(result.order[s:e]) for s, e in runs]
    for group, (start, end) in zip(result.groups, runs, strict=True):
        assert group.straddles_line == (start < funded < end)
        assert len(group.decisions) == len(group.application_ids) - 1
        for decision, first, second in zip(
            group.decisions, group.application_ids, group.application_ids[1:], strict=False
        ):
            assert (decision.first, decision.second) == (first, second)
            a, b = by_id[first], by_id[second]
            index = full_chain.index(decision.rule)
            for earlier in full_chain[:index]:
                assert value(a, earlier) == value(b, earlier), earlier
            assert comes_first(value(a, decision.rule), value(b, decision.rule), decision.rule)
            assert decision.fallback == (decision.rule not in result.rules)
            assert (decision.first_value, decision.second_value) == (
                value(a, decision.rule),
                value(b, decision.rule),
            )


@settings(max_examples=200, deadline=None)
@given(candidates(min_size=2), written_orders, st.sampled_from(RULES))
def test_a_later_rule_never_overturns_an_earlier_one(cands, rules, extra):
    """Appending a rule to the written order only reorders pairs that every earlier written
    rule left equal (those the fallback decided before)."""
    before = break_ties(cands, rules)
    longer = rules if extra in rules else [*rules, extra]
    after = break_ties(cands, longer)
    place = {pk: i for i, pk in enumerate(after.order)}
    for group in before.groups:
        for decision in group.decisions:
            if not decision.fallback:
                assert place[decision.first] < place[decision.second]


@settings(max_examples=200, deadline=None)
@given(candidates(min_size=1), written_orders, st.data())
def test_a_better_score_never_costs_a_place(cands, rules, data):
    index = data.draw(st.integers(0, len(cands) - 1))
    raised = data.draw(st.sampled_from([9.995, 10, 11]))
    target = cands[index]
    assert target.score is None or raised >= target.score
    better = [*cands[:index], _with_score(target, raised), *cands[index + 1 :]]

    before = break_ties(cands, rules).order.index(target.application_id)
    after = break_ties(better, rules).order.index(target.application_id)
    assert after <= before


def _with_score(candidate, score):
    fields = {name: getattr(candidate, name) for name in candidate.__dataclass_fields__}
    return TieCandidate(**{**fields, "score": score})
