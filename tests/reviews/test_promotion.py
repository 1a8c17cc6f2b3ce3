"""Promotion from the complementary list: in order, on additional funding and on a decline,
each one audited action with its history rows and the freed or new funding source."""

import pytest
from django.utils import translation

from aissai.audit.models import AuditEvent
from calls.models import ApplicationStatus
from calls.transitions import APPLICANT
from reviews.models import FundingDecision, FundingOutcome, ListEntry, ListMove, MoveKind
from reviews.selectors.decisions import decisions_overview, selection_history
from reviews.selectors.lists import build_board
from reviews.services.decisions import (
    add_funding_source,
    fill_free_places,
    record_decline,
)
from reviews.services.list_edits import move_application
from reviews.services.lists import DecisionError, Seen
from reviews.services.results import publish_results
from tests.factories.accounts import StaffFactory
from tests.factories.reviews import fix_as_shown, shortlisted_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are checked in English, whatever a previous test's request left active."""
    with translation.override("en"):
        yield


S = ApplicationStatus


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def fixed(staff):
    """A…G with means 9…3: A, B, C funded by the donation (3), D, E on the complementary
    list, F, G not selected."""
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5, 4, 3], sources=(3,), complementary_size=2)
    fix_as_shown(scenario.call, by=staff)
    return scenario


def app(scenario, letter):
    application = scenario.applications["ABCDEFG".index(letter)]
    application.refresh_from_db()
    return application


def lists(call):
    entries = ListEntry.objects.filter(ranked_list__call=call).select_related("ranked_list")
    entries = sorted(entries, key=lambda e: (e.ranked_list.kind != "main", e.position))
    return [(e.ranked_list.kind, e.position, e.application_id) for e in entries]


def test_additional_funding_promotes_the_top_of_the_complementary_list_in_order(fixed, staff):
    result = add_funding_source(
        call=fixed.call, by=staff, name="Regional grant", fellowships=2, reason="Region joins."
    )

    source = result.source
    assert [p.application.pk for p in result.promoted] == [app(fixed, "D").pk, app(fixed, "E").pk]
    assert app(fixed, "D").status == app(fixed, "E").status == S.FUNDED
    for letter in "DE":
        decision = FundingDecision.objects.get(application=app(fixed, letter), is_current=True)
        assert (decision.outcome, decision.funding_source, decision.promoted) == (
            FundingOutcome.FUNDED,
            source,
            True,
        )
    moves = ListMove.objects.filter(kind=MoveKind.PROMOTED).order_by("pk")
    assert [
        (m.application_id, m.from_list, m.from_position, m.to_list, m.to_position) for m in moves
    ] == [
        (app(fixed, "D").pk, "complementary", 1, "main", 4),
        (app(fixed, "E").pk, "complementary", 2, "main", 5),
    ]
    assert all(m.funding_source == source and m.by == staff for m in moves)
    assert moves[0].reason == "Region joins."
    assert lists(fixed.call)[-1] == ("main", 5, app(fixed, "E").pk)
    event = AuditEvent.objects.get(verb="call.funding.added")
    assert event.actor == staff
    assert event.data["promoted"] == [
        {"application": app(fixed, "D").pk, "source": source.pk, "from_position": 1},
        {"application": app(fixed, "E").pk, "source": source.pk, "from_position": 2},
    ]
    promoted_event = AuditEvent.objects.for_object(app(fixed, "D")).get(
        verb="application.status.funded"
    )
    assert promoted_event.data["promoted"] is True


def test_one_more_fellowship_promotes_only_the_first_in_line(fixed, staff):
    add_funding_source(call=fixed.call, by=staff, name="Small grant", fellowships=1)
    assert (app(fixed, "D").status, app(fixed, "E").status) == (S.FUNDED, S.COMPLEMENTARY_LIST)
    assert lists(fixed.call)[-1] == ("complementary", 1, app(fixed, "E").pk)


def test_more_places_than_applications_waiting_leaves_free_places(fixed, staff):
    add_funding_source(call=fixed.call, by=staff, name="Big grant", fellowships=3)
    overview = decisions_overview(fixed.call)
    assert overview.free_places == 1
    assert [line.application.pk for line in overview.funded][-2:] == [
        app(fixed, "D").pk,
        app(fixed, "E").pk,
    ]
    assert overview.waiting == []


