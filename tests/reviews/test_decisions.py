"""Funding decisions: fixing the lists (transitions, decisions tied to funding sources in
order), publishing the results (one held mail per applicant for their outcome, with the
reviewers' comments, no names), held mails replaced when a decision changes, and closing
the complementary list."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import queue_mail, release_mails
from calls.models import ApplicationStatus, CallStatus
from reviews.models import FundingDecision, FundingOutcome, ListEntry, Selection
from reviews.reasons import ReasonKind
from reviews.selectors.lists import build_board
from reviews.services.decisions import (
    add_funding_source,
    close_complementary_list,
    fix_lists,
)
from reviews.services.lists import DecisionError, ListError, Seen
from reviews.services.results import publish_results
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import submitted_application
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
def scenario():
    """A…G with means 9…3; a donation of 2 fellowships then a grant of 1; 2 in reserve."""
    return shortlisted_call(means=[9, 8, 7, 6, 5, 4, 3], sources=(2, 1), complementary_size=2)


def seen(call) -> Seen:
    board = build_board(call)
    return Seen(board.main_version, board.complementary_version)


def fix(scenario, staff):
    return fix_as_shown(scenario.call, by=staff)


def statuses(scenario):
    for application in scenario.applications:
        application.refresh_from_db()
    return "".join(
        {
            S.FUNDED: "F",
            S.COMPLEMENTARY_LIST: "C",
            S.NOT_SELECTED: "n",
            S.SHORTLISTED: "s",
            S.DECLINED: "D",
            S.NOT_FUNDED: "x",
        }[a.status]
        for a in scenario.applications
    )


def held(application):
    return OutboxMessage.objects.filter(
        replace_key=f"results:{application.pk}", status=OutboxStatus.HELD
    ).get()


# --- Fixing the lists ---------------------------------------------------------------------


def test_fixing_the_lists_makes_the_decisions(scenario, staff):
    result = fix(scenario, staff)

    assert statuses(scenario) == "FFFCCnn"
    assert [a.pk for a in result.funded] == [a.pk for a in scenario.applications[:3]]
    donation, grant = scenario.call.funding_sources.order_by("created_at", "pk")
    decisions = FundingDecision.objects.order_by("pk")
    assert [(d.application_id, d.outcome, d.funding_source) for d in decisions] == [
        (scenario.applications[0].pk, FundingOutcome.FUNDED, donation),
        (scenario.applications[1].pk, FundingOutcome.FUNDED, donation),
        (scenario.applications[2].pk, FundingOutcome.FUNDED, grant),
    ]
    assert all(d.is_current and not d.promoted and d.decided_by == staff for d in decisions)
    # The facts are stored, not an English sentence; the sentence is read in a language.
    assert (decisions[2].reason, decisions[2].reason_kind, decisions[2].reason_params) == (
        "",
        ReasonKind.MAIN_LIST,
        {"position": 3},
    )
    assert decisions[2].reason_text == "Main list, position 3."
    with translation.override("fr"):
        assert decisions[2].reason_text == "Liste principale, position 3."
    assert Selection.objects.get(call=scenario.call).fixed_by == staff
    assert ListEntry.objects.filter(ranked_list__call=scenario.call).count() == 5
    first = scenario.applications[0]
    verbs = list(AuditEvent.objects.for_object(first).order_by("pk").values_list("verb", flat=True))
    assert verbs == ["application.status.main_list", "application.status.funded"]
    summary = AuditEvent.objects.get(verb="call.lists.fixed")
    assert summary.data["sources"] == {str(donation.pk): 2, str(grant.pk): 1}
    assert summary.data["not_selected"] == [a.pk for a in scenario.applications[5:]]
    assert not OutboxMessage.objects.exists()  # nothing is mailed before publication


def test_fixing_needs_a_funding_source(staff):
    scenario = shortlisted_call(means=[9, 8, 7], sources=(), fellowships=2, complementary_size=1)
    with pytest.raises(DecisionError, match="funding sources first"):
        fix(scenario, staff)
    assert statuses(scenario) == "sss"
    assert not FundingDecision.objects.exists()


def test_fixing_other_lists_than_the_current_ones_is_refused(scenario, staff):
    board = build_board(scenario.call)
    with pytest.raises(DecisionError, match="changed since you loaded"):
        fix_lists(
            call=scenario.call,
            by=staff,
            seen=Seen(0, 0),
            main_ids=list(reversed(board.main_ids)),
            complementary_ids=board.complementary_ids,
        )
    assert statuses(scenario) == "sssssss"


def test_fixing_twice_is_refused(scenario, staff):
    fix(scenario, staff)
    with pytest.raises(ListError, match="fixed"):
        fix(scenario, staff)
    assert FundingDecision.objects.count() == 3


def test_only_programme_staff_fix_the_lists(scenario):
    with pytest.raises(ListError, match="Only programme staff"):
        fix(scenario, UserFactory())


# --- Publishing the results -----------------------------------------------------------------


@pytest.fixture
def published(scenario, staff):
    """Fixed, with one more application not shortlisted, and results published."""
    french = scenario.applications[5].coordinator
    french.language = "fr"
    french.save(update_fields=["language"])
    scenario.outsider = submitted_application(
        call=scenario.call, status=S.NOT_SHORTLISTED, documents=False
    )
    queue_mail(
        event="shortlist_outcome",
        to_email=scenario.outsider.coordinator.email,
        context={"application": scenario.outsider, "call": scenario.call, "shortlisted": False},
        related=scenario.outsider,
        held=True,
        replace_key=f"shortlist:{scenario.outsider.pk}",
    )
    fix(scenario, staff)
    scenario.mails = publish_results(call=scenario.call, by=staff)
    return scenario


def test_publishing_writes_one_held_results_mail_per_applicant(published):
    apps = published.applications
    results = OutboxMessage.objects.filter(event="results")
    assert results.count() == 8 == len(published.mails)
    assert set(results.values_list("status", flat=True)) == {OutboxStatus.HELD}
    assert {m.replace_key for m in results} == {
        f"results:{a.pk}" for a in [*apps, published.outsider]
    }
    assert held(apps[0]).subject == f"Your application {apps[0].reference} is selected for funding"
    assert "The fellowship is funded by: Industry donation." in held(apps[0]).body_text
    assert held(apps[2]).body_text.count("Additional grant 2") == 1
    assert held(apps[3]).subject == (
        f"Your application {apps[3].reference} is on the complementary list"
    )
    assert held(apps[4]).body_text.count("in position 2 of 2") == 1
    assert "did not place it on the main list" in held(apps[6]).body_text
    assert "not among the projects shortlisted" in held(published.outsider).body_text
    french = held(apps[5])
    assert french.language == "fr"
    with translation.override("fr"):
        subject = gettext("Result of your application %(ref)s") % {"ref": apps[5].reference}
    assert french.subject == subject
    assert held(apps[0]).to_email == apps[0].coordinator.email


def test_results_carry_the_reviewers_comments_without_names(published):
    body = held(published.applications[0]).body_text
    assert "The reviewers' comments for the applicants" in body
    assert "Reviewer 1:\nClear and ambitious." in body
    assert "Reviewer 3:\nClear and ambitious." in body
    assert "Reviewer 4" not in body
    for invitation in published.invitations:
        assert invitation.expert.full_name not in body
        assert invitation.expert.institution not in body


def test_results_without_comments_when_staff_say_so(scenario, staff):
    fix(scenario, staff)
    publish_results(call=scenario.call, by=staff, attach_comments=False)
    assert "Reviewer 1" not in held(scenario.applications[0]).body_text
    assert Selection.objects.get(call=scenario.call).comments_attached is False


def test_publishing_decides_the_call_and_supersedes_held_shortlist_mails(published, staff):
    published.call.refresh_from_db()
    assert published.call.status == CallStatus.DECIDED
    shortlist_mail = OutboxMessage.objects.get(event="shortlist_outcome")
    assert shortlist_mail.status == OutboxStatus.DISCARDED
    event = AuditEvent.objects.get(verb="call.results.published")
    assert event.data["outcomes"] == {
        "funded": 3,
        "complementary": 2,
        "not_selected": 2,
        "not_shortlisted": 1,
    }
    with pytest.raises(DecisionError, match="already published"):
        publish_results(call=published.call, by=staff)


def test_results_cannot_be_published_before_the_lists_are_fixed(scenario, staff):
    with pytest.raises(DecisionError, match="Fix the lists first"):
        publish_results(call=scenario.call, by=staff)
    assert not OutboxMessage.objects.exists()


# --- Held mails replaced when a decision changes ------------------------------------------


def test_a_held_results_mail_is_replaced_when_the_decision_changes(published, staff):
    d, e = published.applications[3], published.applications[4]
    old_d, old_e = held(d), held(e)

    add_funding_source(call=published.call, by=staff, name="Regional grant", fellowships=1)

    old_d.refresh_from_db()
    old_e.refresh_from_db()
    assert (old_d.status, old_e.status) == (OutboxStatus.DISCARDED, OutboxStatus.DISCARDED)
    new_d = held(d)
    assert new_d.event == "results"
    assert new_d.subject == f"Your application {d.reference} is selected for funding"
    assert "Regional grant" in new_d.body_text
    assert "Reviewer 1:" in new_d.body_text  # still the full results mail
    assert "in position 1 of 2" in held(e).body_text
    assert OutboxMessage.objects.filter(status=OutboxStatus.HELD, event="results").count() == 8


def test_after_release_a_change_has_its_own_held_mail(published, staff):
    d = published.applications[3]
    released = held(d)
    release_mails(actor=staff, messages=OutboxMessage.objects.filter(pk=released.pk))

    add_funding_source(call=published.call, by=staff, name="Regional grant", fellowships=1)

    released.refresh_from_db()
    assert released.status != OutboxStatus.DISCARDED
    promotion = held(d)
    assert promotion.event == "promotion"
    assert promotion.subject == (
        f"A place is now available: your application {d.reference} is selected for funding"
    )
    assert "which was in position 1 on the complementary list" in promotion.body_text
    assert f"/reviews/decisions/application/{d.pk}/decline/" in promotion.body_text


# --- Closing the complementary list --------------------------------------------------------


def test_closing_the_complementary_list_leaves_the_waiting_ones_not_funded(scenario, staff):
    fix(scenario, staff)
    result = close_complementary_list(call=scenario.call, by=staff, reason="No more funding.")

    assert statuses(scenario) == "FFFxxnn"
    assert [a.pk for a in result.complementary] == [a.pk for a in scenario.applications[3:5]]
    decision = FundingDecision.objects.get(application=scenario.applications[3])
    assert (decision.outcome, decision.funding_source, decision.reason) == (
        FundingOutcome.NOT_FUNDED,
        None,
        "No more funding.",
    )
    assert Selection.objects.get(call=scenario.call).closed_by == staff
    assert not OutboxMessage.objects.exists()
    with pytest.raises(DecisionError, match="already closed"):
        close_complementary_list(call=scenario.call, by=staff)


def test_closing_after_publication_replaces_the_held_results_mail(published, staff):
    d = published.applications[3]
    close_complementary_list(call=published.call, by=staff)
    mail = held(d)
    assert mail.event == "results"
    assert "no further place became available" in mail.body_text
