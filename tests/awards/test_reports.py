"""Reports and outputs: milestones per call, the coordinator's or the fellow's report with
its outputs (DOI or URL checked for form), its PDF (checked like the applications'
documents) and its collaborations with the donor's researchers; late reports, reminders
before the due date, the outputs export per call and per funding source."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from awards.models import AwardReminder, Output, Report
from awards.selectors.reports import collaborations, late_reports
from awards.services.errors import AwardError
from awards.services.fellowships import add_suspension
from awards.services.reminders import send_due_reminders
from awards.services.reports import (
    OutputData,
    add_donor_contact,
    add_milestone,
    milestone_due,
    normalise_doi,
    remove_milestone,
    submit_report,
)
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.awards import funded_call, recruit
from tests.factories.calls import VALID_PDF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def award(staff):
    return funded_call(staff=staff)


@pytest.fixture
def month9(award):
    return add_milestone(
        call=award.call, by=award.staff, name_en="Month 9", name_fr="Mois 9", month=9
    )


def started(award, letter, start):
    return recruit(award.fellowship(letter), by=award.staff, start_date=start)


def pdf(name="report.pdf", data=VALID_PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_month_9_is_due_nine_months_after_the_start_moved_by_suspensions(award, month9):
    fellowship = started(award, "A", date(2026, 1, 15))
    end = add_milestone(call=award.call, by=award.staff, name_en="End", name_fr="Fin", month=None)
    assert milestone_due(fellowship, month9) == date(2026, 10, 15)
    add_suspension(
        fellowship=fellowship,
        by=award.staff,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 10),
        reason="Illness",
    )
    fellowship.refresh_from_db()
    assert milestone_due(fellowship, month9) == date(2026, 10, 25)
    assert milestone_due(fellowship, end) == fellowship.end_date == date(2027, 7, 24)


def test_milestone_month_within_the_fellowship_and_once(award, month9):
    with pytest.raises(AwardError, match="between 1"):
        add_milestone(call=award.call, by=award.staff, name_en="X", name_fr="X", month=40)
    with pytest.raises(AwardError, match="already"):
        add_milestone(call=award.call, by=award.staff, name_en="Y", name_fr="Y", month=9)


def test_fellow_submits_report_with_outputs_pdf_and_collaboration(award, month9):
    fellowship = started(award, "A", date(2026, 1, 15))
    contact = add_donor_contact(
        funding_source=fellowship.funding_source,
        by=award.staff,
        full_name="Dr Lin Donor",
        team="AI Research",
    )
    report = submit_report(
        fellowship=fellowship,
        milestone=month9,
        by=fellowship.fellow,
        progress="Model trained on the telescope data.",
        collaborations="Weekly meetings with Dr Lin.",
        donor_contacts=[contact],
        outputs=[
            OutputData(
                "preprint", "Learning the sky", doi="https://doi.org/10.48550/arXiv.2601.00001"
            ),
            OutputData("software", "skylearn", url="https://github.com/example/skylearn"),
        ],
        upload=pdf("Month 9.pdf"),
    )
    assert (report.original_name, len(report.sha256)) == ("Month_9.pdf", 64)
    assert list(report.outputs.values_list("kind", "doi", "url")) == [
        ("preprint", "10.48550/arXiv.2601.00001", ""),
        ("software", "", "https://github.com/example/skylearn"),
    ]
    assert [(c.fellowship, c.contacts) for c in collaborations([fellowship])] == [
        (fellowship, [contact])
    ]
    event = AuditEvent.objects.get(verb="fellowship.report_submitted")
    assert event.data["role"] == "fellow" and event.data["outputs"] == 2


def test_correcting_a_report_replaces_its_outputs(award, month9):
    fellowship = started(award, "A", date(2026, 1, 15))
    coordinator = award.app("A").coordinator
    first = OutputData("dataset", "Sky set", doi="10.5281/zenodo.123")
    submit_report(
        fellowship=fellowship, milestone=month9, by=coordinator, progress="x", outputs=[first]
    )
    submit_report(fellowship=fellowship, milestone=month9, by=coordinator, progress="y", outputs=[])
    assert Report.objects.get().progress == "y"
    assert Output.objects.count() == 0
    assert AuditEvent.objects.filter(verb="fellowship.report_corrected").count() == 1


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (OutputData("publication", "Paper", doi="11.1234/x"), "is not a DOI"),
        (OutputData("publication", "Paper", url="ftp://example.org/x"), "valid URL"),
        (OutputData("publication", "Paper"), "a DOI or a URL"),
        (OutputData("poster", "Paper", url="https://x.org"), "kind"),
    ],
)
def test_outputs_are_checked_for_form(award, month9, output, message):
    fellowship = started(award, "A", date(2026, 1, 15))
    with pytest.raises(ValidationError, match=message):
        submit_report(
            fellowship=fellowship, milestone=month9, by=award.staff, progress="x", outputs=[output]
        )
    assert not Report.objects.exists()


def test_doi_forms_are_normalised():
    assert normalise_doi("doi:10.1000/182") == "10.1000/182"
    assert normalise_doi("https://dx.doi.org/10.1000/182") == "10.1000/182"


def test_a_file_that_is_not_a_pdf_is_refused(award, month9):
    fellowship = started(award, "A", date(2026, 1, 15))
    with pytest.raises(ValidationError, match="not a PDF"):
        submit_report(
            fellowship=fellowship,
            milestone=month9,
            by=award.staff,
            progress="x",
            upload=pdf("report.pdf", b"<html>not a pdf</html>"),
        )
    assert not Report.objects.exists()


def test_nobody_else_reports_and_not_before_recruitment(award, month9):
    with pytest.raises(AwardError, match="once the fellow is recruited"):
        submit_report(
            fellowship=award.fellowship("A"), milestone=month9, by=award.staff, progress="x"
        )
    fellowship = started(award, "A", date(2026, 1, 15))
    with pytest.raises(AwardError, match="may not report"):
        submit_report(fellowship=fellowship, milestone=month9, by=UserFactory(), progress="x")


def test_collaboration_names_only_contacts_of_the_source(award, month9, staff):
    fellowship = started(award, "A", date(2026, 1, 15))
    other = funded_call(staff=staff)
    stranger = add_donor_contact(
        funding_source=other.fellowship("A").funding_source, by=staff, full_name="Someone"
    )
    with pytest.raises(AwardError, match="contact people"):
        submit_report(
            fellowship=fellowship,
            milestone=month9,
            by=staff,
            progress="x",
            donor_contacts=[stranger],
        )


def test_late_reports_list_the_missing_ones_past_due(award, month9):
    today = timezone.localdate()
    late = started(award, "A", today - timedelta(days=300))
    done = started(award, "B", today - timedelta(days=300))
    started(award, "C", today - timedelta(days=100))  # month 9 not due yet
    submit_report(fellowship=done, milestone=month9, by=award.staff, progress="On track.")
    assert [(item.fellowship, item.milestone) for item in late_reports(award.call)] == [
        (late, month9)
    ]


def test_milestone_with_reports_cannot_be_removed(award, month9):
    fellowship = started(award, "A", date(2026, 1, 15))
    submit_report(fellowship=fellowship, milestone=month9, by=award.staff, progress="x")
    with pytest.raises(AwardError, match="stays"):
        remove_milestone(milestone=month9, by=award.staff)


def test_report_reminder_to_coordinator_and_fellow_once_before_due(award, month9):
    today = timezone.localdate()
    # Month 9 due in 10 days.
    fellowship = started(award, "A", today + timedelta(days=10) - timedelta(days=273))
    due = milestone_due(fellowship, month9)
    assert 0 < (due - today).days <= 14
    assert send_due_reminders() == 2
    assert send_due_reminders() == 0
    mails = OutboxMessage.objects.filter(event="award_report_reminder")
    assert sorted(mails.values_list("to_email", flat=True)) == sorted(
        [award.app("A").coordinator.email, fellowship.fellow.email]
    )
    assert AwardReminder.objects.get().milestone == month9


def test_outputs_export_per_call_and_per_source(client, award, month9, staff):
    a = started(award, "A", date(2026, 1, 15))
    submit_report(
        fellowship=a,
        milestone=month9,
        by=staff,
        progress="x",
        outputs=[OutputData("publication", "=HYPERLINK(1)", doi="10.1000/182")],
    )
    client.force_login(staff)
    url = reverse("awards:outputs_export", args=[award.call.slug, "csv"])
    response = client.get(url)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][0] == a.application.reference
    assert rows[1][5] == "'=HYPERLINK(1)"  # never a formula
    assert rows[1][7] == "https://doi.org/10.1000/182"
    other_source = client.get(url, {"source": "999999"})
    assert other_source.status_code == 404
    assert AuditEvent.objects.filter(verb="call.exported", data__export="outputs").count() == 1


def test_coordinator_submits_through_the_form(client, award, month9):
    fellowship = started(award, "A", date(2026, 1, 15))
    client.force_login(award.app("A").coordinator)
    response = client.post(
        reverse("awards:report", args=[fellowship.pk, month9.pk]),
        {
            "progress": "Good progress.",
            "upload": pdf(),
            "outputs-TOTAL_FORMS": "2",
            "outputs-INITIAL_FORMS": "0",
            "outputs-0-kind": "preprint",
            "outputs-0-title": "A preprint",
            "outputs-0-doi": "10.48550/arXiv.2601.00002",
            "outputs-0-url": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    report = Report.objects.get()
    assert report.outputs.get().title == "A preprint"
    download = client.get(reverse("awards:report_file", args=[fellowship.pk, report.pk]))
    assert b"".join(download.streaming_content) == VALID_PDF
