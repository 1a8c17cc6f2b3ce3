"""Drill: the database connection is lost in the middle of a submission or an upload.

On PostgreSQL the session's server process is terminated (pg_terminate_backend) just
before one of the transaction's statements; on SQLite that statement fails with a disk
error. Each time: the person gets the 503 page saying nothing was saved, no half-saved
application, version, reference, audit event or mail exists, no file is left behind in
the upload folder, and the draft is intact; sending again then succeeds exactly once.
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from calls.models import Application, ApplicationStatus, ApplicationVersion, Call, Document
from calls.services.documents import upload_document
from tests.factories.calls import VALID_PDF, CallFactory, complete_draft, make_pdf

from .faults import commit_fails, connection_lost_before

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

SUBMISSION_STATEMENTS = [
    'UPDATE "calls_call"',  # the reference counter
    'INSERT INTO "calls_applicationversion"',
    'UPDATE "calls_application"',  # the status
    'INSERT INTO "audit_auditevent"',
    'INSERT INTO "notifications_outboxmessage"',  # the receipt
]
UPLOAD_STATEMENTS = [
    'INSERT INTO "calls_document"',
    'UPDATE "calls_document"',
    'INSERT INTO "audit_auditevent"',
]


def files_of(application) -> set[str]:
    folder = settings.MEDIA_ROOT / "applications" / str(application.pk)
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def the_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "what you just sent was not saved" in response.content.decode()


def draft_is_intact(client, application, title: str) -> None:
    application.refresh_from_db()
    assert (application.status, application.version, application.reference) == (
        ApplicationStatus.DRAFT,
        0,
        None,
    )
    page = client.get(reverse("calls:application_edit", args=[application.pk]))
    assert page.status_code == 200
    assert title in page.content.decode()


def test_connection_lost_during_submission_leaves_the_draft_intact(client):
    call = CallFactory()
    drafts = [complete_draft(call=call, title=f"Turbulence draft {i}") for i in range(5)]
    counter = Call.objects.get(pk=call.pk).next_reference_number
    faults = requests = 0

    for draft, statement in zip(drafts, SUBMISSION_STATEMENTS, strict=True):
        client.force_login(draft.coordinator)
        url = reverse("calls:application_submit", args=[draft.pk])
        with connection_lost_before(statement) as injector:
            response = client.post(url)
        requests += 1
        faults += injector.injected
        assert injector.injected == 1, (statement, injector.seen)

        the_unavailable_page(response)
        draft_is_intact(client, draft, draft.title)
        requests += 1
        assert not ApplicationVersion.objects.filter(application=draft).exists()
        assert not AuditEvent.objects.filter(verb__startswith="application.").exists()
        assert not OutboxMessage.objects.exists()
        assert Call.objects.get(pk=call.pk).next_reference_number == counter

    for draft in drafts:  # the person sends it again once the database is back
        client.force_login(draft.coordinator)
        response = client.post(reverse("calls:application_submit", args=[draft.pk]))
        requests += 1
        assert response.status_code == 302

    submitted = Application.objects.filter(pk__in=[d.pk for d in drafts])
    assert set(submitted.values_list("status", flat=True)) == {ApplicationStatus.SUBMITTED}
    assert sorted(submitted.values_list("version", flat=True)) == [1] * 5
    assert ApplicationVersion.objects.count() == 5
    assert OutboxMessage.objects.filter(event="submission_receipt").count() == 5
    assert Call.objects.get(pk=call.pk).next_reference_number == counter + 5
    print(  # noqa: T201 - the drill's figures, for docs/reliability.md (pytest -s)
        f"\nDRILL db-lost-submission [{settings.DATABASES['default']['ENGINE']}]: "
        f"requests={requests} faults={faults} half_saved=0 lost=0"
    )


def test_connection_lost_during_upload_leaves_no_orphan_file(client):
    draft = complete_draft(title="Upload drill")
    client.force_login(draft.coordinator)
    url = reverse("calls:document_upload", args=[draft.pk, "project"])
    current = Document.objects.get(application=draft, kind="project", is_current=True)
    files_before = files_of(draft)
    documents_before = Document.objects.count()
    faults = requests = 0

    for number, statement in enumerate(UPLOAD_STATEMENTS):
        replacement = make_pdf(catalog_extra=b"/Lang(en-%d)" % number)
        with connection_lost_before(statement) as injector:
            response = client.post(
                url, {"file": SimpleUploadedFile("new.pdf", replacement, "application/pdf")}
            )
        requests += 1
        faults += injector.injected
        assert injector.injected == 1, (statement, injector.seen)

        the_unavailable_page(response)
        assert files_of(draft) == files_before  # the file written before the failure is gone
        assert Document.objects.count() == documents_before
        assert Document.objects.get(application=draft, kind="project", is_current=True) == current
        draft_is_intact(client, draft, "Upload drill")
        requests += 1

    response = client.post(
        url, {"file": SimpleUploadedFile("new.pdf", VALID_PDF + b"\n", "application/pdf")}
    )
    requests += 1
    assert response.status_code == 302
    assert len(files_of(draft)) == len(files_before) + 1
    assert Document.objects.count() == documents_before + 1
    print(  # noqa: T201
        f"\nDRILL db-lost-upload [{settings.DATABASES['default']['ENGINE']}]: "
        f"requests={requests} faults={faults} orphan_files=0 lost=0"
    )


def post_replacement(client, draft, number: int):
    return client.post(
        reverse("calls:document_upload", args=[draft.pk, "project"]),
        {
            "file": SimpleUploadedFile(
                "new.pdf", make_pdf(catalog_extra=b"/Lang(fr-%d)" % number), "application/pdf"
            )
        },
    )


def test_connection_lost_at_commit_leaves_no_orphan_file(client):
    draft = complete_draft(title="Commit drill")
    client.force_login(draft.coordinator)
    current = Document.objects.get(application=draft, kind="project", is_current=True)
    files_before = files_of(draft)

    with commit_fails(after_commit=False) as injector:
        response = post_replacement(client, draft, 1)

    assert injector.injected == 1
    the_unavailable_page(response)
    assert files_of(draft) == files_before
    assert Document.objects.get(application=draft, kind="project", is_current=True) == current
    assert not AuditEvent.objects.filter(verb="application.document_replaced").exists()


def test_answer_lost_after_commit_keeps_the_file_of_the_saved_row(client):
    """The database committed the new document, then the connection broke before the answer
    came back: the row exists, so its file must stay (deleting it would lose the upload)."""
    draft = complete_draft(title="Lost answer drill")
    client.force_login(draft.coordinator)
    files_before = files_of(draft)

    with commit_fails(after_commit=True) as injector:
        response = post_replacement(client, draft, 2)

    assert injector.injected == 1
    assert response.status_code == 503
    new = Document.objects.get(application=draft, kind="project", is_current=True)
    assert new.original_name == "new.pdf"
    assert files_of(draft) == files_before | {new.file.name.rsplit("/", 1)[-1]}
    assert new.file.open("rb").read().startswith(b"%PDF-")
    assert AuditEvent.objects.filter(verb="application.document_replaced").count() == 1


def test_upload_rolled_back_by_an_outer_transaction_leaves_no_orphan_file():
    """Inside a caller's transaction the upload is a savepoint: when it fails there, the
    row is gone for sure and the file goes too, without asking the database."""
    draft = complete_draft(title="Savepoint drill")
    files_before = files_of(draft)
    upload = SimpleUploadedFile("new.pdf", make_pdf(catalog_extra=b"/Lang(de)"))

    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection_lost_before('INSERT INTO "audit_auditevent"'),
    ):
        upload_document(application=draft, by=draft.coordinator, kind="project", upload=upload)

    assert files_of(draft) == files_before
