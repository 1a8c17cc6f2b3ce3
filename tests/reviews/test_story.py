"""The reference call's selection, end to end through the services: 55 applications in
review → 25 shortlisted → 6 on the main list and 3 on the complementary list → results
published (held mails) → additional funding for 2 fellowships → 8 funded, with the whole
history on record; then a decline hands the last place on the complementary list a
fellowship."""

import pytest
from django.core import mail
from django.utils import translation

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import release_mails
from calls.models import ApplicationStatus, CallStatus
from calls.services.calls import change_call_status
from reviews.models import FundingDecision, FundingOutcome, ListMove, MoveKind
from reviews.selectors.decisions import decisions_overview, selection_history
from reviews.selectors.lists import TO_MAIN, build_board
from reviews.selectors.scoreboard import MEAN, build_scoreboard
from reviews.selectors.shortlist import suggest_shortlist
from reviews.services.decisions import add_funding_source, fix_lists, record_decline
from reviews.services.list_edits import move_application
from reviews.services.lists import Seen
from reviews.services.results import publish_results
from reviews.services.shortlist import confirm_shortlist
from tests.factories.accounts import StaffFactory
from tests.factories.calls import FundingSourceFactory
from tests.factories.reviews import call_in_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are checked in English, whatever a previous test's request left active."""
    with translation.override("en"):
        yield


S = ApplicationStatus


def count(call, status):
    return call.applications.filter(status=status).count()


def seen(board):
    return Seen(board.main_version, board.complementary_version)


