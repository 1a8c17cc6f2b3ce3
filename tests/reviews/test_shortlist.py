"""The shortlist: a suggested cut by a chosen score, adjusted by staff, confirmed in one
audited action with held applicant mails; twice or after a change, nothing happens."""

import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import translation

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from calls.models import ApplicationStatus, CallStatus
from calls.selectors.calls import staff_call_or_404
from calls.transitions import APPLICANT, transition
from reviews.selectors.scoreboard import build_scoreboard
from reviews.selectors.shortlist import default_target, suggest_shortlist
from reviews.services.shortlist import (
    SHORTLIST_VERB,
    ShortlistAlreadyConfirmed,
    ShortlistChanged,
    ShortlistError,
    confirm_shortlist,
)
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import PartnerFactory, UnitFactory, institute
from tests.factories.reviews import call_in_review

pytestmark = pytest.mark.django_db

S = ApplicationStatus


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def scenario():
    """Five applications in review, the call in selection; means 8, 3, 6, 5, 7 (median
    order differs for #3)."""
    return call_in_review(
        status=CallStatus.SELECTION,
        applications=5,
        reviewers=3,
        scores=[[8, 8, 8], [3, 3, 3], [9, 6, 3], [5, 5, 5], [7, 7, 7]],
    )


def board(scenario, staff):
    return build_scoreboard(staff_call_or_404(staff, scenario.call.slug))


def pks(scenario, *indexes):
    return [scenario.applications[i].pk for i in indexes]


def shortlist_url(scenario):
    return reverse("reviews:shortlist", args=[scenario.call.slug])


def test_suggestion_ticks_the_top_n_by_the_chosen_score(scenario, staff):
    by_mean = suggest_shortlist(board(scenario, staff), score="mean", target=3)
    assert [row.application_id for row in by_mean.rows] == pks(scenario, 0, 4, 2, 3, 1)
    assert by_mean.suggested_ids == set(pks(scenario, 0, 4, 2))
    assert by_mean.cut is None

    by_median = suggest_shortlist(board(scenario, staff), score="median", target=3)
    assert by_median.suggested_ids == set(pks(scenario, 0, 4, 2))
    assert [row.application_id for row in by_median.rows][2:4] == pks(scenario, 2, 3)
    by_median = suggest_shortlist(board(scenario, staff), score="median", target=2)
    assert by_median.suggested_ids == set(pks(scenario, 0, 4))


def test_default_target_is_25_or_every_candidate(scenario, staff):
    assert default_target(board(scenario, staff)) == 5


def test_a_tie_at_the_cut_follows_the_calls_tie_break_order(staff):
    scenario = call_in_review(
        status=CallStatus.SELECTION,
        applications=3,
        reviewers=3,
        scores=[[8, 8, 8], [6, 6, 6], [6, 6, 6]],
    )
    scenario.call.tie_break_order = ["institutes"]
    scenario.call.save()
    wider = scenario.applications[2]  # a third institute
    PartnerFactory(
        application=wider,
        unit=UnitFactory(main_institute=institute("INSU")),
        institute=institute("INSU"),
    )
    suggestion = suggest_shortlist(board(scenario, staff), score="mean", target=2)
    assert suggestion.suggested_ids == {scenario.applications[0].pk, wider.pk}
    assert suggestion.cut.rule == "institutes"
    assert suggestion.cut_rule == "Wider institute coverage"


def test_calibrated_score_cannot_be_chosen_when_calibration_is_refused(client, staff):
    scenario = call_in_review(
        status=CallStatus.SELECTION, applications=2, reviewers=2, scores=[[8, 6], [5, 5]]
    )
    client.force_login(staff)
    response = client.get(shortlist_url(scenario) + "?score=calibrated&target=1")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert response.context["suggestion"].score == "mean"


