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
The pure list arithmetic lives in ``lists_arithmetic``, the score order and its ties in
``lists_order``; both are re-exported here. A page may show the board from the previous
figures while the worker computes the current ones (``Board.stale``, with the time of the
figures); services always build it from current figures.
Staff only: callers fetch the call with ``calls.selectors.calls.staff_call_or_404``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator

from calls.models import ApplicationStatus, Call
from calls.selectors.staff_conflicts import withheld_ids
from reviews.models import ListEntry, RankedList, Selection
from reviews.selectors.lists_arithmetic import (
    ACTION_LABELS,
    ACTIONS,
    COMPLEMENTARY,
    DOWN,
    MAIN,
    REMOVE,
    TO_COMPLEMENTARY,
    TO_MAIN,
    UP,
    MoveNotPossible,
    against_score_order,
    apply_action,
    cut,
)
from reviews.selectors.lists_order import (
    ScoreOrder,
    TieLine,
    TieStep,
    score_order,
    score_order_at,
    tie_lines,
    without_hidden,
    written_rules,
)
from reviews.selectors.scoreboard import Scoreboard, ScoreboardRow, build_scoreboard

__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "COMPLEMENTARY",
    "DOWN",
    "FIXED_STATUSES",
    "MAIN",
    "OTHERS_PER_PAGE",
    "REMOVE",
    "TO_COMPLEMENTARY",
    "TO_MAIN",
    "UP",
    "Board",
    "BoardEntry",
    "MoveNotPossible",
    "ScoreOrder",
    "TieLine",
    "TieStep",
    "against_score_order",
    "apply_action",
    "build_board",
    "candidate_indices",
    "candidate_rows",
    "cut",
    "draft_sequence",
    "listed_sequence",
    "ranking_sizes",
    "score_order",
    "score_order_at",
    "stored_lists",
    "stored_split",
    "tie_lines",
    "written_rules",
]

S = ApplicationStatus
# The statuses of applications listed after the lists were fixed.
FIXED_STATUSES = (S.FUNDED, S.COMPLEMENTARY_LIST, S.MAIN_LIST, S.NOT_FUNDED)
OTHERS_PER_PAGE = 50  # applications outside the lists shown at once on the board


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
    stale: bool = False  # figures of an earlier state, being updated (see scoreboard_cache)
    computed_at: datetime | None = None  # when the data of the figures were read

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


@dataclass
class _Layout:
    """Where the board's applications stand: the listed sequence, the others, the order."""

    order: ScoreOrder
    sequence: list[int]
    stored: dict[int, tuple[str, int]]
    other_ids: list[int]
    fixed: bool
    started: bool
    sizes: tuple[int, int]


def _layout(scoreboard: Scoreboard, selection, lists, entries) -> _Layout:
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
    return _Layout(order, sequence, stored, other_ids, fixed, started, (main_size, comp_size))


def _listed_entries(
    layout: _Layout, rows: dict[int, ScoreboardRow], hidden: frozenset[int]
) -> dict[str, list[BoardEntry]]:
    """The entries of the main and complementary lists (a withheld one keeps its place,
    its row is not shown)."""
    main_size, comp_size = layout.sizes
    listed = len(layout.sequence)
    board_entries: dict[str, list[BoardEntry]] = {MAIN: [], COMPLEMENTARY: []}
    for place, pk in enumerate(layout.sequence, start=1):
        if pk in hidden:
            continue
        if layout.fixed:
            kind, position = layout.stored[pk]
        else:
            kind = MAIN if place <= main_size else COMPLEMENTARY
            position = place if kind == MAIN else place - main_size
        actions = () if layout.fixed else _actions(place, kind, listed, main_size, comp_size)
        board_entries[kind].append(
            BoardEntry(
                row=rows[pk],
                rank=layout.order.rank.get(pk),
                place=place,
                kind=kind,
                position=position,
                actions=actions,
            )
        )
    return board_entries


def build_board(
    call: Call,
    *,
    reader: Any = None,
    others_page: int | str | None = None,
    allow_stale: bool = False,
) -> Board:
    """The board of ``call`` in a fixed number of queries (the scoreboard's and three).

    The scoreboard's figures come from its cache; rows are built for the entries shown
    only: the lists, and the others (all of them, or one page of ``OTHERS_PER_PAGE`` when
    ``others_page`` is given). ``reader``: the applications they take part in are left
    out of every list shown (``Board.withheld`` says how many); the order, the places and
    the funding line stay those of the whole call. ``allow_stale`` (pages only): see
    ``build_scoreboard``; the whole board then comes from the previous figures."""
    scoreboard = build_scoreboard(call, allow_stale=allow_stale)
    hidden = withheld_ids(reader, call=call) if reader is not None else frozenset()
    selection = Selection.objects.filter(call=call).select_related("fixed_by").first()
    lists, entries = stored_lists(call)
    layout = _layout(scoreboard, selection, lists, entries)
    other_ids = [pk for pk in layout.other_ids if pk not in hidden]
    page = None
    if others_page is not None:
        page = Paginator(other_ids, OTHERS_PER_PAGE).get_page(others_page)
        other_ids = list(page.object_list)
    rows = {row.application_id: row for row in scoreboard.rows_for([*layout.sequence, *other_ids])}
    listed = _listed_entries(layout, rows, hidden)
    main_size, comp_size = layout.sizes
    other_actions = () if layout.fixed else _actions(None, "", 0, main_size, comp_size)
    return Board(
        call=call,
        selection=selection,
        main=listed[MAIN],
        complementary=listed[COMPLEMENTARY],
        others=[
            BoardEntry(row=rows[pk], rank=layout.order.rank.get(pk), actions=other_actions)
            for pk in other_ids
        ],
        main_size=len(listed[MAIN]) if layout.fixed else main_size,
        complementary_size=comp_size,
        main_version=lists[MAIN].version if MAIN in lists else 0,
        complementary_version=lists[COMPLEMENTARY].version if COMPLEMENTARY in lists else 0,
        started=layout.started,
        out_of_date=layout.started
        and not layout.fixed
        and stored_split(entries) != cut(layout.sequence, main_size, comp_size),
        tie_lines=without_hidden(
            tie_lines(scoreboard, layout.order, main_size, comp_size), scoreboard, hidden
        ),
        tie_rules=written_rules(scoreboard),
        others_page=page,
        withheld=len(hidden & set(scoreboard.figures.application_ids.tolist())),
        stale=scoreboard.stale,
        computed_at=scoreboard.computed_at,
    )
