"""The suggested shortlist: the applications in review ordered by a chosen score.

Staff choose a score (mean, median or calibrated) and a target size; the suggestion is
the top of that order, ties broken by the call's written tie-break order
(``reviews.scoring.tiebreak``), and the page says which rule decided at the cut. It is a
suggestion only: staff tick and untick freely before confirming
(``reviews.services.shortlist.confirm_shortlist``).
"""

from __future__ import annotations

from dataclasses import dataclass

from calls.models import ApplicationStatus
from reviews.scoring.tiebreak import PairDecision, TieCandidate, break_ties, rule_label

from .scoreboard import CALIBRATED, MEAN, Scoreboard, ScoreboardRow

DEFAULT_TARGET = 25


def shortlist_candidates(board: Scoreboard) -> list[ScoreboardRow]:
    """Applications of the scoreboard still in review (the ones a shortlist decides on)."""
    return [row for row in board.rows if row.status == ApplicationStatus.IN_REVIEW]


def default_target(board: Scoreboard) -> int:
    """25 (the reference call's shortlist) or every candidate when there are fewer."""
    return max(1, min(DEFAULT_TARGET, len(shortlist_candidates(board))))


@dataclass(frozen=True)
class Suggestion:
    score: str
    target: int
    rows: list[ScoreboardRow]  # every candidate, in suggested order (unscored last)
    suggested_ids: frozenset[int]  # the top ``target`` with a score
    cut: PairDecision | None  # how the last suggested and the first left out were ordered
    cut_rule: str  # the words for ``cut.rule`` when the cut fell inside a tie

    @property
    def candidate_ids(self) -> list[int]:
        return [row.application_id for row in self.rows]


def tie_candidate(board: Scoreboard, row: ScoreboardRow, score: str = MEAN) -> TieCandidate:
    """A scoreboard row as the tie-break rules read it (the shortlist and the lists)."""
    return TieCandidate(
        application_id=row.application_id,
        score=row.score(score),
        criteria={
            criterion.pk: figures.mean
            for criterion, figures in zip(board.criteria, row.criteria, strict=True)
        },
        institutes=len(row.institute_ids),
        units=len(row.units),
        calibrated=row.calibrated,
        median=row.overall.median,
        submitted_at=row.submitted_at,
        reference=row.reference,
    )


def suggest_shortlist(board: Scoreboard, *, score: str, target: int) -> Suggestion:
    """The candidates ordered by ``score`` with the top ``target`` suggested.

    Use the full (not anonymised) board: the tie-break counts units and institutes.
    """
    if score == CALIBRATED and not board.calibration_supported:
        score = MEAN
    rows = shortlist_candidates(board)
    candidates = [tie_candidate(board, row, score) for row in rows]
    try:
        result = break_ties(candidates, board.call.tie_break_order or [], funded_places=target)
    except ValueError:  # a rule the scoring code does not know: the fallback order decides
        result = break_ties(candidates, [], funded_places=target)
    by_id = {row.application_id: row for row in rows}
    ordered = [by_id[pk] for pk in result.order]
    suggested = frozenset(
        row.application_id for row in ordered[:target] if row.score(score) is not None
    )
    cut, cut_rule = None, ""
    if 0 < target < len(ordered):
        cut = result.decision(ordered[target - 1].application_id, ordered[target].application_id)
        if cut is not None:
            names = {str(c.pk): c.name for c in board.criteria}
            cut_rule = str(rule_label(cut.rule, names))
    return Suggestion(
        score=score,
        target=target,
        rows=ordered,
        suggested_ids=suggested,
        cut=cut,
        cut_rule=cut_rule,
    )