def test_a_decline_offers_the_freed_place_to_the_next_in_line(fixed, staff):
    donation = fixed.call.funding_sources.get()
    b = app(fixed, "B")

    result = record_decline(
        application=b,
        by=staff,
        reason="The postdoc candidate took a permanent position.",
        declined_on=b.created_at.date(),
    )

    assert app(fixed, "B").status == S.DECLINED
    history = FundingDecision.objects.filter(application=b).order_by("pk")
    assert [(d.outcome, d.is_current) for d in history] == [
        (FundingOutcome.FUNDED, False),
        (FundingOutcome.DECLINED, True),
    ]
    assert history[1].funding_source == donation
    assert history[1].effective_on == b.created_at.date()
    assert [p.application.pk for p in result.promoted] == [app(fixed, "D").pk]
    assert (
        FundingDecision.objects.get(application=app(fixed, "D"), is_current=True).funding_source
        == donation
    )
    declined_move = ListMove.objects.get(application=b)
    assert (declined_move.kind, declined_move.from_list, declined_move.from_position) == (
        MoveKind.DECLINED,
        "main",
        2,
    )
    assert declined_move.to_list == ""
    promoted = ListMove.objects.get(application=app(fixed, "D"))
    assert (promoted.kind, promoted.to_list, promoted.to_position) == (MoveKind.PROMOTED, "main", 3)
    assert promoted.reason_text == f"Place freed by the decline of {b.reference}."
    assert (promoted.reason_kind, promoted.reason_params) == (
        "freed_by_decline",
        {"reference": b.reference},
    )
    assert lists(fixed.call) == [
        ("main", 1, app(fixed, "A").pk),
        ("main", 2, app(fixed, "C").pk),
        ("main", 3, app(fixed, "D").pk),
        ("complementary", 1, app(fixed, "E").pk),
    ]
    event = AuditEvent.objects.get(verb="call.funding.declined")
    assert event.data["promoted"][0]["application"] == app(fixed, "D").pk
    assert event.data["freed_source"] == donation.pk


def test_a_decline_recorded_by_the_coordinator_waits_for_staff(fixed, staff):
    b = app(fixed, "B")
    result = record_decline(
        application=b, by=b.coordinator, reason="We cannot recruit.", as_role=APPLICANT
    )
    assert result.promoted == []
    assert app(fixed, "D").status == S.COMPLEMENTARY_LIST
    assert decisions_overview(fixed.call).free_places == 1
    assert FundingDecision.objects.get(application=b, is_current=True).decided_by == b.coordinator

    filled = fill_free_places(call=fixed.call, by=staff)
    assert [p.application.pk for p in filled.promoted] == [app(fixed, "D").pk]
    assert decisions_overview(fixed.call).free_places == 0
    with pytest.raises(DecisionError, match="No free place"):
        fill_free_places(call=fixed.call, by=staff)


def test_someone_else_cannot_decline_for_the_applicants(fixed):
    b = app(fixed, "B")
    with pytest.raises(DecisionError, match="Only the coordinator"):
        record_decline(
            application=b, by=app(fixed, "A").coordinator, reason="No.", as_role=APPLICANT
        )
    assert app(fixed, "B").status == S.FUNDED


def test_only_a_funded_application_can_decline(fixed, staff):
    with pytest.raises(DecisionError, match="Only a funded application"):
        record_decline(application=app(fixed, "D"), by=staff, reason="Not funded yet.")


def test_a_decline_needs_a_reason(fixed, staff):
    with pytest.raises(DecisionError, match="reason"):
        record_decline(application=app(fixed, "A"), by=staff, reason="  ")


def test_the_history_shows_who_moved_when_why_and_with_which_source(fixed, staff):
    publish_results(call=fixed.call, by=staff)
    add_funding_source(call=fixed.call, by=staff, name="Regional grant", fellowships=1)
    record_decline(application=app(fixed, "A"), by=staff, reason="Moved abroad.")

    history = selection_history(fixed.call)
    assert (history.main_at_fix, history.complementary_at_fix) == (3, 2)
    assert (history.funded, history.promoted, history.declined) == (4, 2, 1)
    kinds = [
        item.milestone or ("decision:" + item.decision.outcome if item.decision else item.move.kind)
        for item in history.items
    ]
    assert kinds == [
        "decision:funded",
        "decision:funded",
        "decision:funded",
        "fixed",
        "published",
        "decision:funded",
        "promoted",
        "decision:declined",
        "declined",
        "decision:funded",
        "promoted",
    ]
    last = history.items[-1]
    assert (last.move.application_id, last.move.funding_source.name) == (
        app(fixed, "E").pk,
        "Industry donation",
    )
    assert last.actor == staff


def test_a_source_added_before_the_lists_are_fixed_grows_the_main_list(staff):
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5], sources=(2,), complementary_size=2)
    a, b, c, d, _e = scenario.applications
    move_application(
        call=scenario.call, by=staff, application_id=d.pk, action="up", reason="x", seen=Seen(0, 0)
    )

    result = add_funding_source(call=scenario.call, by=staff, name="Early grant", fellowships=1)

    assert result.promoted == []
    assert lists(scenario.call) == [
        ("main", 1, a.pk),
        ("main", 2, b.pk),
        ("main", 3, d.pk),
        ("complementary", 1, c.pk),
    ]
    recut = ListMove.objects.get(application=d, kind=MoveKind.SHIFTED)
    assert (recut.from_list, recut.to_list) == ("complementary", "main")
    assert build_board(scenario.call).main_version == 2
    assert not FundingDecision.objects.exists()