def test_55_applications_to_25_shortlisted_to_6_plus_3_to_8_funded(
    django_capture_on_commit_callbacks,
):
    staff, chair = StaffFactory(), StaffFactory()
    # 55 applications, 11 reviewers, 3 reviews each; qualities spread from 9.6 down.
    scenario = call_in_review(
        applications=55,
        reviewers=11,
        per_application=3,
        qualities=[9.6 - 0.16 * i for i in range(55)],
        leniencies=[0.4, -0.4, 0, 0.3, -0.3, 0, 0.2, -0.2, 0, 0.1, -0.1],
        fellowships=6,
        complementary_size=3,
        tie_break_order=["median", "institutes"],
    )
    call = scenario.call
    donation = FundingSourceFactory(call=call, name="Industry donation", fellowships=6)

    # The reviews are in: staff move the call to selection, where the selection steps run.
    change_call_status(call=call, to=CallStatus.SELECTION, by=staff)

    # Shortlist: the suggested top 25 by mean score, confirmed in one action.
    suggestion = suggest_shortlist(build_scoreboard(call), score=MEAN, target=25)
    confirm_shortlist(
        call=call,
        by=staff,
        shortlisted_ids=suggestion.suggested_ids,
        candidate_ids=suggestion.candidate_ids,
        suggested_ids=suggestion.suggested_ids,
        score=MEAN,
        target=25,
    )
    assert (count(call, S.SHORTLISTED), count(call, S.NOT_SHORTLISTED)) == (25, 30)

    # Panel ranking: the score order proposes 6 + 3; the panel brings the first of the
    # complementary list onto the main list, with a reason.
    board = build_board(call)
    assert (len(board.main), len(board.complementary), len(board.others)) == (6, 3, 16)
    ranked_first = board.main_ids + board.complementary_ids
    assert ranked_first == suggestion.candidate_ids[:9]  # the same score order and ties
    riser, dropped = board.complementary_ids[0], board.main_ids[-1]
    move_application(
        call=call,
        by=chair,
        application_id=riser,
        action=TO_MAIN,
        reason="Panel: the only project joining INSU and INS2I.",
        seen=seen(board),
    )
    board = build_board(call)
    assert board.main_ids[-1] == riser and board.complementary_ids[0] == dropped

    # Fixing the lists: 6 funded by the donation, 3 waiting, 16 not selected.
    fix_lists(
        call=call,
        by=staff,
        seen=seen(board),
        main_ids=board.main_ids,
        complementary_ids=board.complementary_ids,
    )
    assert (count(call, S.FUNDED), count(call, S.COMPLEMENTARY_LIST)) == (6, 3)
    assert count(call, S.NOT_SELECTED) == 16
    assert donation.decisions.filter(is_current=True, outcome=FundingOutcome.FUNDED).count() == 6
    waiting = board.complementary_ids

    # Results: one held mail per applicant (55); the held shortlist mails are superseded.
    publish_results(call=call, by=staff)
    call.refresh_from_db()
    assert call.status == CallStatus.DECIDED
    held = OutboxMessage.objects.filter(status=OutboxStatus.HELD)
    assert held.filter(event="results").count() == 55
    assert not held.filter(event="shortlist_outcome").exists()

    # Additional funding for 2 fellowships: the first two waiting are promoted, in order.
    result = add_funding_source(
        call=call, by=staff, name="Additional grant", fellowships=2, reason="Second donation."
    )
    assert [p.application.pk for p in result.promoted] == waiting[:2]
    assert count(call, S.FUNDED) == 8
    assert count(call, S.COMPLEMENTARY_LIST) == 1
    grant = result.source
    assert grant.decisions.filter(is_current=True).count() == 2
    overview = decisions_overview(call)
    assert [line.application.pk for line in overview.waiting] == waiting[2:]
    assert overview.waiting[0].position == 1
    assert overview.free_places == 0

    # Held results mails whose decision changed were replaced, never doubled.
    results = OutboxMessage.objects.filter(event="results")
    assert results.filter(status=OutboxStatus.HELD).count() == 55
    assert results.filter(status=OutboxStatus.DISCARDED).count() == 3  # 2 promoted, 1 moved up
    for pk in waiting[:2]:
        mail_now = results.get(replace_key=f"results:{pk}", status=OutboxStatus.HELD)
        assert "selected for funding" in mail_now.subject
        assert "Additional grant" in mail_now.body_text
    last = results.get(replace_key=f"results:{waiting[2]}", status=OutboxStatus.HELD)
    assert "in position 1 of 3" in last.body_text

    # The history: who moved, when, why, funded by which source.
    moves = ListMove.objects.filter(call=call).order_by("pk")
    assert [(m.kind, m.application_id) for m in moves] == [
        (MoveKind.MOVED, riser),
        (MoveKind.SHIFTED, dropped),
        (MoveKind.PROMOTED, waiting[0]),
        (MoveKind.PROMOTED, waiting[1]),
    ]
    assert moves[0].by == chair and moves[0].against_score_order
    assert moves[0].reason == "Panel: the only project joining INSU and INS2I."
    assert {m.funding_source for m in moves[2:]} == {grant}
    assert FundingDecision.objects.filter(application__call=call).count() == 8
    history = selection_history(call)
    assert (history.main_at_fix, history.complementary_at_fix, history.funded) == (6, 3, 8)
    assert (history.promoted, history.declined) == (2, 0)
    verbs = set(AuditEvent.objects.for_object(call).values_list("verb", flat=True))
    assert {
        "call.shortlist.confirmed",
        "call.lists.created",
        "call.lists.changed",
        "call.lists.fixed",
        "call.results.published",
        "call.funding.added",
    } <= verbs

    # Staff release the results: 55 mails leave, one per applicant.
    with django_capture_on_commit_callbacks(execute=True):
        release_mails(actor=staff, messages=OutboxMessage.objects.filter(status="held"))
    assert len(mail.outbox) == 55
    assert len({m.to[0] for m in mail.outbox}) == 55

    # Later, a funded project declines: the last one waiting gets the freed place.
    declining = call.applications.get(pk=board.main_ids[0])
    record_decline(application=declining, by=staff, reason="The postdoc moved abroad.")
    assert count(call, S.FUNDED) == 8
    assert count(call, S.DECLINED) == 1
    assert count(call, S.COMPLEMENTARY_LIST) == 0
    promoted = FundingDecision.objects.get(application_id=waiting[2], is_current=True)
    assert (promoted.funding_source, promoted.promoted) == (donation, True)
    assert (
        OutboxMessage.objects.get(
            replace_key=f"results:{waiting[2]}", status=OutboxStatus.HELD
        ).event
        == "promotion"
    )
    history = selection_history(call)
    assert (history.funded, history.promoted, history.declined) == (8, 3, 1)
