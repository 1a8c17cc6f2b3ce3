"""The panel ranking lists through their services: sizes from the funding, moves and their
history, a reason for each move against the score order, stale saves refused, database
invariants, and the tie-break shown at the funding line."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from aissai.audit.models import AuditEvent
from calls.models import ApplicationStatus
from reviews.models import ListEntry, ListKind, ListMove, MoveKind, RankedList
from reviews.selectors.lists import (
    DOWN,
    REMOVE,
    TO_COMPLEMENTARY,
    TO_MAIN,
    UP,
    build_board,
)
from reviews.services.decisions import fix_lists
from reviews.services.list_edits import move_application, reorder_lists, reset_to_score_order
from reviews.services.lists import ListError, ReasonRequired, Seen, StaleLists
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import FundingSourceFactory, PartnerFactory, UnitFactory, institute
from tests.factories.reviews import shortlisted_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are checked in English, whatever a previous test's request left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def scenario():
    """Seven shortlisted applications A…G with means 9…3; 3 funded places, 2 in reserve."""
    return shortlisted_call(means=[9, 8, 7, 6, 5, 4, 3], sources=(3,), complementary_size=2)


def ids(scenario, letters):
    return [scenario.applications["ABCDEFG".index(letter)].pk for letter in letters]


def seen(call) -> Seen:
    versions = dict(RankedList.objects.filter(call=call).values_list("kind", "version"))
    return Seen(versions.get("main", 0), versions.get("complementary", 0))


def stored(call):
    entries = ListEntry.objects.filter(ranked_list__call=call).order_by("position")
    return (
        [e.application_id for e in entries if e.ranked_list.kind == ListKind.MAIN],
        [e.application_id for e in entries if e.ranked_list.kind == ListKind.COMPLEMENTARY],
    )


def move(scenario, staff, letter, action, reason=""):
    return move_application(
        call=scenario.call,
        by=staff,
        application_id=ids(scenario, letter)[0],
        action=action,
        reason=reason,
        seen=seen(scenario.call),
    )


def test_board_before_the_first_save_follows_the_score_order(scenario):
    board = build_board(scenario.call)
    assert (board.main_size, board.complementary_size) == (3, 2)
    assert board.main_ids == ids(scenario, "ABC")
    assert board.complementary_ids == ids(scenario, "DE")
    assert [e.application_id for e in board.others] == ids(scenario, "FG")
    assert [e.position for e in board.main + board.complementary] == [1, 2, 3, 1, 2]
    assert not board.started
    assert (board.main_version, board.complementary_version) == (0, 0)
    assert RankedList.objects.count() == 0  # reading writes nothing


def test_main_list_size_is_the_call_fellowships_without_funding_sources():
    scenario = shortlisted_call(means=[9, 8, 7, 6], sources=(), fellowships=2, complementary_size=1)
    board = build_board(scenario.call)
    assert len(board.main) == 2
    assert len(board.complementary) == 1


def test_first_move_saves_the_score_order_then_the_move(scenario, staff):
    result = move(scenario, staff, "B", UP, reason="Stronger training plan, panel consensus.")

    assert stored(scenario.call) == (ids(scenario, "BAC"), ids(scenario, "DE"))
    assert seen(scenario.call) == Seen(1, 1)
    [row] = ListMove.objects.all()
    assert result.moves == [row]
    assert (row.application_id, row.kind, row.by) == (ids(scenario, "B")[0], MoveKind.MOVED, staff)
    assert (row.from_list, row.from_position, row.to_list, row.to_position) == (
        "main",
        2,
        "main",
        1,
    )
    assert row.against_score_order
    assert row.reason == "Stronger training plan, panel consensus."
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))
    assert verbs == ["call.lists.created", "call.lists.changed"]
    board = build_board(scenario.call)
    assert board.started and not board.out_of_date
    assert [(e.row.reference, e.shift) for e in board.main][:2] == [
        (scenario.applications[1].reference, 1),
        (scenario.applications[0].reference, -1),
    ]


def test_a_move_against_the_score_order_needs_a_reason_and_writes_nothing(scenario, staff):
    with pytest.raises(ReasonRequired) as error:
        move(scenario, staff, "D", UP)
    assert scenario.applications[3].reference in str(error.value)
    assert scenario.applications[2].reference in str(error.value)
    assert RankedList.objects.count() == 0
    assert ListEntry.objects.count() == 0
    assert ListMove.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_a_move_back_to_the_score_order_needs_no_reason(scenario, staff):
    move(scenario, staff, "B", UP, reason="Panel preference.")
    move(scenario, staff, "A", UP)
    assert stored(scenario.call) == (ids(scenario, "ABC"), ids(scenario, "DE"))
    last = ListMove.objects.order_by("pk").last()
    assert (last.reason, last.against_score_order) == ("", False)


def test_moving_across_the_funding_line_records_who_changed_list(scenario, staff):
    result = move(scenario, staff, "D", TO_MAIN, reason="Unique expertise.")

    assert stored(scenario.call) == (ids(scenario, "ABD"), ids(scenario, "CE"))
    moved, shifted = result.moves
    assert (moved.application_id, moved.kind) == (ids(scenario, "D")[0], MoveKind.MOVED)
    assert (moved.from_list, moved.from_position, moved.to_list, moved.to_position) == (
        "complementary",
        1,
        "main",
        3,
    )
    assert (shifted.application_id, shifted.kind, shifted.caused_by) == (
        ids(scenario, "C")[0],
        MoveKind.SHIFTED,
        moved,
    )
    assert (shifted.from_list, shifted.to_list, shifted.to_position) == (
        "main",
        "complementary",
        1,
    )
    assert shifted.reason == "Unique expertise."


def test_main_list_entry_to_the_complementary_list_swaps_with_its_first(scenario, staff):
    move(scenario, staff, "A", TO_COMPLEMENTARY, reason="Budget concerns.")
    assert stored(scenario.call) == (ids(scenario, "BCD"), ids(scenario, "AE"))


def test_taking_an_application_off_the_lists(scenario, staff):
    move(scenario, staff, "C", REMOVE, reason="Overlaps with a funded project.")
    assert stored(scenario.call) == (ids(scenario, "ABD"), ids(scenario, "E"))
    board = build_board(scenario.call)
    assert [e.application_id for e in board.others] == ids(scenario, "CFG")
    assert ListMove.objects.get(application=scenario.applications[2]).to_list == ""


def test_adding_an_application_from_outside_pushes_the_last_one_out(scenario, staff):
    move(scenario, staff, "F", TO_COMPLEMENTARY, reason="Panel asked for it.")
    assert stored(scenario.call) == (ids(scenario, "ABC"), ids(scenario, "DF"))
    removed = ListMove.objects.get(application=scenario.applications[4])
    assert (removed.kind, removed.from_list, removed.to_list) == (
        MoveKind.REMOVED,
        "complementary",
        "",
    )


def test_a_save_from_an_old_page_is_refused_and_writes_nothing(scenario, staff):
    loaded = seen(scenario.call)
    move(scenario, staff, "B", UP, reason="First save.")
    before = stored(scenario.call)
    with pytest.raises(StaleLists, match="changed since you loaded them"):
        move_application(
            call=scenario.call,
            by=StaffFactory(),
            application_id=ids(scenario, "E")[0],
            action=UP,
            reason="Second save.",
            seen=loaded,
        )
    assert stored(scenario.call) == before
    assert seen(scenario.call) == Seen(1, 1)
    assert ListMove.objects.count() == 1


def test_reorder_keeps_the_sizes(scenario, staff):
    result = reorder_lists(
        call=scenario.call,
        by=staff,
        main_ids=ids(scenario, "DABC"),
        complementary_ids=ids(scenario, "E"),
        moved_id=ids(scenario, "D")[0],
        reason="Dragged to the top by the panel.",
        seen=seen(scenario.call),
    )
    assert stored(scenario.call) == (ids(scenario, "DAB"), ids(scenario, "CE"))
    assert [(m.application_id, m.kind) for m in result.moves] == [
        (ids(scenario, "D")[0], MoveKind.MOVED),
        (ids(scenario, "C")[0], MoveKind.SHIFTED),
    ]


def test_reorder_refuses_applications_that_are_not_shortlisted(scenario, staff):
    outsider = scenario.applications[6]
    outsider.status = ApplicationStatus.NOT_SHORTLISTED
    outsider.save(update_fields=["status"])
    with pytest.raises(ListError, match="Only shortlisted"):
        reorder_lists(
            call=scenario.call,
            by=staff,
            main_ids=[outsider.pk, *ids(scenario, "AB")],
            complementary_ids=[],
            reason="x",
            seen=seen(scenario.call),
        )


def test_nothing_changed_is_reported(scenario, staff):
    with pytest.raises(ListError, match="Nothing changed"):
        reorder_lists(
            call=scenario.call,
            by=staff,
            main_ids=ids(scenario, "ABC"),
            complementary_ids=ids(scenario, "DE"),
            seen=seen(scenario.call),
        )


def test_reset_to_the_score_order(scenario, staff):
    move(scenario, staff, "E", TO_MAIN, reason="Panel view.")
    result = reset_to_score_order(call=scenario.call, by=staff, seen=seen(scenario.call))
    assert stored(scenario.call) == (ids(scenario, "ABC"), ids(scenario, "DE"))
    assert {m.kind for m in result.moves} == {MoveKind.MOVED}
    assert all(not m.against_score_order for m in result.moves)
    # The reason the application writes is stored as facts, read in the reader's language.
    assert {(m.reason, m.reason_kind) for m in result.moves} == {("", "reset")}
    with translation.override("fr"):
        assert result.moves[0].reason_text == "Retour à l’ordre des notes."


def test_only_programme_staff_may_move(scenario):
    with pytest.raises(ListError, match="Only programme staff"):
        move(scenario, UserFactory(), "B", DOWN, reason="x")


def test_more_funding_before_fixing_recuts_the_lists(scenario, staff):
    move(scenario, staff, "B", UP, reason="Panel preference.")
    FundingSourceFactory(call=scenario.call, name="Regional grant", fellowships=1)

    board = build_board(scenario.call)
    assert board.out_of_date
    assert board.main_ids == ids(scenario, "BACD")
    assert board.complementary_ids == ids(scenario, "E")  # nobody is pulled in unasked

    move(scenario, staff, "G", TO_COMPLEMENTARY, reason="Panel view.")
    assert stored(scenario.call) == (ids(scenario, "BACD"), ids(scenario, "EG"))
    recut = ListMove.objects.get(application=scenario.applications[3])
    assert (recut.kind, recut.from_list, recut.to_list) == (
        MoveKind.SHIFTED,
        "complementary",
        "main",
    )
    assert recut.reason_kind == "recut"
    assert "re-cut" in recut.reason_text


def test_fixed_lists_no_longer_move(scenario, staff):
    board = build_board(scenario.call)
    fix_lists(
        call=scenario.call,
        by=staff,
        seen=seen(scenario.call),
        main_ids=board.main_ids,
        complementary_ids=board.complementary_ids,
    )
    with pytest.raises(ListError, match="fixed"):
        move(scenario, staff, "E", UP, reason="Too late.")


# --- Database invariants ------------------------------------------------------------------


def test_positions_are_unique_per_list_and_positive(scenario, staff):
    move(scenario, staff, "B", UP, reason="Panel preference.")
    main = RankedList.objects.get(call=scenario.call, kind="main")
    with pytest.raises(IntegrityError), transaction.atomic():
        ListEntry.objects.create(ranked_list=main, application=scenario.applications[6], position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ListEntry.objects.create(ranked_list=main, application=scenario.applications[6], position=0)


def test_an_application_is_on_one_list_only(scenario, staff):
    move(scenario, staff, "B", UP, reason="Panel preference.")
    complementary = RankedList.objects.get(call=scenario.call, kind="complementary")
    with pytest.raises(IntegrityError), transaction.atomic():
        ListEntry.objects.create(
            ranked_list=complementary, application=scenario.applications[0], position=9
        )


def test_many_moves_keep_positions_contiguous(scenario, staff):
    for letter, action in [("E", UP), ("E", UP), ("E", UP), ("A", DOWN), ("G", TO_MAIN)]:
        move(scenario, staff, letter, action, reason="Panel discussion.")
    main, complementary = stored(scenario.call)
    assert len(main) == 3 and len(complementary) == 2
    for kind in ("main", "complementary"):
        positions = list(
            ListEntry.objects.filter(ranked_list__call=scenario.call, ranked_list__kind=kind)
            .order_by("position")
            .values_list("position", flat=True)
        )
        assert positions == list(range(1, len(positions) + 1))


# --- Ties at the funding line ------------------------------------------------------------


def test_tie_at_the_funding_line_is_decided_by_the_written_rule_and_shown(staff):
    scenario = shortlisted_call(
        means=[9, 8, 7, 7, 5], sources=(3,), complementary_size=1, tie_break_order=["institutes"]
    )
    c, d = scenario.applications[2], scenario.applications[3]
    unit = UnitFactory(main_institute=institute("INSB"))
    PartnerFactory(application=d, unit=unit, institute=unit.main_institute, position=5)

    board = build_board(scenario.call)
    assert board.main_ids == [*ids(scenario, "AB"), d.pk]
    assert board.complementary_ids == [c.pk]
    [line] = board.tie_lines
    assert line.after == 3
    [step] = line.steps
    assert (step.first, step.second, step.rule) == (
        d.reference,
        c.reference,
        "Wider institute coverage",
    )
    assert (step.first_value, step.second_value, step.fallback) == (3, 2, False)
    assert board.tie_rules == ["Wider institute coverage"]


def test_tie_left_equal_by_the_rules_falls_back_to_the_earlier_submission():
    scenario = shortlisted_call(means=[9, 8, 7, 7, 5], sources=(3,), complementary_size=1)
    board = build_board(scenario.call)
    [line] = board.tie_lines
    [step] = line.steps
    earlier, later = sorted(scenario.applications[2:4], key=lambda a: a.submitted_at)
    assert (step.first, step.second, step.fallback) == (earlier.reference, later.reference, True)
    assert step.rule == "Earlier submission"
