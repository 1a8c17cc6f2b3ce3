"""The panel ranking board: the shortlisted applications in the main list, the complementary
list and outside the lists, next to their score order.

The lists are read as one *listed sequence*: the main list then the complementary list.
The main list holds the first ``main_size`` applications (the fellowships funded now: the
sum of the call's funding sources, or the call's number of fellowships without sources),
the complementary list the next ``complementary_size`` (the call's setting); the
complementary list is never filled while the main list has room. Staff actions are
computed here as pure functions on that sequence (:func:`apply_action`, :func:`cut`), and
:func:`against_score_order` says which pairs a change puts against the score order.

The score order is the mean of the reviews' weighted totals from the scoreboard
(``reviews.selectors.scoreboard``), equal means ordered by the call's written tie-break
order (``reviews.scoring.tiebreak``); the board shows which rule decided at each line.
Staff only: callers fetch the call with ``calls.selectors.calls.staff_call_or_404``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.models import ApplicationStatus, Call
from calls.selectors.staff_conflicts import withheld_ids
from reviews.models import ListEntry, ListKind, RankedList, Selection
from reviews.scoring.tiebreak import (
    TieBreakResult,
    TieCandidate,
    break_ties,
    parse_rules,
    rule_label,
)
from reviews.selectors.scoreboard import Scoreboard, ScoreboardRow, build_scoreboard
from reviews.selectors.shortlist import tie_candidate

S = ApplicationStatus
MAIN, COMPLEMENTARY = ListKind.MAIN.value, ListKind.COMPLEMENTARY.value

UP, DOWN, TO_MAIN, TO_COMPLEMENTARY, REMOVE = "up", "down", "to_main", "to_complementary", "remove"
ACTIONS = (UP, DOWN, TO_MAIN, TO_COMPLEMENTARY, REMOVE)
ACTION_LABELS = {
    UP: gettext_lazy("Up"),
    DOWN: gettext_lazy("Down"),
    TO_MAIN: gettext_lazy("To the main list"),
    TO_COMPLEMENTARY: gettext_lazy("To the complementary list"),
    REMOVE: gettext_lazy("Off the lists"),
}
# The statuses of applications listed after the lists were fixed.
FIXED_STATUSES = (S.FUNDED, S.COMPLEMENTARY_LIST, S.MAIN_LIST, S.NOT_FUNDED)
OTHERS_PER_PAGE = 50  # applications outside the lists shown at once on the board


class MoveNotPossible(Exception):
    """The action makes no sense where the application is (the message is for people)."""


# --- List arithmetic (pure) ----------------------------------------------------------


def cut(sequence: Sequence[int], main_size: int, complementary_size: int) -> tuple[list, list]:
    """The main and complementary lists of a listed sequence; what overflows is dropped."""
    sequence = list(sequence)
    return sequence[:main_size], sequence[main_size : main_size + complementary_size]


def apply_action(
    listed: Sequence[int],
    application_id: int,
    action: str,
    *,
    main_size: int,
    complementary_size: int,
) -> list[int]:
    """The listed sequence after ``action`` on ``application_id`` (cut to the list sizes).

    Moving to the other list swaps places across the line: a main-list entry moved to the
    complementary list becomes its first and the first of the complementary list moves up;
    a complementary entry moved to the main list becomes its last. An application outside
    the lists enters at the end of the list named (pushing the last one out when full).
    """
    sequence = list(listed)
    on_lists = application_id in sequence
    index = sequence.index(application_id) if on_lists else None
    if action in (UP, DOWN, REMOVE) and not on_lists:
        raise MoveNotPossible(_("This application is not on a list."))
    if action == UP:
        if index == 0:
            raise MoveNotPossible(_("This application is already first."))
        sequence[index - 1], sequence[index] = sequence[index], sequence[index - 1]
    elif action == DOWN:
        if index == len(sequence) - 1:
            raise MoveNotPossible(
                _("This application is already last on the lists: take it off the lists instead.")
            )
        sequence[index], sequence[index + 1] = sequence[index + 1], sequence[index]
    elif action == REMOVE:
        sequence.remove(application_id)
    elif action == TO_MAIN:
        if on_lists and index < main_size:
            raise MoveNotPossible(_("This application is already on the main list."))
        if on_lists:
            sequence.remove(application_id)
        sequence.insert(min(main_size - 1, len(sequence)), application_id)
    elif action == TO_COMPLEMENTARY:
        if complementary_size < 1:
            raise MoveNotPossible(_("This call has no complementary list."))
        if on_lists:
            if index >= main_size:
                raise MoveNotPossible(_("This application is already on the complementary list."))
            sequence.remove(application_id)
            if len(sequence) < main_size:
                raise MoveNotPossible(
                    _(
                        "No application follows to take its place on the main list: add one "
                        "to the complementary list first."
                    )
                )
            sequence.insert(main_size, application_id)
        else:
            if len(sequence) < main_size:
                raise MoveNotPossible(
                    _("The main list is not full yet: add the application to the main list.")
                )
            sequence.insert(min(len(sequence), main_size + complementary_size - 1), application_id)
    else:
        raise MoveNotPossible(_("Unknown action."))
    main, complementary = cut(sequence, main_size, complementary_size)
    return main + complementary


def against_score_order(
    before: Sequence[int], after: Sequence[int], rank: dict[int, int]
) -> list[tuple[int, int]]:
    """Pairs ``(a, b)`` the change put in a new order with ``a`` first although ``b`` comes
    first in the score order (``rank``: 1 = best). ``before`` and ``after`` hold the same
    applications: the listed sequence followed by the others in score order."""
    was = {application: place for place, application in enumerate(before)}
    pairs = []
    for place, first in enumerate(after):
        for second in after[place + 1 :]:
            if was[first] > was[second] and rank[first] > rank[second]:
                pairs.append((first, second))
    return pairs


# --- Score order ---------------------------------------------------------------------


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


def score_order_at(board: Scoreboard, indices: Sequence[int], main_size: int) -> ScoreOrder:
    """:func:`score_order` of the applications at these scoreboard indices, read from the
    figures directly (no row objects)."""
    f = board.figures
    chosen = np.asarray(indices, dtype=np.intp)
    means = _floats(f.overall.mean[chosen])
    medians = _floats(f.overall.median[chosen])
    calibrated = _floats(f.calibrated[chosen])
    criteria = [_floats(group.mean[chosen]) for group in f.per_criterion]
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


def _floats(values: np.ndarray) -> list[float | None]:
    return [None if value != value else value for value in values.tolist()]  # NaN → None


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


# --- The board -----------------------------------------------------------------------


@dataclass
class BoardEntry:
    row: ScoreboardRow
    rank: int | None  # place in the score order
    place: int | None = None  # place in the listed sequence (1-based), None off the lists
    kind: str = ""
    position: int | None = None
    actions: tuple[str, ...] = ()

    @property
    def application_id(self) -> int:
        return self.row.application_id

    @property
    def shift(self) -> int:
        """Places above (positive) or below (negative) its place in the score order."""
        if self.rank is None or self.place is None:
            return 0
        return self.rank - self.place

    @property
    def buttons(self) -> list[tuple[str, object]]:
        return [(action, ACTION_LABELS[action]) for action in self.actions]

    @property
    def shift_up(self) -> int:
        return max(self.shift, 0)

    @property
    def shift_down(self) -> int:
        return max(-self.shift, 0)


@dataclass
class Board:
    call: Call
    selection: Selection | None
    main: list[BoardEntry]
    complementary: list[BoardEntry]
    others: list[BoardEntry]
    main_size: int
    complementary_size: int
    main_version: int
    complementary_version: int
    started: bool
    out_of_date: bool  # the saved lists differ from today's sizes or shortlist
    tie_lines: list[TieLine] = field(default_factory=list)
    tie_rules: list[str] = field(default_factory=list)  # the call's written order, in words
    others_page: Page | None = None  # when the others are shown one page at a time
    withheld: int = 0  # applications left out for the reader (a conflict of interest)

    @property
    def fixed(self) -> bool:
        return bool(self.selection and self.selection.is_fixed)

    @property
    def main_ids(self) -> list[int]:
        return [entry.application_id for entry in self.main]

    @property
    def complementary_ids(self) -> list[int]:
        return [entry.application_id for entry in self.complementary]

    @property
    def others_count(self) -> int:
        return self.others_page.paginator.count if self.others_page else len(self.others)

    @property
    def entries(self) -> list[BoardEntry]:
        return self.main + self.complementary + self.others


def stored_lists(call: Call) -> tuple[dict[str, RankedList], list[tuple[int, str, int]]]:
    """The call's lists by kind and their entries (application id, kind, position)."""
    lists = {ranked.kind: ranked for ranked in RankedList.objects.filter(call=call)}
    entries = list(
        ListEntry.objects.filter(ranked_list__call=call)
        .order_by("ranked_list__kind", "position")
        .values_list("application_id", "ranked_list__kind", "position")
    )
    return lists, entries


