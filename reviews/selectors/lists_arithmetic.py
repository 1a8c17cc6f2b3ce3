"""The arithmetic of the main and complementary lists, as pure functions on the *listed
sequence* (the main list then the complementary list): the staff's actions
(:func:`apply_action`), the cut to the lists' sizes (:func:`cut`) and the pairs a change
puts against the score order (:func:`against_score_order`)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews.models import ListKind

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
        _to_complementary(sequence, application_id, index, main_size, complementary_size)
    else:
        raise MoveNotPossible(_("Unknown action."))
    main, complementary = cut(sequence, main_size, complementary_size)
    return main + complementary


def _to_complementary(
    sequence: list[int], application_id: int, index: int | None, main_size: int, size: int
) -> None:
    """Move ``application_id`` (at ``index`` in ``sequence``, or off the lists) to the
    complementary list, in place (see :func:`apply_action`)."""
    if size < 1:
        raise MoveNotPossible(_("This call has no complementary list."))
    if index is not None:
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
        return
    if len(sequence) < main_size:
        raise MoveNotPossible(
            _("The main list is not full yet: add the application to the main list.")
        )
    sequence.insert(min(len(sequence), main_size + size - 1), application_id)


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
