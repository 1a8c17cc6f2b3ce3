"""Conflicts by co-authorship: an expert's publication list (BibTeX) is read, and an
application whose coordinator or partner lead co-authored with the expert in the call's
window of years is a suspected conflict. Names are matched across accents, case and
initials; a different given name is not a match."""

import pytest

from reviews.conflicts.detection import (
    ApplicationInfo,
    Coauthorship,
    ExpertInfo,
    PartnerInfo,
    Reason,
    Status,
    detect_conflicts,
)
from reviews.conflicts.publications import parse_bibtex

BIBTEX = r"""
@article{dupont2024,
  author = {Dupont, J.-P. and M{\"u}ller, Anna and Lovelace, Ada},
  title = {Learning {T}urbulence},
  year = {2024},
}
@inproceedings{old,
  author = "Ada Lovelace and Babbage, Charles",
  title = "Engines",
  year = 2012,
}
@misc{dated, author = {Lovelace, Ada and {\'E}lo{\"\i}se Martin and others}, title = {Notes},
  date = {2023-05-02}}
@misc{anonymous, title = {No authors}, year = {2024}}
@article{broken, author = {Unfinished
"""


def test_bibtex_entries_are_read_with_accents_name_orders_and_years():
    parsed = parse_bibtex(BIBTEX)

    assert [(p.year, p.title, p.authors) for p in parsed.publications] == [
        (2024, "Learning Turbulence", ("J.-P. Dupont", "Anna Müller", "Ada Lovelace")),
        (2012, "Engines", ("Ada Lovelace", "Charles Babbage")),
        (2023, "Notes", ("Ada Lovelace", "Éloïse Martin")),
    ]
    assert parsed.skipped == 2  # no author; unreadable


def application(id, coordinator="", leads=()):
    return ApplicationInfo(
        id=id,
        coordinator_name=coordinator,
        partners=tuple(PartnerInfo(unit_id=n, lead_name=lead) for n, lead in enumerate(leads)),
    )


ADA = ExpertInfo(
    id="ada",
    name="Ada Lovelace",
    email="ada@gmail.com",
    coauthors=(
        Coauthorship("J.-P. Dupont", 2024, "Learning Turbulence"),
        Coauthorship("Anna Müller", 2024, "Learning Turbulence"),
        Coauthorship("Ada Lovelace", 2024, "Learning Turbulence"),  # herself
        Coauthorship("ÉLOÏSE MARTIN", 2023, "Notes"),
    ),
)


@pytest.mark.parametrize(
    ("app", "member"),
    [
        (application("initials", coordinator="Jean-Pierre Dupont"), "Jean-Pierre Dupont"),
        (application("accents", leads=["Anna Muller"]), "Anna Muller"),
        (application("case", leads=["Bob Stone", "eloise martin"]), "eloise martin"),
        (application("order", coordinator="MARTIN Éloïse"), "MARTIN Éloïse"),
    ],
)
def test_a_team_member_among_the_experts_coauthors_is_a_suspected_conflict(app, member):
    (conflict,) = detect_conflicts(applications=[app], experts=[ADA])

    assert (conflict.application_id, conflict.reason, conflict.status) == (
        app.id,
        Reason.COAUTHOR,
        Status.SUSPECTED,
    )
    assert conflict.detail.startswith(f"{member} ~ ")


@pytest.mark.parametrize(
    "app",
    [
        application("other given name", coordinator="Marie Dupont"),
        application("other family name", leads=["Anna Schmidt"]),
        application("the expert's own name", coordinator="Charles Lovelace"),
        application("nobody", coordinator="", leads=[""]),
    ],
)
def test_other_people_are_not_coauthors(app):
    assert detect_conflicts(applications=[app], experts=[ADA]) == []


def test_the_message_names_the_member_the_coauthor_and_the_publication():
    (conflict,) = detect_conflicts(
        applications=[application("A", coordinator="Jean-Pierre Dupont")], experts=[ADA]
    )

    assert conflict.message() == (
        "The expert published with a member of the application’s team "
        "(Jean-Pierre Dupont ~ J.-P. Dupont (2024, Learning Turbulence))."
    )
