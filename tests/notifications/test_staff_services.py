"""Staff actions on the outbox: each checks the state, is audited, queues delivery on commit."""

import pytest
from django.core import mail

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import (
    OutboxStateError,
    discard_mails,
    edit_held_mail,
    release_mails,
    retry_mails,
)
from tests.factories.accounts import StaffFactory
from tests.factories.notifications import OutboxMessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


def statuses() -> dict[int, str]:
    return dict(OutboxMessage.objects.values_list("pk", "status"))


def test_release_sends_held_mails_after_commit_and_audits_each(
    staff, django_capture_on_commit_callbacks
):
    held = OutboxMessageFactory.create_batch(2, held=True)
    failed = OutboxMessageFactory(failed=True)

    with django_capture_on_commit_callbacks(execute=True):
        released = release_mails(actor=staff, messages=OutboxMessage.objects.all())

    assert released == [held[0].pk, held[1].pk]
    assert statuses() == {
        held[0].pk: OutboxStatus.SENT,
        held[1].pk: OutboxStatus.SENT,
        failed.pk: OutboxStatus.FAILED,
    }
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {m.message_id for m in held}
    events = AuditEvent.objects.filter(verb="mail.released").order_by("id")
    assert [(e.actor, e.target_id) for e in events] == [(staff, str(m.pk)) for m in held]
    assert events[0].data == {"event": "test", "to": held[0].to_email, "subject": held[0].subject}


def test_release_twice_releases_once(staff, django_capture_on_commit_callbacks):
    row = OutboxMessageFactory(held=True)
    one = OutboxMessage.objects.filter(pk=row.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert release_mails(actor=staff, messages=one) == [row.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert release_mails(actor=staff, messages=one) == []

    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(verb="mail.released").count() == 1


def test_discard_stops_held_pending_and_failed_mails_but_not_sent_ones(
    staff, django_capture_on_commit_callbacks
):
    held = OutboxMessageFactory(held=True)
    pending = OutboxMessageFactory()
    failed = OutboxMessageFactory(failed=True)
    sent = OutboxMessageFactory(sent=True)

    discarded = discard_mails(actor=staff, messages=OutboxMessage.objects.all())

    assert sorted(discarded) == sorted([held.pk, pending.pk, failed.pk])
    assert statuses()[sent.pk] == OutboxStatus.SENT
    assert {statuses()[pk] for pk in discarded} == {OutboxStatus.DISCARDED}
    event = AuditEvent.objects.for_object(failed).get()
    assert (event.verb, event.data["previous_status"]) == ("mail.discarded", "failed")


def test_retry_gives_a_failed_mail_fresh_attempts_and_sends_it(
    staff, django_capture_on_commit_callbacks
):
    row = OutboxMessageFactory(failed=True)
    pending = OutboxMessageFactory(attempts=2)

    with django_capture_on_commit_callbacks(execute=True):
        retried = retry_mails(actor=staff, messages=OutboxMessage.objects.all())

    assert retried == [row.pk]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, "")
    pending.refresh_from_db()
    assert pending.attempts == 2  # only failed mails are retried
    event = AuditEvent.objects.for_object(row).get()
    assert (event.verb, event.actor, event.data["attempts"]) == ("mail.retried", staff, 5)
    assert event.data["error"].startswith("ConnectionRefusedError")


def test_edit_held_mail_changes_text_rebuilds_html_and_keeps_the_old_version(staff):
    row = OutboxMessageFactory(held=True, subject="Old subject", body_text="Old text\n")

    edited = edit_held_mail(
        actor=staff,
        message=row,
        subject="  New   subject ",
        body_text="New text with <b> & a link https://example.org  \n\n\n\nBye",
    )

    row.refresh_from_db()
    assert row.status == OutboxStatus.HELD
    assert (edited.subject, row.subject) == ("New subject", "New subject")
    assert row.body_text == "New text with <b> & a link https://example.org\n\nBye\n"
    assert "New text with &lt;b&gt; &amp; a link" in row.body_html
    assert '<a href="https://example.org"' in row.body_html
    assert '<html lang="en">' in row.body_html
    event = AuditEvent.objects.for_object(row).get()
    assert event.verb == "mail.edited"
    assert event.data["before"] == {"subject": "Old subject", "body_text": "Old text\n"}
    assert event.data["subject_changed"] and event.data["body_changed"]


def test_edit_of_a_mail_that_is_no_longer_held_is_refused(staff):
    row = OutboxMessageFactory(held=True)
    OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxStatus.PENDING)

    with pytest.raises(OutboxStateError):
        edit_held_mail(actor=staff, message=row, subject="New", body_text="New")

    row.refresh_from_db()
    assert row.subject != "New"
    assert not AuditEvent.objects.exists()
