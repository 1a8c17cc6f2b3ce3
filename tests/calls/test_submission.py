"""Submission: completeness, the deadline decided on the server at commit, one submission
for two clicks, the reference number, the receipt mail, versions, reopening, withdrawal."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import formats, timezone, translation

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from calls.models import Application, ApplicationStatus, ApplicationVersion, Call
from calls.services.submission import (
    PARIS,
    SubmissionError,
    reopen_application,
    submit_application,
)
from tests.factories.accounts import UserFactory
from tests.factories.calls import ApplicationFactory, CallFactory, complete_draft

pytestmark = pytest.mark.django_db


def submit(client, application, **kwargs):
    return client.post(
        reverse("calls:application_submit", args=[application.pk]), follow=True, **kwargs
    )


def assert_draft_intact(application, *, title):
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.title == title
    assert application.reference is None
    assert application.submitted_at is None
    assert not ApplicationVersion.objects.filter(application=application).exists()
    assert not OutboxMessage.objects.filter(event="submission_receipt").exists()


def test_complete_draft_is_submitted_with_reference_version_and_receipt(
    client, django_capture_on_commit_callbacks
):
    call = CallFactory(edition_year=2025)
    application = complete_draft(call=call)
    client.force_login(application.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, application)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference == "AISSAI-2025-001"
    assert application.version == 1
    assert application.submitted_at is not None
    call.refresh_from_db()
    assert call.next_reference_number == 2
    version = ApplicationVersion.objects.get(application=application)
    assert version.number == 1
    assert version.submitted_by == application.coordinator
    snapshot = version.snapshot
    assert snapshot["title"] == application.title
    assert [p["institute"] for p in snapshot["partners"]] == ["INS2I", "INP"]
    assert {d["kind"] for d in snapshot["documents"]} == {"project", "cv"}
    assert all(len(d["sha256"]) == 64 for d in snapshot["documents"])
    assert "AISSAI-2025-001" in response.content.decode()
    assert OutboxMessage.objects.filter(event="submission_receipt").count() == 1
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(verb="application.status.submitted").count() == 1


def test_submitted_application_is_read_only(client):
    application = complete_draft()
    submit_application(application=application, by=application.coordinator)
    client.force_login(application.coordinator)
    response = client.get(reverse("calls:application_edit", args=[application.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:application_detail", args=[application.pk])


def test_receipt_lists_reference_time_and_documents_with_sha256():
    application = complete_draft()
    application = submit_application(application=application, by=application.coordinator)

    message = OutboxMessage.objects.get(event="submission_receipt")
    assert message.to_email == application.coordinator.email
    assert message.language == "en"
    assert application.reference in message.subject
    body = message.body_text
    assert f"Reference: {application.reference}" in body
    paris = timezone.localtime(application.submitted_at, PARIS)
    assert formats.date_format(paris, "H:i:s") in body
    assert "(Paris time)" in body
    for document in application.documents.filter(is_current=True):
        assert document.original_name in body
        assert f"SHA-256: {document.sha256}" in body
        assert document.sha256 in message.body_html


def test_receipt_is_in_the_coordinators_language():
    application = complete_draft(coordinator=UserFactory(language="fr"))
    application = submit_application(application=application, by=application.coordinator)

    message = OutboxMessage.objects.get(event="submission_receipt")
    assert message.language == "fr"
    paris = timezone.localtime(application.submitted_at, PARIS)
    with translation.override("fr"):
        french_date = formats.date_format(paris, "DATE_FORMAT")
    assert french_date in message.body_text  # French month name, from Django's French locale
    assert application.call.title_fr in message.body_text


def test_submission_one_second_after_the_deadline_is_refused_and_the_draft_is_intact(client):
    application = complete_draft(title="Late project")
    Call.objects.filter(pk=application.call_id).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )
    client.force_login(application.coordinator)

    response = submit(client, application)

    assert "The deadline passed on" in response.content.decode()
    assert "Your draft is kept as it was." in response.content.decode()
    assert_draft_intact(application, title="Late project")
    assert Call.objects.get(pk=application.call_id).next_reference_number == 1


def test_submission_just_before_the_deadline_is_accepted():
    application = complete_draft()
    Call.objects.filter(pk=application.call_id).update(
        closes_at=timezone.now() + timedelta(seconds=5)
    )
    submit_application(application=application, by=application.coordinator)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_incomplete_application_lists_what_is_missing(client):
    application = ApplicationFactory(title="Half done", abstract="")
    client.force_login(application.coordinator)

    response = submit(client, application)

    html = response.content.decode()
    assert "The application is not complete yet, so it was not submitted." in html
    assert "Fill in \u201cAbstract\u201d." in html
    assert "0 units from 0 institutes: add 2 units from institutes not yet represented." in html
    assert "Upload \u201cProject description\u201d (PDF)." in html
    assert "Choose at least one scientific discipline." in html
    assert_draft_intact(application, title="Half done")


def test_unconfirmed_partner_blocks_submission_when_the_call_requires_it():
    application = complete_draft(call=CallFactory(partner_confirmation_required=True))
    waiting = application.partners.last()
    waiting.confirmed_at = None
    waiting.save()

    with pytest.raises(SubmissionError) as error:
        submit_application(application=application, by=application.coordinator)
    assert any("Waiting for the confirmation of" in p for p in error.value.problems)

    waiting.confirmed_at = timezone.now()
    waiting.save()
    submit_application(application=application, by=application.coordinator)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_unconfirmed_partner_does_not_block_when_not_required():
    application = complete_draft()
    application.partners.update(confirmed_at=None)
    submit_application(application=application, by=application.coordinator)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_double_submission_gives_one_submission(client, django_capture_on_commit_callbacks):
    application = complete_draft()
    client.force_login(application.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        first = submit(client, application)
        second = submit(client, application)

    assert first.status_code == second.status_code == 200
    assert ApplicationVersion.objects.filter(application=application).count() == 1
    assert OutboxMessage.objects.filter(event="submission_receipt").count() == 1
    assert len(mail.outbox) == 1
    assert Call.objects.get(pk=application.call_id).next_reference_number == 2


def test_only_the_coordinator_may_submit():
    application = complete_draft()
    with pytest.raises(SubmissionError):
        submit_application(application=application, by=UserFactory())
    assert_draft_intact(application, title=application.title)


def test_reference_numbers_follow_each_other_and_are_never_reused():
    call = CallFactory(edition_year=2026)
    applications = [complete_draft(call=call) for _ in range(3)]
    references = []
    for application in applications:
        references.append(
            submit_application(application=application, by=application.coordinator).reference
        )
    assert references == ["AISSAI-2026-001", "AISSAI-2026-002", "AISSAI-2026-003"]


def test_reopen_before_the_deadline_then_resubmit_keeps_both_versions(
    client, django_capture_on_commit_callbacks
):
    application = complete_draft(title="Version one")
    submit_application(application=application, by=application.coordinator)
    client.force_login(application.coordinator)

    response = client.post(reverse("calls:application_reopen", args=[application.pk]))
    assert response["Location"] == reverse("calls:application_edit", args=[application.pk])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.reference == "AISSAI-2025-001"

    Application.objects.filter(pk=application.pk).update(title="Version two")
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, application)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference == "AISSAI-2025-001"
    assert application.version == 2
    versions = list(application.versions.order_by("number"))
    assert [v.snapshot["title"] for v in versions] == ["Version one", "Version two"]
    assert Call.objects.get(pk=application.call_id).next_reference_number == 2
    assert OutboxMessage.objects.filter(event="submission_receipt").count() == 2
    assert (
        "Version: 2" in OutboxMessage.objects.filter(event="submission_receipt").first().body_text
    )


def test_reopen_after_the_deadline_is_refused(client):
    application = complete_draft()
    submit_application(application=application, by=application.coordinator)
    Call.objects.filter(pk=application.call_id).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )
    client.force_login(application.coordinator)
    response = client.post(reverse("calls:application_reopen", args=[application.pk]), follow=True)
    assert "The deadline has passed" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_reopen_by_someone_else_is_refused():
    application = complete_draft()
    submit_application(application=application, by=application.coordinator)
    with pytest.raises(Exception):  # noqa: B017 - the transition refuses another actor
        reopen_application(application=application, by=UserFactory())
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_withdraw_needs_a_reason_then_is_audited_and_mailed(
    client, django_capture_on_commit_callbacks
):
    application = complete_draft()
    submit_application(application=application, by=application.coordinator)
    client.force_login(application.coordinator)
    url = reverse("calls:application_withdraw", args=[application.pk])

    response = client.post(url, {"reason": "  "})
    assert "Say why the application is withdrawn." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "The postdoc found another position."})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.withdrawal_reason == "The postdoc found another position."
    event = AuditEvent.objects.get(verb="application.status.withdrawn")
    assert event.data["reason"] == "The postdoc found another position."
    message = OutboxMessage.objects.get(event="application_withdrawn")
    assert "The postdoc found another position." in message.body_text


def test_no_withdrawal_after_a_decision(client):
    application = ApplicationFactory(status=ApplicationStatus.FUNDED)
    client.force_login(application.coordinator)
    response = client.post(
        reverse("calls:application_withdraw", args=[application.pk]), {"reason": "late"}
    )
    assert "can no longer be withdrawn" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FUNDED


# --- Concurrency on PostgreSQL ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_make_one():
    application = complete_draft()
    coordinator = application.coordinator
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(
                submit_application(
                    application=Application.objects.get(pk=application.pk), by=coordinator
                ).reference
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert results == ["AISSAI-2025-001"] * 4
    assert ApplicationVersion.objects.filter(application=application).count() == 1
    assert OutboxMessage.objects.filter(event="submission_receipt").count() == 1
    assert Call.objects.get(pk=application.call_id).next_reference_number == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_different_applications_get_distinct_references():
    call = CallFactory()
    applications = [complete_draft(call=call) for _ in range(4)]
    barrier = threading.Barrier(len(applications))
    results, errors = [], []

    def worker(application):
        try:
            barrier.wait(timeout=10)
            results.append(
                submit_application(application=application, by=application.coordinator).reference
            )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(a,)) for a in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == [f"AISSAI-2025-{n:03d}" for n in range(1, 5)]
