"""Properties of the stored lists (``reviews.services.lists`` and ``.decisions``) under
random sequences of staff actions, checked against the pure list arithmetic as a model.

After every action, in the database: positions on each list run 1, 2, 3… without a gap,
no application is on both lists, the lists hold at most their sizes, and they are what
``apply_action`` says. After the lists are fixed, random additional funding and declines
promote from the complementary list strictly in its order, and every funded place is
paid by a source. Each hypothesis example runs in a savepoint rolled back at its end,
on one call made once per test.
"""

from contextlib import contextmanager

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calls.models import Application, ApplicationStatus
from reviews.models import FundingDecision, FundingOutcome, ListEntry, ListMove, RankedList
from reviews.selectors.lists import ACTIONS, MoveNotPossible, apply_action, build_board
from reviews.services.decisions import add_funding_source, fix_lists, record_decline
from reviews.services.list_edits import move_application
from reviews.services.lists import ListError, ReasonRequired, Seen
from tests.factories.accounts import StaffFactory
from tests.factories.reviews import shortlisted_call

pytestmark = pytest.mark.django_db
S = ApplicationStatus
MAIN_SIZE, COMPLEMENTARY_SIZE = 3, 2
DB_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def scenario():
    """Seven shortlisted applications with means 9…3; 3 funded places, 2 in reserve."""
    with translation.override("en"):
        yield shortlisted_call(
            means=[9, 8, 7, 6, 5, 4, 3], sources=(MAIN_SIZE,), complementary_size=2
        )


def stored(call, main_size: int = MAIN_SIZE) -> tuple[list[int], list[int]]:
    """The stored lists, after checking their invariants."""
    rows = list(
        ListEntry.objects.filter(ranked_list__call=call).values_list(
            "application_id", "ranked_list__kind", "position"
        )
    )
    lists = {}
    for kind in ("main", "complementary"):
        entries = sorted((pos, pk) for pk, k, pos in rows if k == kind)
        assert [pos for pos, _pk in entries] == list(range(1, len(entries) + 1)), kind
        lists[kind] = [pk for _pos, pk in entries]
    main, complementary = lists["main"], lists["complementary"]
    assert not set(main) & set(complementary), "an application on both lists"
    assert len(main) <= main_size and len(complementary) <= COMPLEMENTARY_SIZE
    return main, complementary


def seen(call) -> Seen:
    versions = dict(RankedList.objects.filter(call=call).values_list("kind", "version"))
    return Seen(versions.get("main", 0), versions.get("complementary", 0))


def test_random_moves_keep_the_stored_lists_as_the_model_says(scenario):
    call, staff = scenario.call, StaffFactory()
    ids = [a.pk for a in scenario.applications]
    board = build_board(call)
    initial = board.main_ids + board.complementary_ids
    assert initial == ids[:5]  # the score order before the first save

    @DB_SETTINGS
    @given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 6)), max_size=6))
    def run(steps):
        with rolled_back():
            model = list(initial)
            for action, index in steps:
                pk = ids[index]
                try:
                    expected = apply_action(
                        model,
                        pk,
                        action,
                        main_size=MAIN_SIZE,
                        complementary_size=COMPLEMENTARY_SIZE,
                    )
                except MoveNotPossible:
                    expected = None
                moves_before = ListMove.objects.filter(call=call).count()
                try:
                    move_application(
                        call=call,
                        by=staff,
                        application_id=pk,
                        action=action,
                        seen=seen(call),
                        reason="Panel discussion.",
                    )
                except ReasonRequired:  # never: a reason is always given
                    raise
                except ListError:
                    assert expected is None or expected == model, (action, pk)
                    continue
                assert expected is not None, (action, pk, "refused by the model")
                main, complementary = stored(call)
                assert main + complementary == expected
                assert ListMove.objects.filter(call=call, application_id=pk).exists()
                assert ListMove.objects.filter(call=call).count() > moves_before
                model = expected

    run()


def test_promotion_follows_the_complementary_order(scenario):
    call, staff = scenario.call, StaffFactory()
    board = build_board(call)
    fix_lists(
        call=call,
        by=staff,
        seen=Seen(board.main_version, board.complementary_version),
        main_ids=board.main_ids,
        complementary_ids=board.complementary_ids,
    )
    waiting = board.complementary_ids

    @DB_SETTINGS
    @given(
        st.lists(
            st.one_of(
                st.tuples(st.just("fund"), st.integers(1, 2)),
                st.tuples(st.just("decline"), st.integers(0, 4)),
            ),
            max_size=4,
        )
    )
    def run(events):
        with rolled_back():
            promoted: list[int] = []
            places = MAIN_SIZE
            for kind, number in events:
                if kind == "fund":
                    result = add_funding_source(
                        call=call, by=staff, name=f"Grant {number}", fellowships=number
                    )
                    places += number
                else:
                    main, _complementary = stored(call, places)
                    if number >= len(main):
                        continue
                    application = Application.objects.get(pk=main[number])
                    result = record_decline(
                        application=application, by=staff, reason="Position taken elsewhere."
                    )
                promoted += [p.application.pk for p in result.promoted]
                main, complementary = stored(call, places)
                # Promoted strictly in the complementary order; the rest wait in that order.
                assert promoted == waiting[: len(promoted)]
                assert complementary == [pk for pk in waiting if pk not in promoted]
                funded = FundingDecision.objects.filter(
                    application__call=call, is_current=True, outcome=FundingOutcome.FUNDED
                )
                assert funded.count() == len(main) <= places
                assert not funded.filter(funding_source__isnull=True).exists()
                assert set(funded.values_list("application_id", flat=True)) == set(main)
                statuses = dict(
                    call.applications.filter(pk__in=waiting).values_list("pk", "status")
                )
                assert all(statuses[pk] == S.FUNDED for pk in promoted if pk in main)
                assert all(statuses[pk] == S.DECLINED for pk in promoted if pk not in main)
                assert all(statuses[pk] == S.COMPLEMENTARY_LIST for pk in complementary)

    run()
