"""A fellow's data in the personal-data download and the anonymisation, through the
holder the awards app registers (aissai never reads the awards models itself)."""

from datetime import date

import pytest

from aissai.accounts.personal_data import anonymise_person, build_export, retention_status
from awards.models import DonorContact, Fellowship
from tests.factories.accounts import SuperuserFactory, UserFactory
from tests.factories.awards import recruited_fellowship
from tests.factories.calls import submitted_application

pytestmark = pytest.mark.django_db


def fellow_of_a_project(state: str = "running") -> tuple[Fellowship, object]:
    fellow = UserFactory(email="lea.martin@example.org", full_name="Léa Martin")
    fellowship = recruited_fellowship(
        submitted_application(), fellow=fellow, start_date=date(2026, 1, 5), state=state
    )
    return fellowship, fellow


def test_the_download_holds_the_fellowship_of_its_fellow():
    fellowship, fellow = fellow_of_a_project()

    data = build_export(user=fellow)

    [entry] = data["fellowships"]
    assert (entry["fellow_name"], entry["fellow_email"]) == ("Léa Martin", fellow.email)
    assert entry["application"] == fellowship.application.reference
    assert entry["start_date"] == date(2026, 1, 5)
    assert build_export(user=UserFactory())["fellowships"] == []


def test_an_open_fellowship_keeps_the_data_and_an_ended_one_lets_it_go():
    fellowship, fellow = fellow_of_a_project()
    assert "the person is the fellow of a fellowship still open" in (
        retention_status(email=fellow.email).ongoing
    )

    Fellowship.objects.filter(pk=fellowship.pk).update(state="ended")

    assert not any("fellowship" in r for r in retention_status(email=fellow.email).ongoing)


def test_anonymisation_replaces_the_fellow_and_the_donor_contact():
    fellowship, fellow = fellow_of_a_project(state="ended")
    contact = DonorContact.objects.create(
        funding_source=fellowship.funding_source,
        full_name="Léa Martin",
        email="LEA.MARTIN@example.org",
        team="AI lab",
    )

    report = anonymise_person(email=fellow.email, by=SuperuserFactory(), force=True, reason="Asked")

    fellowship.refresh_from_db()
    contact.refresh_from_db()
    assert (fellowship.fellow_name, fellowship.phd_date) == ("Anonymised person", None)
    assert fellowship.fellow_email == f"anonymised-fellow-{report.token}@anonymised.invalid"
    assert (contact.full_name, contact.email, contact.team) == ("Anonymised person", "", "")
    assert fellowship.start_date == date(2026, 1, 5)  # the figures stay
