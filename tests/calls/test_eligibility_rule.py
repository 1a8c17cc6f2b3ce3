"""The consortium rule: at least ``min_units`` units from at least ``min_institutes``
institutes, each partner counted under the institute it takes part for."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calls.eligibility import check_consortium
from calls.services.completeness import consortium_report
from tests.factories.calls import ApplicationFactory, PartnerFactory, UnitFactory, institute


def report(pairs, units=2, institutes=2):
    return check_consortium(pairs, min_units=units, min_institutes=institutes)


@pytest.mark.parametrize(
    ("pairs", "eligible", "message"),
    [
        ([], False, "0 units from 0 institutes: add 2 units from institutes not yet represented."),
        ([(1, 10)], False, "1 unit from 1 institute: add a unit from another institute."),
        ([(1, 10), (2, 10)], False, "2 units from 1 institute: add a unit from another institute."),
        ([(1, 10), (2, 20)], True, "2 units from 2 institutes: the consortium rule is met."),
        (
            [(1, 10), (2, 20), (3, 20)],
            True,
            "3 units from 2 institutes: the consortium rule is met.",
        ),
    ],
)
def test_aissai_rule_messages(pairs, eligible, message):
    result = report(pairs)
    assert result.is_eligible is eligible
    assert result.message() == message


def test_a_unit_listed_twice_counts_once_under_its_first_institute():
    result = report([(1, 10), (1, 20)])
    assert (result.units, result.institutes) == (1, 1)
    assert not result.is_eligible


def test_more_units_needed_than_institutes():
    result = report([(1, 10), (2, 20)], units=4, institutes=3)
    assert result.message() == (
        "2 units from 2 institutes: add 2 more units, one of them from another institute."
    )


def test_enough_institutes_but_too_few_units():
    result = report([(1, 10), (2, 20)], units=3, institutes=2)
    assert result.message() == "2 units from 2 institutes: add 1 more unit."


def test_missing_ids_are_ignored():
    assert report([(None, 10), (1, None)]).units == 0


@pytest.mark.django_db
def test_application_counted_by_the_institute_each_partner_takes_part_under():
    """A unit whose main institute is INS2I but takes part under INSMI counts for INSMI."""
    application = ApplicationFactory()
    unit_a = UnitFactory(main_institute=institute("INS2I"))
    unit_b = UnitFactory(main_institute=institute("INS2I"))
    unit_b.secondary_institutes.add(institute("INSMI"))
    PartnerFactory(application=application, unit=unit_a, institute=institute("INS2I"))
    partner_b = PartnerFactory(application=application, unit=unit_b, institute=institute("INS2I"))
    assert not consortium_report(application).is_eligible

    partner_b.institute = institute("INSMI")
    partner_b.save()
    assert consortium_report(application).is_eligible


# --- Properties over random partner sets -------------------------------------------------

partner_sets = st.lists(
    st.tuples(st.integers(min_value=1, max_value=30), st.integers(min_value=1, max_value=10)),
    max_size=25,
)
minimums = st.integers(min_value=1, max_value=6)


@settings(max_examples=300, deadline=None)
@given(pairs=partner_sets, min_units=minimums, min_institutes=minimums)
def test_counts_match_a_direct_computation(pairs, min_units, min_institutes):
    first_institute = {}
    for unit, inst in pairs:
        first_institute.setdefault(unit, inst)
    result = check_consortium(pairs, min_units=min_units, min_institutes=min_institutes)
    assert result.units == len(first_institute)
    assert result.institutes == len(set(first_institute.values()))
    assert result.is_eligible == (
        len(first_institute) >= min_units and len(set(first_institute.values())) >= min_institutes
    )
    assert result.institutes <= result.units


@settings(max_examples=200, deadline=None)
@given(pairs=partner_sets, extra=st.tuples(st.integers(31, 60), st.integers(1, 12)))
def test_adding_a_new_unit_never_makes_an_eligible_consortium_ineligible(pairs, extra):
    before = report(pairs)
    after = report([*pairs, extra])
    assert after.units == before.units + 1
    assert after.institutes >= before.institutes
    if before.is_eligible:
        assert after.is_eligible


@settings(max_examples=200, deadline=None)
@given(pairs=partner_sets, seed=st.randoms(use_true_random=False))
def test_order_of_distinct_units_does_not_matter(pairs, seed):
    unique = list({unit: (unit, inst) for unit, inst in reversed(pairs)}.values())
    shuffled = unique[:]
    seed.shuffle(shuffled)
    assert report(unique) == report(shuffled)


@settings(max_examples=200, deadline=None)
@given(pairs=partner_sets, min_units=minimums, min_institutes=minimums)
def test_message_names_what_is_missing(pairs, min_units, min_institutes):
    result = check_consortium(pairs, min_units=min_units, min_institutes=min_institutes)
    message = result.message()
    assert message.startswith(result.summary())
    assert message.endswith(".")
    if result.is_eligible:
        assert result.advice() == ""
        assert "the consortium rule is met" in message
    else:
        assert result.advice() and result.advice() in message
        assert result.units_missing > 0 or result.institutes_missing > 0


@settings(max_examples=100, deadline=None)
@given(units=st.integers(0, 8), institutes_wanted=st.integers(1, 5))
def test_following_the_advice_reaches_eligibility(units, institutes_wanted):
    """Adding units_missing units, institutes_missing of them from new institutes, is enough."""
    pairs = [(n, 1) for n in range(1, units + 1)]
    result = check_consortium(pairs, min_units=max(units, 2), min_institutes=institutes_wanted)
    added = []
    next_unit = 100
    for i in range(max(result.units_missing, result.institutes_missing)):
        institute_id = 50 + i if i < result.institutes_missing else 1
        added.append((next_unit + i, institute_id))
    final = check_consortium(
        pairs + added, min_units=max(units, 2), min_institutes=institutes_wanted
    )
    assert final.is_eligible
