"""The score order of the applications on the lists: mean of the reviews' weighted totals
from the scoreboard, equal means ordered by the call's written tie-break order
(``reviews.scoring.tiebreak``), and the ties that straddle a line, with the rule that
decided each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from django.core.cache import cache
from django.utils.translation import gettext as _

from reviews.scoring.tiebreak import (
    TieBreakResult,
    TieCandidate,
    break_ties,
    parse_rules,
    rule_label,
)
from reviews.selectors.scoreboard import Scoreboard, ScoreboardRow
from reviews.selectors.scoreboard_rows import floats
from reviews.selectors.shortlist import tie_candidate


@dataclass(frozen=True)
class TieStep:
    """At a line, ``first`` was placed before ``second`` (equal scores) because of ``rule``."""

    first: str
    second: str
    rule: str
    first_value: object
    second_value: object
    fallback: bool


@dataclass(frozen=True)
class TieLine:
    label: str
    after: int  # the line falls after this many applications of the score order
    score: object
    steps: tuple[TieStep, ...]


@dataclass(frozen=True)
class ScoreOrder:
    ids: tuple[int, ...]  # candidates, best first
    rank: dict[int, int]  # 1 = best
    result: TieBreakResult

    def full(self, listed: Iterable[int]) -> list[int]:
        """The listed sequence followed by the other candidates in score order."""
        listed = list(listed)
        on_lists = set(listed)
        return listed + [pk for pk in self.ids if pk not in on_lists]


def score_order(board: Scoreboard, rows: Sequence[ScoreboardRow], main_size: int) -> ScoreOrder:
    """``rows`` by mean score, ties broken by the call's tie-break order (an unknown rule in
    that order falls back to the fixed order: earlier submission, then reference)."""
    return _ordered(board, [tie_candidate(board, row) for row in rows], main_size)


# An order is a pure function of the figures (named by their version, which changes with
# every change the scoreboard notes, statuses included), the call's tie-break order, the
# places and the candidates: the list board asks for the same one on every read until
# something changes, and computing it took 38 ms (profiled) for the 4,500 shortlisted
# applications of a 10,000-application call. It is kept in the cache next to the figures.
ORDER_TIMEOUT = 24 * 3600


def score_order_at(board: Scoreboard, indices: Sequence[int], main_size: int) -> ScoreOrder:
    """:func:`score_order` of the applications at these scoreboard indices, read from the
    figures directly (no row objects); cached for figures that carry their version."""
    chosen = np.asarray(indices, dtype=np.intp)
    version = board.figures.version
    if not version:
        return _score_order_at(board, chosen, main_size)
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((board.call.tie_break_order or [], main_size)).encode())
    digest.update(chosen.tobytes())
    key = f"score-order:{board.call.pk}:{version}:{digest.hexdigest()}"
    order = cache.get(key)
    if order is None:
        order = _score_order_at(board, chosen, main_size)
        cache.set(key, order, ORDER_TIMEOUT)
    return order


def _score_order_at(board: Scoreboard, chosen: np.ndarray, main_size: int) -> ScoreOrder:
    f = board.figures
    means = floats(f.overall.mean[chosen])
    medians = floats(f.overall.median[chosen])
    calibrated = floats(f.calibrated[chosen])
    criteria = [floats(group.mean[chosen]) for group in f.per_criterion]
    candidates = []
    for place, index in enumerate(chosen.tolist()):
        partners = f.partner_slice(index)
        units = {f.unit_labels[unit] for unit in f.partner_unit[partners].tolist()}
        candidates.append(
            TieCandidate(
                application_id=int(f.application_ids[index]),
                score=means[place],
                criteria={
                    pk: column[place] for pk, column in zip(f.criterion_ids, criteria, strict=True)
                },
                institutes=len(set(f.partner_institute[partners].tolist())),
                units=len(units),
                calibrated=calibrated[place],
                median=medians[place],
                submitted_at=f.submitted_at[index],
                reference=f.references[index],
            )
        )
    return _ordered(board, candidates, main_size)


def _ordered(board: Scoreboard, candidates: list[TieCandidate], main_size: int) -> ScoreOrder:
    try:
        result = break_ties(candidates, board.call.tie_break_order or [], funded_places=main_size)
    except ValueError:
        result = break_ties(candidates, [], funded_places=main_size)
    return ScoreOrder(
        ids=tuple(result.order),
        rank={pk: place for place, pk in enumerate(result.order, start=1)},
        result=result,
    )


def tie_lines(
    board: Scoreboard, order: ScoreOrder, main_size: int, complementary_size: int
) -> list[TieLine]:
    """The ties that straddle the funding line or the end of the complementary list, with
    the rule that decided each pair of neighbours."""
    names = {str(c.pk): c.name for c in board.criteria}
    references = board.references()
    place = {pk: index for index, pk in enumerate(order.ids)}
    lines = []
    for label, after in (
        (_("Funding line"), main_size),
        (_("End of the complementary list"), main_size + complementary_size),
    ):
        for group in order.result.groups:
            start = place[group.application_ids[0]]
            if not (start < after < start + len(group.application_ids)):
                continue
            steps = tuple(
                TieStep(
                    first=references.get(decision.first, ""),
                    second=references.get(decision.second, ""),
                    rule=str(rule_label(decision.rule, names)),
                    first_value=decision.first_value,
                    second_value=decision.second_value,
                    fallback=decision.fallback,
                )
                for decision in group.decisions
            )
            lines.append(TieLine(label=label, after=after, score=group.score, steps=steps))
    return lines


def without_hidden(
    lines: list[TieLine], board: Scoreboard, hidden: frozenset[int]
) -> list[TieLine]:
    """The tie lines without the steps that name a withheld application."""
    if not hidden:
        return lines
    references = board.references()
    names = {references[pk] for pk in hidden if pk in references}
    kept = []
    for line in lines:
        steps = tuple(s for s in line.steps if s.first not in names and s.second not in names)
        if steps:
            kept.append(replace(line, steps=steps))
    return kept


def written_rules(board: Scoreboard) -> list[str]:
    """The call's tie-break order in words (empty when unset or not readable)."""
    names = {str(c.pk): c.name for c in board.criteria}
    try:
        return [str(rule_label(rule, names)) for rule in parse_rules(board.call.tie_break_order)]
    except ValueError:
        return []
