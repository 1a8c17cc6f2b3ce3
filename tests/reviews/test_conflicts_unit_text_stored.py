"""Units named in what experts type, over the database: suspected conflicts stored for
staff to rule on, CNRS-only experts left alone, the sentence staff read in both
languages."""

import pytest
from django.utils.translation import override

from reviews.models import Conflict
from reviews.selectors.conflicts import explain
from reviews.services.conflicts import detect_and_store
from tests.factories.calls import CallFactory, PartnerFactory, UnitFactory, institute
from tests.factories.reviews import InvitationFactory, eligible_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def toulouse_call():
    call = CallFactory()
    irit = UnitFactory(unit_type="UMR", number="5505", acronym="IRIT", email_domains=[])
    laas = UnitFactory(
        unit_type="UPR",
        number="3251",
        acronym="LAAS",
        rnsr="199511949J",
        email_domains=[],
        main_institute=institute("INSIS"),
    )
    application = eligible_application(call, acronym="ROBOTS")
    application.partners.all().delete()
    for position, unit in enumerate((irit, laas)):
        PartnerFactory(
            application=application,
            unit=unit,
            institute=unit.main_institute,
            lead_email=f"lead{position}@example.org",
            lead_name=f"Lead Scientist {position}",
            position=position,
        )
    return call, application


def expert(call, name, email, institution):
    return InvitationFactory(
        call=call, expert__full_name=name, expert__email=email, expert__institution=institution
    )


def test_units_named_in_the_institution_text_are_stored_as_suspected_conflicts(toulouse_call):
    call, application = toulouse_call
    irit = expert(call, "Ines Irit", "ines@gmail.com", "IRIT, UMR 5505, Toulouse")
    laas = expert(call, "Luc Laas", "luc@laposte.net", "laas-cnrs (upr3251)")
    rnsr = expert(call, "Rita Rnsr", "rita@proton.me", "Lab. RNSR 199511949j")
    controls = [
        expert(call, "Cecile Cnrs", "cecile@cnrs.fr", "CNRS"),
        expert(call, "Dan Delegation", "dan@dr14.cnrs.fr", "CNRS, Délégation Occitanie Ouest"),
        expert(call, "Ulla Umr", "ulla@gmail.com", "UMR 5506, Montpellier"),
    ]

    detect_and_store(call=call)

    rows = {
        c.invitation_id: (c.source, c.status, c.rule, c.reason)
        for c in Conflict.objects.filter(application=application)
    }
    assert rows == {
        irit.pk: (
            "detected",
            "suspected",
            "unit_named",
            "UMR 5505 IRIT ← IRIT, UMR 5505, Toulouse",
        ),
        laas.pk: ("detected", "suspected", "unit_named", "UPR 3251 LAAS ← laas-cnrs (upr3251)"),
        rnsr.pk: ("detected", "suspected", "unit_named", "UPR 3251 LAAS ← Lab. RNSR 199511949j"),
    }
    assert not Conflict.objects.filter(invitation__in=controls).exists()


def test_staff_read_why_in_english_and_french(toulouse_call):
    call, application = toulouse_call
    expert(call, "Ines Irit", "ines@gmail.com", "IRIT, UMR 5505, Toulouse")
    detect_and_store(call=call)
    conflict = Conflict.objects.get(application=application)

    with override("en"):
        assert explain(conflict) == (
            "The institution the expert typed names a partner unit "
            "(UMR 5505 IRIT ← IRIT, UMR 5505, Toulouse)."
        )
    with override("fr"):
        assert explain(conflict) == (
            "L’établissement saisi par l’expert ou l’experte nomme une unité partenaire "
            "(UMR 5505 IRIT ← IRIT, UMR 5505, Toulouse)."
        )
