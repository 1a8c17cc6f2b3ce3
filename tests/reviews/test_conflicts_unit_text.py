"""Conflicts from what experts type: a partner unit named in the expert's free-text
institution (its code, RNSR identifier or acronym) is a suspected conflict; CNRS alone
never is."""

import pytest

from reviews.conflicts.detection import (
    ApplicationInfo,
    ExpertInfo,
    PartnerInfo,
    Reason,
    Status,
    detect_conflicts,
)
from reviews.conflicts.matching import unit_mentions

IRIT = PartnerInfo(unit_id=5505, unit_label="UMR 5505", unit_acronym="IRIT", unit_rnsr="200312345K")
LAAS = PartnerInfo(unit_id=3251, unit_label="UPR 3251", unit_acronym="LAAS")
LIP6 = PartnerInfo(unit_id=7606, unit_label="UMR 7606", unit_acronym="LIP6")
ECOLAB = PartnerInfo(unit_id=5245, unit_label="UMR 5245", unit_acronym="ÉcoLab")
APPLICATIONS = [
    ApplicationInfo(id="toulouse", partners=(IRIT, LAAS)),
    ApplicationInfo(id="paris", partners=(LIP6,)),
    ApplicationInfo(id="ecology", partners=(ECOLAB,)),
]


def findings_for(institution):
    expert = ExpertInfo(id="E", name="Ada Lovelace", email="ada@gmail.com", institution=institution)
    return [
        (c.application_id, c.reason, c.status, c.detail)
        for c in detect_conflicts(applications=APPLICATIONS, experts=[expert])
    ]


@pytest.mark.parametrize(
    ("institution", "application", "unit"),
    [
        ("LAAS-CNRS (UPR 3251)", "toulouse", "UPR 3251 LAAS"),
        ("IRIT, UMR 5505, Toulouse", "toulouse", "UMR 5505 IRIT"),
        ("irit umr5505", "toulouse", "UMR 5505 IRIT"),
        ("Laboratoire UMR-CNRS n° 5505", "toulouse", "UMR 5505 IRIT"),
        ("U.M.R. 5505 (Toulouse)", "toulouse", "UMR 5505 IRIT"),
        ("Université de Toulouse, RNSR 200312345K", "toulouse", "UMR 5505 IRIT"),
        ("Institut de recherche en informatique de Toulouse (IRIT)", "toulouse", "UMR 5505 IRIT"),
        ("Sorbonne Université – LIP 6", "paris", "UMR 7606 LIP6"),
        ("lip6, Paris", "paris", "UMR 7606 LIP6"),
        ("Laboratoire écologie fonctionnelle (ECOLAB)", "ecology", "UMR 5245 ÉcoLab"),
        ("EcoLab - Toulouse INP", "ecology", "UMR 5245 ÉcoLab"),
    ],
)
def test_a_partner_unit_named_in_the_institution_text_is_a_suspected_conflict(
    institution, application, unit
):
    assert findings_for(institution) == [
        (application, Reason.UNIT_NAMED, Status.SUSPECTED, f"{unit} ← {institution}")
    ]


@pytest.mark.parametrize(
    "institution",
    [
        "CNRS",
        "cnrs",
        "C.N.R.S.",
        "CNRS – Délégation Occitanie Ouest",
        "Centre national de la recherche scientifique",
        "French National Centre for Scientific Research (CNRS), Paris",
        "UMR CNRS",  # a unit type without a number
        "UMR 5506, Montpellier",  # another unit
        "UPR 5505",  # the right number under another type
        "Université Paul Sabatier, 118 route de Narbonne, 31062 Toulouse",
        "Laboratoire d'informatique, FR 7606 Paris",  # FR: a postcode far more often
        "Irish Institute",
    ],
)
def test_cnrs_alone_and_other_units_never_match(institution):
    assert findings_for(institution) == []


def test_a_unit_named_by_an_expert_with_a_recorded_unit_keeps_the_confirmed_finding():
    expert = ExpertInfo(
        id="E", name="Ada Lovelace", email="ada@gmail.com", institution="IRIT", unit_id=5505
    )

    found = detect_conflicts(applications=APPLICATIONS, experts=[expert])

    assert [(c.reason, c.status) for c in found] == [
        (Reason.SAME_UNIT, Status.CONFIRMED),
        (Reason.UNIT_NAMED, Status.SUSPECTED),
    ]


def test_the_message_staff_read_names_the_unit_and_the_text():
    (conflict,) = detect_conflicts(
        applications=APPLICATIONS,
        experts=[ExpertInfo(id="E", name="Ada", institution="LAAS-CNRS (UPR 3251)")],
    )

    assert conflict.message() == (
        "The institution the expert typed names a partner unit "
        "(UPR 3251 LAAS ← LAAS-CNRS (UPR 3251))."
    )


def test_unit_mentions_read_codes_rnsr_and_words():
    mentions = unit_mentions("LAAS-CNRS (UPR 3251), RNSR 199511949J")

    assert mentions.codes == {("upr", "3251")}
    assert mentions.rnsr == {"199511949J"}
    assert {"laas", "cnrs", "laascnrs"} <= mentions.words
