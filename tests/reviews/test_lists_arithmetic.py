"""The list arithmetic of the panel ranking board: sizes, moves across the funding line,
and which pairs a change puts against the score order (pure functions, no database)."""

import pytest

from reviews.selectors.lists import (
    DOWN,
    REMOVE,
    TO_COMPLEMENTARY,
    TO_MAIN,
    UP,
    MoveNotPossible,
    against_score_order,
    apply_action,
    cut,
)

# Main list of 3, complementary list of 2; applications 1…7 in score order.
SIZES = {"main_size": 3, "complementary_size": 2}
LISTED = [1, 2, 3, 4, 5]
RANK = {pk: pk for pk in range(1, 8)}


def full(listed):
    return listed + [pk for pk in range(1, 8) if pk not in listed]


def test_cut_keeps_the_sizes_and_drops_the_overflow():
    assert cut([1, 2, 3, 4, 5, 6, 7], 3, 2) == ([1, 2, 3], [4, 5])
    assert cut([1, 2], 3, 2) == ([1, 2], [])


@pytest.mark.parametrize(
    ("application", "action", "expected"),
    [
        (2, UP, [2, 1, 3, 4, 5]),
        (4, UP, [1, 2, 4, 3, 5]),  # across the funding line: 3 drops to the complementary list
        (3, DOWN, [1, 2, 4, 3, 5]),
        (1, TO_COMPLEMENTARY, [2, 3, 4, 1, 5]),  # first of the complementary list moves up
        (5, TO_MAIN, [1, 2, 5, 3, 4]),  # becomes last of the main list
        (2, REMOVE, [1, 3, 4, 5]),  # everyone below moves up
        (6, TO_MAIN, [1, 2, 6, 3, 4]),  # the last of the complementary list drops out
        (6, TO_COMPLEMENTARY, [1, 2, 3, 4, 6]),  # replaces the last of the complementary list
    ],
)
def test_apply_action(application, action, expected):
    assert apply_action(LISTED, application, action, **SIZES) == expected


def test_an_application_off_the_lists_joins_the_end_when_there_is_room():
    assert apply_action([1, 2, 3, 4], 6, TO_COMPLEMENTARY, **SIZES) == [1, 2, 3, 4, 6]
    assert apply_action([1, 2], 6, TO_MAIN, **SIZES) == [1, 2, 6]


@pytest.mark.parametrize(
    ("listed", "application", "action", "message"),
    [
        (LISTED, 1, UP, "already first"),
        (LISTED, 5, DOWN, "already last"),
        (LISTED, 6, UP, "not on a list"),
        (LISTED, 2, TO_MAIN, "already on the main list"),
        (LISTED, 4, TO_COMPLEMENTARY, "already on the complementary list"),
        ([1, 2, 3], 1, TO_COMPLEMENTARY, "No application follows"),
        ([1, 2], 6, TO_COMPLEMENTARY, "not full yet"),
        (LISTED, 1, "sideways", "Unknown action"),
    ],
)
def test_moves_that_make_no_sense_are_refused(listed, application, action, message):
    with pytest.raises(MoveNotPossible, match=message):
        apply_action(listed, application, action, **SIZES)


def test_no_complementary_list_refuses_moves_to_it():
    with pytest.raises(MoveNotPossible, match="no complementary list"):
        apply_action([1, 2, 3], 4, TO_COMPLEMENTARY, main_size=3, complementary_size=0)


def test_moving_up_past_a_better_score_goes_against_the_score_order():
    after = apply_action(LISTED, 4, UP, **SIZES)
    assert against_score_order(full(LISTED), full(after), RANK) == [(4, 3)]


def test_moving_down_below_a_worse_score_goes_against_the_score_order():
    after = apply_action(LISTED, 1, DOWN, **SIZES)
    assert against_score_order(full(LISTED), full(after), RANK) == [(2, 1)]


def test_taking_a_good_application_off_the_lists_goes_against_the_score_order():
    after = apply_action(LISTED, 2, REMOVE, **SIZES)
    pairs = against_score_order(full(LISTED), full(after), RANK)
    assert pairs == [(3, 2), (4, 2), (5, 2)]  # off the lists it comes first among the others


def test_restoring_the_score_order_never_needs_a_reason():
    swapped = [2, 1, 3, 4, 5]
    after = apply_action(swapped, 1, UP, **SIZES)
    assert after == LISTED
    assert against_score_order(full(swapped), full(after), RANK) == []