def test_page_pre_ticks_the_suggestion(client, scenario, staff):
    client.force_login(staff)
    response = client.get(shortlist_url(scenario) + "?score=mean&target=2")
    html = response.content.decode()
    for pk in pks(scenario, 0, 4):
        assert f'name="shortlisted" value="{pk}" id="shortlist-{pk}" checked' in html
    for pk in pks(scenario, 1, 2, 3):
        assert f'value="{pk}" id="shortlist-{pk}">' in html
        assert f'<input type="hidden" name="candidates" value="{pk}">' in html
    assert "js/scoreboard.js" in html and "<script>" not in html


def post_data(scenario, ticked, *, score="mean", target=2, candidates=None, suggested=()):
    candidates = candidates if candidates is not None else [a.pk for a in scenario.applications]
    return {
        "score": score,
        "target": target,
        "candidates": candidates,
        "shortlisted": ticked,
        "suggested": list(suggested),
    }


def test_confirm_moves_every_application_in_one_audited_action_with_held_mails(
    client, scenario, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    ticked = pks(scenario, 0, 2)  # staff swapped #4 for #2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            shortlist_url(scenario),
            post_data(scenario, ticked, suggested=pks(scenario, 0, 4)),
        )
    assert response.status_code == 302
    assert response["Location"].endswith("?status=held&event=shortlist_outcome")

    statuses = {a.pk: S(a.status) for a in scenario.call.applications.all()}
    assert statuses == {
        pk: S.SHORTLISTED if pk in ticked else S.NOT_SHORTLISTED for pk in pks(scenario, *range(5))
    }

    (summary,) = AuditEvent.objects.filter(verb=SHORTLIST_VERB)
    assert summary.actor == staff
    assert summary.target_id == str(scenario.call.pk)
    assert summary.data == {
        "score": "mean",
        "target": 2,
        "shortlisted": sorted(ticked),
        "not_shortlisted": sorted(pks(scenario, 1, 3, 4)),
        "suggested": sorted(pks(scenario, 0, 4)),
        "changed_from_suggestion": sorted(pks(scenario, 2, 4)),
    }
    moves = AuditEvent.objects.filter(verb__startswith="application.status.")
    assert moves.filter(verb="application.status.shortlisted").count() == 2
    assert moves.filter(verb="application.status.not_shortlisted").count() == 3
    assert all(event.data["role"] == "staff" for event in moves)

    mails = OutboxMessage.objects.filter(event="shortlist_outcome")
    assert mails.count() == 5
    assert set(mails.values_list("status", flat=True)) == {OutboxStatus.HELD}
    for application in scenario.applications:
        message = mails.get(replace_key=f"shortlist:{application.pk}")
        assert message.to_email == application.coordinator.email
        assert message.related_id == str(application.pk)
        if application.pk in ticked:
            assert message.subject == f"Your application {application.reference} is shortlisted"
        else:
            assert "is not shortlisted" in message.subject
            assert "not among the projects shortlisted" in message.body_text
    assert mail.outbox == []  # held: nothing leaves before staff release it


def test_confirming_twice_changes_nothing_and_says_so(client, scenario, staff):
    client.force_login(staff)
    data = post_data(scenario, pks(scenario, 0, 4))
    client.post(shortlist_url(scenario), data)
    events, mails = AuditEvent.objects.count(), OutboxMessage.objects.count()

    response = client.post(shortlist_url(scenario), data, follow=True)
    html = response.content.decode()
    assert "The shortlist was already confirmed on" in html
    assert "Nothing was changed." in html
    assert (AuditEvent.objects.count(), OutboxMessage.objects.count()) == (events, mails)
    assert scenario.call.applications.filter(status=S.SHORTLISTED).count() == 2

    page = client.get(shortlist_url(scenario)).content.decode()
    assert "Shortlist confirmed on" in page
    assert "there is nothing to shortlist" in page


