"""Two members of staff acting at the same moment (PostgreSQL, real threads): the lists
never get duplicate or missing positions, the second save is told the lists changed, and
concurrent funding actions promote each application once, in order."""

import threading

import pytest
from django.db import connection

from calls.models import ApplicationStatus
from reviews.models import FundingDecision, ListEntry, ListMove, RankedList
from reviews.selectors.lists import build_board
from reviews.services.decisions import add_funding_source, record_decline
from reviews.services.list_edits import move_application
from reviews.services.lists import ListError, Seen, StaleLists
from tests.factories.accounts import StaffFactory
from tests.factories.reviews import fix_as_shown, shortlisted_call

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*jobs):
    """Run each job in its own thread and connection, released at the same moment."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def worker(index, job):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", job())
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def positions(call):
    return {
        kind: list(
            ListEntry.objects.filter(ranked_list__call=call, ranked_list__kind=kind)
            .order_by("position")
            .values_list("position", flat=True)
        )
        for kind in ("main", "complementary")
    }


def test_two_staff_saving_at_once_the_second_is_told_the_lists_changed():
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5], sources=(2,), complementary_size=2)
    call, apps = scenario.call, scenario.applications
    first, second = StaffFactory(), StaffFactory()
    loaded = Seen(0, 0)  # both opened the board before anyone saved

    outcomes = run_together(
        lambda: move_application(
            call=call,
            by=first,
            application_id=apps[2].pk,
            action="to_main",
            reason="First panel view.",
            seen=loaded,
        ),
        lambda: move_application(
            call=call,
            by=second,
            application_id=apps[3].pk,
            action="up",
            reason="Second panel view.",
            seen=loaded,
        ),
    )

    kinds = sorted(kind for kind, _value in outcomes)
    assert kinds == ["error", "ok"], outcomes
    [error] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(error, StaleLists)
    assert "changed since you loaded them" in str(error)
    assert ListMove.objects.filter(kind="moved").count() == 1
    versions = set(RankedList.objects.filter(call=call).values_list("version", flat=True))
    assert versions == {1}
    assert positions(call) == {"main": [1, 2], "complementary": [1, 2]}


def test_many_saves_from_the_same_page_make_one_change():
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5, 4], sources=(3,), complementary_size=2)
    call, apps = scenario.call, scenario.applications
    people = [StaffFactory() for _ in range(4)]
    moves = [(apps[1], "up"), (apps[3], "up"), (apps[4], "to_main"), (apps[0], "down")]

    outcomes = run_together(
        *[
            (
                lambda by=by, a=a, action=action: move_application(
                    call=call,
                    by=by,
                    application_id=a.pk,
                    action=action,
                    reason="Concurrent.",
                    seen=Seen(0, 0),
                )
            )
            for by, (a, action) in zip(people, moves, strict=True)
        ]
    )

    assert [kind for kind, _ in outcomes].count("ok") == 1, outcomes
    assert all(isinstance(v, StaleLists) for kind, v in outcomes if kind == "error")
    assert positions(call) == {"main": [1, 2, 3], "complementary": [1, 2]}
    board = build_board(call)
    assert len(set(board.main_ids + board.complementary_ids)) == 5


def fixed_call():
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5, 4], sources=(2,), complementary_size=3)
    staff = StaffFactory()
    fix_as_shown(scenario.call, by=staff)
    return scenario


def test_two_sources_added_at_once_promote_two_applications_in_order():
    scenario = fixed_call()
    call, apps = scenario.call, scenario.applications

    outcomes = run_together(
        lambda: add_funding_source(call=call, by=StaffFactory(), name="Grant A", fellowships=1),
        lambda: add_funding_source(call=call, by=StaffFactory(), name="Grant B", fellowships=1),
    )

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    funded = set(
        call.applications.filter(status=ApplicationStatus.FUNDED).values_list("pk", flat=True)
    )
    assert funded == {a.pk for a in apps[:4]}
    sources = FundingDecision.objects.filter(
        application__in=apps[2:4], is_current=True
    ).values_list("funding_source__name", flat=True)
    assert sorted(sources) == ["Grant A", "Grant B"]
    assert positions(call) == {"main": [1, 2, 3, 4], "complementary": [1]}


def test_the_same_decline_recorded_twice_at_once_promotes_once():
    scenario = fixed_call()
    call, apps = scenario.call, scenario.applications

    outcomes = run_together(
        *[
            (lambda: record_decline(application=apps[0], by=StaffFactory(), reason="Left."))
            for _ in range(2)
        ]
    )

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    assert all(isinstance(v, ListError) for kind, v in outcomes if kind == "error")
    assert call.applications.filter(status=ApplicationStatus.FUNDED).count() == 2
    assert ListMove.objects.filter(kind="promoted").count() == 1
    assert positions(call) == {"main": [1, 2], "complementary": [1, 2]}