def stored_split(entries: Iterable[tuple[int, str, int]]) -> tuple[list[int], list[int]]:
    """The stored main and complementary lists, in position order."""
    entries = list(entries)
    main = sorted((e for e in entries if e[1] == MAIN), key=lambda e: e[2])
    complementary = sorted((e for e in entries if e[1] == COMPLEMENTARY), key=lambda e: e[2])
    return [e[0] for e in main], [e[0] for e in complementary]


def listed_sequence(entries: Iterable[tuple[int, str, int]]) -> list[int]:
    main, complementary = stored_split(entries)
    return main + complementary


def ranking_sizes(board: Scoreboard) -> tuple[int, int]:
    return board.funded_places, board.call.complementary_size


def draft_sequence(
    order: ScoreOrder, entries: list[tuple[int, str, int]], started: bool, sizes: tuple[int, int]
) -> list[int]:
    """The lists as staff see them before they are fixed: the stored sequence (or the score
    order before the first save) of shortlisted applications, cut to today's sizes."""
    if started:
        candidates = set(order.ids)
        sequence = [pk for pk in listed_sequence(entries) if pk in candidates]
    else:
        sequence = list(order.ids)
    main, complementary = cut(sequence, *sizes)
    return main + complementary


def _actions(place: int | None, kind: str, listed: int, main_size: int, comp_size: int):
    if place is None:
        return (TO_MAIN, TO_COMPLEMENTARY) if comp_size else (TO_MAIN,)
    actions = []
    if place > 1:
        actions.append(UP)
    if place < listed:
        actions.append(DOWN)
    if kind == MAIN and comp_size and listed > main_size:
        actions.append(TO_COMPLEMENTARY)
    if kind == COMPLEMENTARY:
        actions.append(TO_MAIN)
    actions.append(REMOVE)
    return tuple(actions)


