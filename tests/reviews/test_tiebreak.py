from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils.translation import override

from calls.models import TieBreakRule
from reviews.scoring.tiebreak import (
    CALIBRATED,
    CRITERION,
    INSTITUTES,
    MEDIAN,
    SUBMITTED_AT,
    UNITS,
    TieCandidate,
    break_ties,
    parse_rules,
    rule_label,
)

RULES = ["criterion:3", "institutes", "units", "calibrated", "median", "submitted_at"]


def _at(day):
    return datetime(2025, 3, day, 12, 0, tzinfo=UTC)


def candidate(application_id, score, **values):
    values.setdefault("submitted_at", _at(1))
    values.setdefault("reference", f"AISSAI-2025-{application_id:03d}")
    return TieCandidate(application_id=application_id, score=score, **values)


def test_applications_without_ties_follow_the_score():
    result = break_ties(
        [candidate(1, Decimal("6.10")), candidate(2, Decimal("8.00")), candidate(3, None)],
        RULES,
    )

    assert result.order == (2, 1, 3)
    assert result.groups == ()


def test_tie_at_the_line_is_decided_by_the_first_rule_that_separates():
    candidates = [
        candidate(1, Decimal("9.00")),
        candidate(2, Decimal("7.50"), criteria={3: Decimal("4.2")}, institutes=3),
        candidate(3, Decimal("7.50"), criteria={3: Decimal("4.6")}, institutes=2),
        candidate(4, Decimal("5.00")),
    ]

    result = break_ties(candidates, RULES, funded_places=2)

    assert result.order == (1, 3, 2, 4)
    (group,) = result.groups
    assert group.application_ids == (3, 2)
    assert group.straddles_line
    assert result.line_groups == (group,)
    decision = result.decision(3, 2)
    assert (decision.rule, decision.fallback) == ("criterion:3", False)
    assert (decision.first_value, decision.second_value) == (Decimal("4.60"), Decimal("4.20"))


def test_later_rules_decide_when_earlier_ones_are_equal():
    candidates = [
        candidate(1, 7.5, criteria={3: 4.0}, institutes=2, units=2),
        candidate(2, 7.5, criteria={3: 4.0}, institutes=2, units=4),
        candidate(3, 7.5, criteria={3: 4.0}, institutes=3, units=2),
    ]

    result = break_ties(candidates, RULES, funded_places=1)

    assert result.order == (3, 2, 1)
    assert result.decision(3, 2).rule == INSTITUTES
    assert result.decision(2, 1).rule == UNITS
    assert result.groups[0].straddles_line


def test_missing_values_come_after_any_value():
    candidates = [
        candidate(1, 6.0, calibrated=None),
        candidate(2, 6.0, calibrated=Decimal("5.10")),
    ]

    result = break_ties(candidates, [CALIBRATED])

    assert result.order == (2, 1)
    assert result.decision(2, 1).rule == CALIBRATED


def test_fallback_is_earlier_submission_then_reference():
    candidates = [
        candidate(1, 6.0, submitted_at=_at(5), reference="AISSAI-2025-009"),
        candidate(2, 6.0, submitted_at=_at(2), reference="AISSAI-2025-010"),
        candidate(3, 6.0, submitted_at=_at(5), reference="AISSAI-2025-004"),
    ]

    result = break_ties(candidates, ["institutes"])

    assert result.order == (2, 3, 1)
    assert (result.decision(2, 3).rule, result.decision(2, 3).fallback) == (SUBMITTED_AT, True)
    assert (result.decision(3, 1).rule, result.decision(3, 1).fallback) == ("reference", True)
    assert result.groups[0].straddles_line is False


def test_submission_date_as_a_written_rule_is_not_a_fallback():
    candidates = [candidate(1, 6.0, submitted_at=_at(4)), candidate(2, 6.0, submitted_at=_at(3))]

    result = break_ties(candidates, ["median", "submitted_at"])

    assert result.order == (2, 1)
    assert (result.decision(2, 1).rule, result.decision(2, 1).fallback) == (SUBMITTED_AT, False)


def test_scores_equal_at_the_displayed_precision_are_tied():
    result = break_ties(
        [candidate(1, 7.004, median=6.0), candidate(2, 7.001, median=7.0)], [MEDIAN]
    )

    assert result.order == (2, 1)
    assert result.groups[0].score == Decimal("7.00")
    assert result.decision(2, 1).rule == MEDIAN


def test_order_does_not_depend_on_the_input_order():
    candidates = [candidate(i, 5.0, units=i % 2) for i in range(1, 7)]

    forward = break_ties(candidates, ["units"])
    backward = break_ties(list(reversed(candidates)), ["units"])

    assert forward.order == backward.order == (1, 3, 5, 2, 4, 6)


def test_unknown_rules_are_refused_and_known_ones_normalised():
    assert parse_rules([" criterion: 7 ", "units"]) == ("criterion:7", "units")
    with pytest.raises(ValueError, match="unknown tie-break rule"):
        parse_rules(["criterion:"])
    with pytest.raises(ValueError, match="unknown tie-break rule"):
        break_ties([], ["luck"])


def test_rule_names_are_the_calls_tie_break_choices():
    written = {CRITERION, INSTITUTES, UNITS, CALIBRATED, MEDIAN, SUBMITTED_AT}

    assert written == set(TieBreakRule.values)


def test_rule_labels_for_display():
    with override("en"):
        assert str(rule_label("criterion:3", {"3": "Scientific excellence"})) == (
            "Higher score on Scientific excellence"
        )
        assert str(rule_label(INSTITUTES)) == str(TieBreakRule.INSTITUTES.label)
        assert str(rule_label("reference")) == "Reference order"
