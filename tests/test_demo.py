"""The demo loads the open call with applications in several states, and loading it
again creates nothing new."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from aissai.accounts.models import User
from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from calls.demo import demo_pdf
from calls.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Call,
    CallStatus,
    Criterion,
    Discipline,
    Document,
    FundingSource,
    Partner,
    RequiredDocument,
    Unit,
)

pytestmark = pytest.mark.django_db

MODELS = [
    User,
    Call,
    Criterion,
    RequiredDocument,
    FundingSource,
    Discipline,
    Unit,
    Application,
    ApplicationVersion,
    Partner,
    Document,
    OutboxMessage,
    AuditEvent,
]


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_load_demo_twice_creates_nothing_new_and_prints_the_logins():
    first_output = load()
    first = counts()
    second_output = load()
    assert counts() == first
    for output in (first_output, second_output):
        assert "staff@demo.aissai.localhost" in output
        assert "applicant@demo.aissai.localhost" in output
        assert "password for all" in output
    assert first["Discipline"] >= 10 and first["Unit"] >= 10
    assert first["Application"] == 6


def test_demo_call_is_open_with_rules_and_applications_in_several_states():
    load()
    call = Call.objects.filter(applications__isnull=False, status=CallStatus.OPEN).distinct().get()
    assert call.criteria.count() == 4
    assert set(call.required_documents.values_list("kind", flat=True)) == {
        "project",
        "cv",
        "letters",
    }
    statuses = sorted(call.applications.values_list("status", flat=True))
    assert statuses == sorted(
        [
            ApplicationStatus.DRAFT,
            ApplicationStatus.DRAFT,
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.ELIGIBLE,
            ApplicationStatus.INELIGIBLE,
        ]
    )
    demo_applicant = User.objects.get(email="applicant@demo.aissai.localhost")
    (draft,) = call.applications.filter(coordinator=demo_applicant)
    assert draft.status == ApplicationStatus.DRAFT
    assert draft.partners.count() < call.min_units  # the panel has something to say
    ineligible = call.applications.get(status=ApplicationStatus.INELIGIBLE)
    assert ineligible.eligibility_reason
    for application in call.applications.exclude(status=ApplicationStatus.DRAFT):
        assert application.reference.startswith(f"AISSAI-{call.edition_year}-")
        assert application.versions.count() == 1
        assert application.partners.filter(confirmed_at__isnull=True).count() == 0
    assert OutboxMessage.objects.filter(event="eligibility_outcome").count() == 2


def test_demo_documents_are_valid_pdfs_with_their_checksums(settings):
    load()
    documents = Document.objects.filter(is_current=True)
    assert documents.count() >= 8
    for document in documents:
        with document.file.open("rb") as handle:
            data = handle.read()
        assert hashlib.sha256(data).hexdigest() == document.sha256
        assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_demo_pdf_text_is_readable():
    reader = PdfReader(io.BytesIO(demo_pdf("GLACIA: project (demo)")))
    assert "GLACIA: project (demo)" in reader.pages[0].extract_text()


def test_demo_staff_sees_the_applications_table(client):
    load()
    client.force_login(User.objects.get(email="staff@demo.aissai.localhost"))
    call = Call.objects.filter(applications__isnull=False, status=CallStatus.OPEN).distinct().get()
    response = client.get(reverse("calls:staff_applications", args=[call.slug]))
    assert len(response.context["rows"]) == 6
    response = client.get(reverse("calls:staff_screening_list", args=[call.slug]))
    assert all(row.checks.passed for row in response.context["rows"])
