"""Properties of the list arithmetic (``reviews.selectors.lists``) over random lists,
sizes and sequences of staff actions: the lists never hold an application twice nor
more than their sizes, the complementary list fills only behind a full main list, every
action does what it says to the application moved and nothing else to the others, and
going back to the score order never goes against it."""

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.selectors.lists import (
    ACTIONS,
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

UNIVERSE = list(range(1, 13))  # application ids; 1 is the best score, 12 the worst
RANK = {pk: pk for pk in UNIVERSE}


@st.composite
def boards(draw):
    main_size = draw(st.integers(1, 5))
    complementary_size = draw(st.integers(0, 4))
    listed = draw(st.permutations(UNIVERSE))[: draw(st.integers(0, len(UNIVERSE)))]
    main, complementary = cut(listed, main_size, complementary_size)
    return main + complementary, main_size, complementary_size


actions = st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(UNIVERSE)), max_size=25)


def check_lists(listed, main_size, complementary_size):
    assert len(set(listed)) == len(listed), "an application appears twice"
    assert set(listed) <= set(UNIVERSE)
    assert len(listed) <= main_size + complementary_size
    main, complementary = cut(listed, main_size, complementary_size)
    assert main + complementary == listed
    if complementary:
        assert len(main) == main_size, "the complementary list fills before the main list"


def others_keep_their_order(before, after, moved):
    rest_before = [pk for pk in before if pk != moved]
    rest_after = [pk for pk in after if pk != moved]
    # The others keep their relative order; at most the last ones fall off the end.
    return rest_after == rest_before[: len(rest_after)] and len(rest_before) - len(rest_after) <= 1


@settings(max_examples=300, deadline=None)
@given(boards(), actions)
def test_any_sequence_of_actions_keeps_the_lists_consistent(board, steps):
    listed, main_size, complementary_size = board
    check_lists(listed, main_size, complementary_size)
    for action, pk in steps:
        try:
            after = apply_action(
                listed,
                pk,
                action,
                main_size=main_size,
                complementary_size=complementary_size,
            )
        except MoveNotPossible as refusal:
            assert str(refusal)  # a message for people, and nothing changed
            continue
        check_lists(after, main_size, complementary_size)
        assert others_keep_their_order(listed, after, pk), (action, pk, listed, after)
        was = listed.index(pk) if pk in listed else None
        now = after.index(pk) if pk in after else None
        if action == UP:
            assert now == was - 1
        elif action == DOWN:
            assert now == was + 1
        elif action == REMOVE:
            assert now is None and len(after) == len(listed) - 1
        elif action == TO_MAIN:
            assert now is not None and now < main_size
            assert was is None or was >= main_size
        elif action == TO_COMPLEMENTARY:
            assert now is not None and main_size <= now < main_size + complementary_size
            assert was is None or was < main_size
        listed = after


@settings(max_examples=300, deadline=None)
@given(boards(), actions)
def test_against_score_order_names_only_pairs_put_against_it(board, steps):
    listed, main_size, complementary_size = board
    for action, pk in steps:
        try:
            after = apply_action(
                listed, pk, action, main_size=main_size, complementary_size=complementary_size
            )
        except MoveNotPossible:
            continue
        full_before = listed + [pk for pk in UNIVERSE if pk not in listed]
        full_after = after + [pk for pk in UNIVERSE if pk not in after]
        pairs = against_score_order(full_before, full_after, RANK)
        for first, second in pairs:
            assert RANK[first] > RANK[second]  # the worse score is now first…
            assert full_after.index(first) < full_after.index(second)
            assert full_before.index(first) > full_before.index(second)  # …and was not
        listed = after


@settings(max_examples=200, deadline=None)
@given(boards())
def test_back_to_the_score_order_never_goes_against_it(board):
    listed, main_size, complementary_size = board
    full_before = listed + [pk for pk in UNIVERSE if pk not in listed]
    score_order = sorted(UNIVERSE, key=RANK.get)
    assert against_score_order(full_before, score_order, RANK) == []