def candidate_indices(scoreboard: Scoreboard, fixed: bool) -> list[int]:
    """The applications the lists are made of: shortlisted ones, or once the lists are
    fixed, those placed on them (scoreboard indices)."""
    return scoreboard.indices_with_status(*(FIXED_STATUSES if fixed else (S.SHORTLISTED,)))


def candidate_rows(scoreboard: Scoreboard, fixed: bool) -> list[ScoreboardRow]:
    return scoreboard.rows_at(candidate_indices(scoreboard, fixed))


def build_board(call: Call, *, reader: Any = None, others_page: int | str | None = None) -> Board:
    """The board of ``call`` in a fixed number of queries (the scoreboard's and three).

    The scoreboard's figures come from its cache; rows are built for the entries shown
    only: the lists, and the others (all of them, or one page of ``OTHERS_PER_PAGE`` when
    ``others_page`` is given). ``reader``: the applications they take part in are left
    out of every list shown (``Board.withheld`` says how many); the order, the places and
    the funding line stay those of the whole call."""
    scoreboard = build_scoreboard(call)
    hidden = withheld_ids(reader, call=call) if reader is not None else frozenset()
    selection = Selection.objects.filter(call=call).select_related("fixed_by").first()
    lists, entries = stored_lists(call)
    main_size, comp_size = ranking_sizes(scoreboard)
    fixed = bool(selection and selection.is_fixed)
    started = any(ranked.version for ranked in lists.values())
    order = score_order_at(scoreboard, candidate_indices(scoreboard, fixed), main_size)
    if fixed:
        known = set(scoreboard.figures.application_ids.tolist())
        sequence = [pk for pk in listed_sequence(entries) if pk in known]
        stored = {pk: (kind, position) for pk, kind, position in entries}
        other_ids = [
            int(scoreboard.figures.application_ids[index])
            for index in scoreboard.indices_with_status(S.NOT_SELECTED)
        ]
    else:
        sequence = draft_sequence(order, entries, started, (main_size, comp_size))
        stored = {}
        on_lists = set(sequence)
        other_ids = [pk for pk in order.ids if pk not in on_lists]
    other_ids = [pk for pk in other_ids if pk not in hidden]
    page = None
    if others_page is not None:
        page = Paginator(other_ids, OTHERS_PER_PAGE).get_page(others_page)
        other_ids = list(page.object_list)
    rows = {row.application_id: row for row in scoreboard.rows_for([*sequence, *other_ids])}
    others = [rows[pk] for pk in other_ids]
    board_entries: dict[str, list[BoardEntry]] = {MAIN: [], COMPLEMENTARY: []}
    for place, pk in enumerate(sequence, start=1):
        if pk in hidden:
            continue  # its place counts, its row is not shown
        if fixed:
            kind, position = stored[pk]
        else:
            kind = MAIN if place <= main_size else COMPLEMENTARY
            position = place if kind == MAIN else place - main_size
        entry = BoardEntry(
            row=rows[pk],
            rank=order.rank.get(pk),
            place=place,
            kind=kind,
            position=position,
            actions=() if fixed else _actions(place, kind, len(sequence), main_size, comp_size),
        )
        board_entries[kind].append(entry)
    return Board(
        call=call,
        selection=selection,
        main=board_entries[MAIN],
        complementary=board_entries[COMPLEMENTARY],
        others=[
            BoardEntry(
                row=row,
                rank=order.rank.get(row.application_id),
                actions=() if fixed else _actions(None, "", len(sequence), main_size, comp_size),
            )
            for row in others
        ],
        main_size=len(board_entries[MAIN]) if fixed else main_size,
        complementary_size=comp_size,
        main_version=lists[MAIN].version if MAIN in lists else 0,
        complementary_version=lists[COMPLEMENTARY].version if COMPLEMENTARY in lists else 0,
        started=started,
        out_of_date=started
        and not fixed
        and stored_split(entries) != cut(sequence, main_size, comp_size),
        tie_lines=_without(tie_lines(scoreboard, order, main_size, comp_size), scoreboard, hidden),
        tie_rules=written_rules(scoreboard),
        others_page=page,
        withheld=len(hidden & set(scoreboard.figures.application_ids.tolist())),
    )


def _without(lines: list[TieLine], board: Scoreboard, hidden: frozenset[int]) -> list[TieLine]:
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
