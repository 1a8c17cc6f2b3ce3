"""Why a fellowship was abandoned: the reasons the application writes are stored as facts
and read in the reader's language, staff's words stay as written; the sentences stored
before are converted by the migration when it can read them."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from aissai.audit.models import AuditEvent
from awards.models import Fellowship, FellowshipState
from awards.services.endings import abandon_fellowship, record_recruitment_failure
from reviews.models import FundingDecision, FundingOutcome, ListMove
from reviews.reasons import Reason, ReasonKind
from reviews.services.decision_records import decide
from tests.factories.accounts import StaffFactory
from tests.factories.awards import funded_call

awards_migration = importlib.import_module("awards.migrations.0002_abandon_reasons_as_facts")
reviews_migration = importlib.import_module("reviews.migrations.0009_decline_reasons_as_facts")

pytestmark = pytest.mark.django_db


@pytest.fixture
def award():
    return funded_call(staff=StaffFactory(language="en"))


def take_the_place_away(award, letter, reason):
    fellowship = award.fellowship(letter)
    decide(
        application=award.app(letter),
        outcome=FundingOutcome.NOT_FUNDED,
        by=award.staff,
        reason=reason,
    )
    fellowship.refresh_from_db()
    return fellowship


def reason_on_the_page(client, fellowship, language):
    client.force_login(StaffFactory(language=language))
    html = client.get(reverse("awards:fellowship", args=[fellowship.pk])).content.decode()
    return html.split('id="abandon-reason">', 1)[1].split("</dd>", 1)[0]


def test_a_changed_decision_abandons_with_facts_read_in_each_language(client, award):
    fellowship = take_the_place_away(award, "A", "")

    assert fellowship.state == FellowshipState.ABANDONED
    assert (fellowship.abandon_reason, fellowship.abandon_reason_kind) == ("", "decision_changed")
    assert reason_on_the_page(client, fellowship, "fr") == "La décision de financement a changé."
    assert reason_on_the_page(client, fellowship, "en") == "The funding decision changed."
    event = AuditEvent.objects.get(target_id=str(fellowship.pk), verb="fellowship.abandoned")
    assert (event.data["reason"], event.data["reason_kind"], event.data["reason_params"]) == (
        "The funding decision changed.",
        "decision_changed",
        {},
    )


def test_the_abandon_keeps_the_facts_of_the_new_decision(client, award):
    fellowship = take_the_place_away(award, "B", Reason(ReasonKind.SOURCES_CHANGED))

    assert (fellowship.abandon_reason_kind, fellowship.abandon_reason_params) == (
        "sources_changed",
        {},
    )
    assert reason_on_the_page(client, fellowship, "fr") == "Sources de financement modifiées."
    assert reason_on_the_page(client, fellowship, "en") == "Funding sources changed."


def test_staff_words_stay_as_written(client, award):
    taken = take_the_place_away(award, "A", "Ethics approval refused.")
    left = abandon_fellowship(fellowship=award.fellowship("B"), by=award.staff, reason="Left.")

    for fellowship in (taken, left):
        fellowship.refresh_from_db()
        assert fellowship.abandon_reason_kind == ""
    assert (taken.abandon_reason, left.abandon_reason) == ("Ethics approval refused.", "Left.")
    assert reason_on_the_page(client, taken, "fr") == "Ethics approval refused."


def test_a_failed_recruitment_declines_with_facts_around_staff_words(award):
    record_recruitment_failure(
        fellowship=award.fellowship("B"), by=award.staff, reason="No suitable candidate."
    )

    fellowship = Fellowship.objects.get(application=award.app("B"))
    assert (fellowship.abandon_reason, fellowship.abandon_reason_kind) == (
        "No suitable candidate.",
        "",
    )
    decline = FundingDecision.objects.get(application=award.app("B"), is_current=True)
    assert (decline.reason, decline.reason_kind, decline.reason_params) == (
        "",
        "recruitment_failed",
        {"reason": "No suitable candidate."},
    )
    with translation.override("fr"):
        assert decline.reason_text == "Recrutement infructueux\u00a0: No suitable candidate."
    with translation.override("en"):
        assert decline.reason_text == "Recruitment failed: No suitable candidate."


def test_the_migrations_read_the_stored_sentences_in_both_languages():
    parse = awards_migration.parse_abandon_reason
    assert parse("The funding decision changed.") == ("decision_changed", {})
    assert parse("La décision de financement a changé.") == ("decision_changed", {})
    assert parse("Hors des listes.") == ("not_on_lists", {})
    assert parse("Funding sources changed.") == ("sources_changed", {})
    assert parse("Recrutement infructueux\u00a0: Pas de candidat.\nDeux refus.") == (
        "recruitment_failed",
        {"reason": "Pas de candidat.\nDeux refus."},
    )
    assert parse("Recruitment failed: No candidate.") == (
        "recruitment_failed",
        {"reason": "No candidate."},
    )
    assert parse("The fellow left.") is None
    assert parse("The funding decision changed. The team moved.") is None


def test_the_migrations_convert_stored_rows_and_keep_what_they_cannot_read(award):
    english = take_the_place_away(award, "A", "")
    french = take_the_place_away(award, "B", "")
    staff = take_the_place_away(award, "C", "Ethics approval refused.")
    legacy = {"abandon_reason_kind": "", "abandon_reason_params": {}}
    Fellowship.objects.filter(pk=english.pk).update(
        abandon_reason="The funding decision changed.", **legacy
    )
    Fellowship.objects.filter(pk=french.pk).update(
        abandon_reason="La décision de financement a changé.", **legacy
    )
    decline = FundingDecision.objects.get(application=award.app("A"), is_current=True)
    FundingDecision.objects.filter(pk=decline.pk).update(
        reason="Recrutement infructueux\u00a0: Pas de candidat.", reason_kind=""
    )
    move = ListMove.objects.create(
        call=award.call,
        application=award.app("A"),
        kind="declined",
        reason="Recruitment failed: No candidate.",
    )

    reviews_migration.reasons_to_facts(apps, None)
    awards_migration.reasons_to_facts(apps, None)

    for row in (english, french, staff, decline, move):
        row.refresh_from_db()
    assert [(f.abandon_reason, f.abandon_reason_kind) for f in (english, french, staff)] == [
        ("", "decision_changed"),
        ("", "decision_changed"),
        ("Ethics approval refused.", ""),
    ]
    assert (decline.reason, decline.reason_kind, decline.reason_params) == (
        "",
        "recruitment_failed",
        {"reason": "Pas de candidat."},
    )
    assert (move.reason_kind, move.reason_params) == (
        "recruitment_failed",
        {"reason": "No candidate."},
    )
    with translation.override("en"):
        assert french.abandon_reason_text == "The funding decision changed."
    with translation.override("fr"):
        assert english.abandon_reason_text == "La décision de financement a changé."
