"""Ordering applications whose scores are equal, by the call's written tie-break order.

The call stores an ordered list of rules (``Call.tie_break_order``, values of
``calls.models.TieBreakRule``), for example
``["criterion:12", "institutes", "units", "calibrated", "median", "submitted_at"]``:

============== =========================================================
``criterion:X`` higher mean score on criterion X (by id) first
``institutes`` more CNRS institutes in the consortium first
``units``      more partner units first
``calibrated`` higher calibrated score first
``median``     higher median score first
``submitted_at`` earlier submission first
============== =========================================================

Applications are ordered by score (highest first); applications whose scores
are equal once rounded to ``places`` decimals (2, the displayed precision)
form a tie group, ordered by the rules in turn. A missing value (no calibrated
score, no submission date) ranks after any value. When every rule leaves two
applications equal, a fixed fallback decides, so the order is always
deterministic: earlier submission, then the reference in alphabetical order,
then the application id. For each tie group the result records, for each
pair of neighbours, which rule (or fallback) put the first before the second,
for display and for the audit trail.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .weighted import DEFAULT_PLACES, to_decimal

CRITERION = "criterion"
INSTITUTES, UNITS = "institutes", "units"
CALIBRATED, MEDIAN, SUBMITTED_AT = "calibrated", "median", "submitted_at"
REFERENCE, APPLICATION_ID = "reference", "application_id"
FALLBACK = (SUBMITTED_AT, REFERENCE, APPLICATION_ID)
_HIGHER_FIRST = {INSTITUTES, UNITS, CALIBRATED, MEDIAN}

RULE_LABELS = {
    INSTITUTES: _("Wider institute coverage"),
    UNITS: _("More partner units"),
    CALIBRATED: _("Higher calibrated score"),
    MEDIAN: _("Higher median score"),
    SUBMITTED_AT: _("Earlier submission"),
    REFERENCE: _("Reference order"),
    APPLICATION_ID: _("Application number"),
}


@dataclass(frozen=True)
class TieCandidate:
    application_id: Hashable
    score: Decimal | float | None
    criteria: Mapping[Hashable, Decimal | float | None] = field(default_factory=dict)
    institutes: int | None = None
    units: int | None = None
    calibrated: Decimal | float | None = None
    median: Decimal | float | None = None
    submitted_at: datetime | None = None
    reference: str | None = None


@dataclass(frozen=True)
class PairDecision:
    """``first`` is placed before ``second`` because of ``rule`` (values shown for audit)."""

    first: Hashable
    second: Hashable
    rule: str
    fallback: bool
    first_value: object
    second_value: object


@dataclass(frozen=True)
class TieGroup:
    score: Decimal | None
    application_ids: tuple  # in decided order
    decisions: tuple[PairDecision, ...]  # one per pair of neighbours
    straddles_line: bool  # some of the group above the funding line, some below


@dataclass(frozen=True)
class TieBreakResult:
    order: tuple
    groups: tuple[TieGroup, ...]
    rules: tuple[str, ...]

    @property
    def line_groups(self) -> tuple[TieGroup, ...]:
        return tuple(group for group in self.groups if group.straddles_line)

    def decision(self, first: Hashable, second: Hashable) -> PairDecision | None:
        for group in self.groups:
            for decision in group.decisions:
                if (decision.first, decision.second) == (first, second):
                    return decision
        return None


def parse_rules(rules: Sequence[str]) -> tuple[str, ...]:
    """Validate a written tie-break order; raises ValueError on an unknown rule."""
    parsed = []
    for rule in rules:
        rule = str(rule).strip()
        name, _sep, argument = rule.partition(":")
        if name == CRITERION and argument:
            parsed.append(f"{CRITERION}:{argument.strip()}")
        elif rule in _HIGHER_FIRST or rule == SUBMITTED_AT:
            parsed.append(rule)
        else:
            raise ValueError(f"unknown tie-break rule {rule!r}")
    return tuple(parsed)


def rule_label(rule: str, criterion_names: Mapping[str, str] | None = None) -> Promise | str:
    """The words to show for a rule (``criterion_names`` maps str(id) → name)."""
    name, _sep, argument = rule.partition(":")
    if name == CRITERION:
        label = (criterion_names or {}).get(argument, argument)
        return format_lazy(_("Higher score on {criterion}"), criterion=label)
    return RULE_LABELS[rule]


def _rounded(value, places: int) -> Decimal | None:
    if value is None:
        return None
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _value(candidate: TieCandidate, rule: str, places: int):
    name, _sep, argument = rule.partition(":")
    if name == CRITERION:
        by_text = {str(key): value for key, value in candidate.criteria.items()}
        return _rounded(by_text.get(argument), places)
    if rule in (CALIBRATED, MEDIAN):
        return _rounded(getattr(candidate, rule), places)
    return getattr(candidate, rule)


def _sort_key(value, rule: str):
    """Smaller sorts first; missing values last."""
    if value is None:
        return (1, 0)
    if rule in _HIGHER_FIRST or rule.startswith(f"{CRITERION}:"):
        return (0, -value)
    return (0, value)


def break_ties(
    candidates: Sequence[TieCandidate],
    rules: Sequence[str],
    *,
    funded_places: int | None = None,
    places: int = DEFAULT_PLACES,
) -> TieBreakResult:
    """Order all candidates by score, then tied ones by ``rules``, then the fallback."""
    rules = parse_rules(rules)
    chain = rules + tuple(rule for rule in FALLBACK if rule not in rules)
    values = {
        id(candidate): [_value(candidate, rule, places) for rule in chain]
        for candidate in candidates
    }
    scores = {id(candidate): _rounded(candidate.score, places) for candidate in candidates}

    def key(candidate: TieCandidate):
        return (
            _sort_key(scores[id(candidate)], MEDIAN),
            *(_sort_key(v, rule) for v, rule in zip(values[id(candidate)], chain, strict=True)),
        )

    ordered = sorted(candidates, key=key)
    groups = []
    start = 0
    while start < len(ordered):
        end = start + 1
        score = scores[id(ordered[start])]
        while end < len(ordered) and scores[id(ordered[end])] == score:
            end += 1
        if end - start > 1:
            members = ordered[start:end]
            decisions = tuple(
                _decide(first, second, chain, values, rules)
                for first, second in zip(members, members[1:], strict=False)
            )
            straddles = funded_places is not None and start < funded_places < end
            groups.append(
                TieGroup(
                    score=score,
                    application_ids=tuple(c.application_id for c in members),
                    decisions=decisions,
                    straddles_line=straddles,
                )
            )
        start = end
    return TieBreakResult(
        order=tuple(c.application_id for c in ordered), groups=tuple(groups), rules=rules
    )


def _decide(first, second, chain, values, rules) -> PairDecision:
    for index, rule in enumerate(chain):
        a, b = values[id(first)][index], values[id(second)][index]
        if _sort_key(a, rule) != _sort_key(b, rule):
            return PairDecision(
                first=first.application_id,
                second=second.application_id,
                rule=rule,
                fallback=index >= len(rules),
                first_value=a,
                second_value=b,
            )
    raise ValueError(  # pragma: no cover - application ids are unique
        f"applications {first.application_id!r} and {second.application_id!r} are identical"
    )
