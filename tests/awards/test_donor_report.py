"""The donor's report of a funding source: its projects, fellows, states, collaborations,
outputs and money, checked against the data; the printable page and the XLSX workbook in
English and in French."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from aissai.audit.models import AuditEvent
from awards.models import Fellowship
from awards.selectors.donor import donor_report
from awards.services.endings import end_fellowship, record_recruitment_failure
from awards.services.fellowships import start_fellowship
from awards.services.reports import OutputData, add_donor_contact, add_milestone, submit_report
from calls.models import FundingSource
from tests.factories.accounts import StaffFactory
from tests.factories.awards import funded_call, recruit
from tests.factories.calls import DisciplineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def story():
    """A, B, C funded by a 300,000 € donation; D waiting. A recruits and reports a
    collaboration and two outputs; B fails and passes its place to D; C recruits, starts
    and ends early."""
    staff = StaffFactory()
    award = funded_call(staff=staff, means=(9, 8, 7, 6), sources=(3,), complementary_size=1)
    award.app("A").disciplines.add(DisciplineFactory(name_en="Astronomy", name_fr="Astronomie"))
    source = FundingSource.objects.get(call=award.call)
    month9 = add_milestone(call=award.call, by=staff, name_en="Month 9", name_fr="Mois 9", month=9)
    contact = add_donor_contact(funding_source=source, by=staff, full_name="Dr Lin Donor")
    a = recruit(award.fellowship("A"), by=staff, name="Ada Fellow", start_date=date(2026, 1, 15))
    submit_report(
        fellowship=a,
        milestone=month9,
        by=staff,
        progress="x",
        donor_contacts=[contact],
        outputs=[
            OutputData("preprint", "Learning the sky", doi="10.48550/arXiv.2601.00001"),
            OutputData("dataset", "Sky set", url="https://zenodo.org/records/1"),
        ],
    )
    record_recruitment_failure(fellowship=award.fellowship("B"), by=staff, reason="Nobody.")
    start = timezone.localdate() - timedelta(days=30)
    c = recruit(award.fellowship("C"), by=staff, name="Carl Fellow", start_date=start)
    start_fellowship(fellowship=c, by=staff)
    c.refresh_from_db()
    end_fellowship(fellowship=c, by=staff, ended_on=start + timedelta(days=29), reason="Left.")
    return award, source, contact


def test_report_figures_match_the_data(story):
    award, source, contact = story
    report = donor_report(source)
    fellowships = Fellowship.objects.filter(funding_source=source)

    assert [line.application for line in report.projects] == [
        award.app(letter) for letter in "ABCD"
    ]
    a = report.projects[0]
    assert a.disciplines == ["Astronomy"]
    assert a.institutes == ["INP", "INS2I"]
    assert a.units == [p.unit.label for p in award.app("A").partners.order_by("position", "pk")]
    assert [line.fellowship.state for line in report.projects] == [
        "recruited",
        "abandoned",
        "ended",
        "recruiting",
    ]
    assert report.recruited == 2
    assert [line.application for line in report.collaborations] == [award.app("A")]
    assert a.contacts == [str(contact)]
    assert [output.title for _line, output in report.outputs] == ["Learning the sky", "Sky set"]
    committed = sum(f.committed_amount for f in fellowships)
    released = sum(f.released_amount for f in fellowships)
    assert (report.money.committed, report.money.released) == (committed, released)
    assert committed == Decimal("400000.00")  # A, B, C and D: 100,000 € each
    assert report.money.available == Decimal("300000.00") - committed + released


def test_printable_page_in_french(client, story):
    award, source, _contact = story
    client.force_login(award.staff)
    url = reverse("awards:donor_report", args=[award.call.slug, source.pk])
    html = client.get(url, {"language": "fr"}).content.decode()
    assert "Rapport au donateur : Industry donation" in html or (
        "Rapport au donateur : Industry donation" in html
    )
    assert html.count('data-testid="donor-project-row"') == 4
    assert 'id="recruited">2<' in html
    assert AuditEvent.objects.filter(verb="call.exported", data__export="donor_report").exists()


def test_xlsx_has_every_part(client, story):
    award, source, _contact = story
    client.force_login(award.staff)
    url = reverse("awards:donor_report_xlsx", args=[award.call.slug, source.pk])
    response = client.get(url, {"language": "en"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Summary", "Projects", "Outputs", "Collaborations"]
    projects = list(workbook["Projects"].values)
    assert projects[0][0] == "Reference"
    assert [row[0] for row in projects[1:]] == [award.app(x).reference for x in "ABCD"]
    assert projects[1][6] == "Ada Fellow"
    summary = dict(list(workbook["Summary"].values)[1:])
    assert summary["Committed (EUR)"] == 400000
    assert len(list(workbook["Outputs"].values)) == 3


def test_a_source_of_another_call_is_404(client, story):
    award, _source, _contact = story
    other = funded_call(staff=award.staff)
    client.force_login(award.staff)
    foreign = FundingSource.objects.get(call=other.call)
    url = reverse("awards:donor_report", args=[award.call.slug, foreign.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(url.replace("donor-report/", "donor-report/") + "?language=de").status_code
        == 404
    )