def test_an_application_that_changed_state_meanwhile_stops_the_confirmation(
    client, scenario, staff
):
    client.force_login(staff)
    withdrawn = scenario.applications[3]
    transition(
        application=withdrawn,
        to=S.WITHDRAWN,
        by=withdrawn.coordinator,
        as_role=APPLICANT,
        reason="Found other funding.",
    )
    events = AuditEvent.objects.count()

    response = client.post(shortlist_url(scenario), post_data(scenario, pks(scenario, 0, 4)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The applications in review changed since the page was loaded" in html
    assert withdrawn.reference in html
    assert scenario.call.applications.filter(status=S.IN_REVIEW).count() == 4
    assert AuditEvent.objects.count() == events
    assert not OutboxMessage.objects.filter(event="shortlist_outcome").exists()
    # the page now lists the four left, the staff member's ticks kept
    assert [row.application_id for row in response.context["suggestion"].rows].count(
        withdrawn.pk
    ) == 0
    assert response.context["ticked"] == set(pks(scenario, 0, 4))


def test_service_refuses_ticks_outside_the_candidates_and_an_empty_shortlist(scenario, staff):
    every = [a.pk for a in scenario.applications]
    common = {"call": scenario.call, "by": staff, "score": "mean", "target": 2}
    with pytest.raises(ShortlistChanged):
        confirm_shortlist(shortlisted_ids=[every[0], 999_999], candidate_ids=every, **common)
    with pytest.raises(ShortlistError, match="Tick at least one"):
        confirm_shortlist(shortlisted_ids=[], candidate_ids=every, **common)
    with pytest.raises(ShortlistChanged):
        confirm_shortlist(shortlisted_ids=every[:1], candidate_ids=every[:4], **common)
    with pytest.raises(ShortlistError, match="Only programme staff"):
        confirm_shortlist(
            **{**common, "by": UserFactory()}, shortlisted_ids=every[:1], candidate_ids=every
        )
    assert scenario.call.applications.filter(status=S.IN_REVIEW).count() == 5
    assert not AuditEvent.objects.filter(verb=SHORTLIST_VERB).exists()

    result = confirm_shortlist(shortlisted_ids=every[:2], candidate_ids=every, **common)
    assert [a.pk for a in result.shortlisted] == every[:2]
    with pytest.raises(ShortlistAlreadyConfirmed):
        confirm_shortlist(shortlisted_ids=every[:2], candidate_ids=every, **common)


def test_a_form_without_the_candidate_list_is_refused(client, scenario, staff):
    client.force_login(staff)
    response = client.post(shortlist_url(scenario), {"score": "mean", "target": 2})
    assert response.status_code == 200
    assert "The list of applications was not sent" in response.content.decode()
    assert scenario.call.applications.filter(status=S.IN_REVIEW).count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_confirming_at_once_make_one_shortlist():
    scenario = call_in_review(
        status=CallStatus.SELECTION, applications=4, reviewers=3, qualities=[8, 3, 6, 5]
    )
    every = [a.pk for a in scenario.applications]
    members = [StaffFactory(), StaffFactory()]
    barrier = threading.Barrier(len(members))
    results, refused, errors = [], [], []

    def worker(member):
        try:
            barrier.wait(timeout=10)
            results.append(
                confirm_shortlist(
                    call=scenario.call,
                    by=member,
                    shortlisted_ids=every[:2],
                    candidate_ids=every,
                    score="mean",
                    target=2,
                )
            )
        except ShortlistAlreadyConfirmed as exc:
            refused.append(exc)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert (len(results), len(refused)) == (1, 1)
    assert AuditEvent.objects.filter(verb=SHORTLIST_VERB).count() == 1
    assert OutboxMessage.objects.filter(event="shortlist_outcome").count() == 4
    assert scenario.call.applications.filter(status=S.SHORTLISTED).count() == 2


def test_shortlisting_is_refused_while_the_call_is_still_in_review(scenario, staff):
    every = [a.pk for a in scenario.applications]
    scenario.call.status = CallStatus.IN_REVIEW
    scenario.call.save(update_fields=["status"])

    with translation.override("en"), pytest.raises(ShortlistError) as refused:
        confirm_shortlist(
            call=scenario.call,
            by=staff,
            shortlisted_ids=every[:2],
            candidate_ids=every,
            score="mean",
            target=2,
        )

    assert str(refused.value) == "Shortlisting needs the call in “Selection”; it is “In review”."
    assert scenario.call.applications.filter(status=S.IN_REVIEW).count() == 5
