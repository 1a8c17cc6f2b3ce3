"""Each selection step needs the call in the status the table states (``STEP_STATUSES``),
and a call becomes "decided" only when every main-list place has a funding decision."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from calls.models import ApplicationStatus, CallStatus
from calls.services.calls import CallError, change_call_status
from reviews.models import ListKind, Selection
from reviews.selectors.lists import TO_MAIN, build_board
from reviews.services.list_edits import move_application
from reviews.services.lists import ListError, Seen
from tests.factories.accounts import StaffFactory
from tests.factories.reviews import fix_as_shown, place_on_list, shortlisted_call

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def in_review():
    """Shortlisted applications whose call was put back "in review" (as before the fix,
    when shortlisting ran there)."""
    scenario = shortlisted_call(means=[9, 8, 7, 6], sources=(2,), complementary_size=1)
    scenario.call.status = CallStatus.IN_REVIEW
    scenario.call.save(update_fields=["status"])
    return scenario


def test_fixing_the_lists_is_refused_while_the_call_is_in_review(in_review, staff):
    with pytest.raises(ListError) as refused:
        fix_as_shown(in_review.call, by=staff)

    assert (
        str(refused.value) == "Fixing the lists needs the call in “Selection”; it is “In review”."
    )
    assert not Selection.objects.filter(call=in_review.call, fixed_at__isnull=False).exists()
    assert {a.status for a in in_review.call.applications.all()} == {S.SHORTLISTED}


def test_moving_on_the_lists_is_refused_while_the_call_is_in_review(in_review, staff):
    board = build_board(in_review.call)
    with pytest.raises(ListError) as refused:
        move_application(
            call=in_review.call,
            by=staff,
            application_id=board.complementary_ids[0],
            action=TO_MAIN,
            reason="Panel.",
            seen=Seen(board.main_version, board.complementary_version),
        )

    assert str(refused.value) == (
        "Changing the lists needs the call in “Selection”; it is “In review”."
    )


def test_a_call_cannot_be_marked_decided_before_any_decision(staff):
    scenario = shortlisted_call(means=[9, 8, 7], sources=(2,))

    with pytest.raises(CallError) as refused:
        change_call_status(call=scenario.call, to=CallStatus.DECIDED, by=staff)

    assert refused.value.problems == ["Fix the lists and record the funding decisions first."]
    scenario.call.refresh_from_db()
    assert scenario.call.status == CallStatus.SELECTION


def test_a_call_cannot_be_marked_decided_while_a_main_list_place_has_no_decision(staff):
    scenario = shortlisted_call(means=[9, 8, 7], sources=(2,))
    place_on_list(scenario.applications[0], kind=ListKind.MAIN, position=1)
    place_on_list(scenario.applications[1], kind=ListKind.MAIN, position=2)
    Selection.objects.create(call=scenario.call, fixed_at=timezone.now(), fixed_by=staff)

    with pytest.raises(CallError) as refused:
        change_call_status(call=scenario.call, to=CallStatus.DECIDED, by=staff)

    assert refused.value.problems == ["2 places on the main list have no funding decision yet."]


def test_the_status_page_says_why_the_call_cannot_be_decided_yet(client, staff):
    scenario = shortlisted_call(means=[9, 8], sources=(1,))
    client.force_login(staff)

    response = client.get(
        reverse("calls:manage_call_status", args=[scenario.call.slug, CallStatus.DECIDED])
    )

    assert response.context["problems"] == ["Fix the lists and record the funding decisions first."]


def test_a_call_whose_lists_are_fixed_may_be_marked_decided(staff):
    scenario = shortlisted_call(means=[9, 8, 7], sources=(2,))
    fix_as_shown(scenario.call, by=staff)

    change_call_status(call=scenario.call, to=CallStatus.DECIDED, by=staff)

    scenario.call.refresh_from_db()
    assert scenario.call.status == CallStatus.DECIDED


def test_the_shortlist_page_says_the_call_must_move_to_selection_first(client, staff):
    scenario = shortlisted_call(means=[9, 8], sources=(1,))
    scenario.call.status = CallStatus.IN_REVIEW
    scenario.call.save(update_fields=["status"])
    client.force_login(staff)

    response = client.get(reverse("reviews:shortlist", args=[scenario.call.slug]))

    assert response.context["status_problem"] == (
        "Shortlisting needs the call in “Selection”; it is “In review”."
    )
    assert reverse("calls:manage_call", args=[scenario.call.slug]) in response.content.decode()
