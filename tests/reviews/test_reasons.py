"""Reasons the application writes: stored as facts, read in the reader's language; the
sentences stored before are converted by the migration when it can read them."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from reviews.models import FundingDecision, ListMove
from reviews.reasons import Reason, ReasonKind, reason_fields, render
from tests.factories.accounts import StaffFactory
from tests.factories.reviews import fix_as_shown, shortlisted_call

migration = importlib.import_module("reviews.migrations.0008_history_reasons_as_facts")


def test_a_reason_is_its_english_sentence_and_its_facts():
    reason = Reason(ReasonKind.MAIN_LIST, position=2)
    assert str.__str__(reason) == "Main list, position 2."
    assert reason_fields(reason) == {
        "reason": "",
        "reason_kind": "main_list",
        "reason_params": {"position": 2},
    }
    assert reason_fields("Panel consensus.") == {
        "reason": "Panel consensus.",
        "reason_kind": "",
        "reason_params": {},
    }


def test_the_sentence_follows_the_reader_s_language():
    with translation.override("fr"):
        assert render("additional_funding", {"name": "Région", "count": 2}) == (
            "Financement supplémentaire\u00a0: Région (2 contrats)."
        )
        assert render("not_on_lists", {}) == "Hors des listes."
    with translation.override("en"):
        assert render("additional_funding", {"name": "Region", "count": 1}) == (
            "Additional funding: Region (1 fellowship)."
        )


@pytest.mark.parametrize(
    ("main", "french", "english"),
    [
        (1, "1 place financée", "1 funded place"),
        (6, "6 places financées", "6 funded places"),
    ],
)
def test_a_recut_counts_its_funded_places_in_words(main, french, english):
    params = {"main": main, "complementary": 3}
    with translation.override("fr"):
        assert render("recut", params) == (
            f"Les listes ont été redécoupées\u00a0: {french}, 3 sur la liste "
            "complémentaire, candidatures présélectionnées uniquement."
        )
    with translation.override("en"):
        assert render("recut", params) == (
            f"The lists were re-cut: {english}, 3 on the complementary list, "
            "shortlisted applications only."
        )


def test_staff_words_and_unknown_kinds_stay_text():
    assert render("", {}, "Panel consensus.") == "Panel consensus."
    assert render("no_such_kind", {}, "kept") == "kept"
    assert render("main_list", {}, "kept") == "kept"  # a parameter is missing


def test_the_migration_reads_the_stored_sentences_in_both_languages():
    parse = migration.parse_reason
    assert parse("Main list, position 12.") == ("main_list", {"position": 12})
    assert parse("Liste complémentaire, position 3.") == ("complementary_list", {"position": 3})
    assert parse("Additional funding: Région Occitanie (2 fellowship(s)).") == (
        "additional_funding",
        {"name": "Région Occitanie", "count": 2},
    )
    assert parse("Financement supplémentaire\u00a0: Don (1 contrat(s)).") == (
        "additional_funding",
        {"name": "Don", "count": 1},
    )
    assert parse("Place libérée par le désistement de AISSAI-2025-007.") == (
        "freed_by_decline",
        {"reference": "AISSAI-2025-007"},
    )
    assert parse(
        "The lists were re-cut: 6 funded place(s), 3 on the complementary list, "
        "shortlisted applications only."
    ) == ("recut", {"main": 6, "complementary": 3})
    assert parse("Main list, position 1. Panel agreed.") is None
    assert parse("Panel consensus.") is None


@pytest.mark.django_db
def test_the_migration_converts_stored_rows_and_keeps_what_it_cannot_read():
    scenario = shortlisted_call(means=[9, 8, 7, 6], sources=(2,), complementary_size=1)
    fix_as_shown(scenario.call, by=StaffFactory())
    first, second = FundingDecision.objects.order_by("pk")[:2]
    legacy = {"reason_kind": "", "reason_params": {}}
    FundingDecision.objects.filter(pk=first.pk).update(reason="Main list, position 1.", **legacy)
    FundingDecision.objects.filter(pk=second.pk).update(reason="Panel consensus.", **legacy)
    move = ListMove.objects.create(
        call=scenario.call,
        application=first.application,
        kind="promoted",
        reason="Financement supplémentaire\u00a0: Région (2 contrat(s)).",
    )

    migration.reasons_to_facts(apps, None)

    first.refresh_from_db()
    second.refresh_from_db()
    move.refresh_from_db()
    assert (first.reason, first.reason_kind, first.reason_params) == (
        "",
        "main_list",
        {"position": 1},
    )
    assert (second.reason, second.reason_kind) == ("Panel consensus.", "")
    assert (move.reason_kind, move.reason_params) == (
        "additional_funding",
        {"name": "Région", "count": 2},
    )
    with translation.override("fr"):
        assert first.reason_text == "Liste principale, position 1."
    with translation.override("en"):
        assert move.reason_text == "Additional funding: Région (2 fellowships)."
