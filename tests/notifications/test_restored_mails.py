"""Mails held by a restore: the outbox page says so and staff send or drop them all in
one action; other held mails (decisions) are left as they are."""

import pytest
from django.core import mail
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import hold_after_restore
from tests.factories.accounts import StaffFactory
from tests.factories.notifications import OutboxMessageFactory

pytestmark = pytest.mark.django_db

S = OutboxStatus


@pytest.fixture
def restored():
    """Two mails held by a restore, a decision mail held by staff, a mail already sent."""
    rows = {
        "waiting": OutboxMessageFactory(status=S.PENDING, to_email="a@example.org"),
        "sending": OutboxMessageFactory(status=S.SENDING, to_email="b@example.org"),
        "decision": OutboxMessageFactory(status=S.HELD, to_email="c@example.org"),
        "sent": OutboxMessageFactory(status=S.SENT, to_email="d@example.org"),
    }
    assert hold_after_restore() == 2
    return rows


def statuses(rows) -> dict[str, str]:
    return {key: OutboxMessage.objects.get(pk=row.pk).status for key, row in rows.items()}


def test_outbox_page_says_how_many_mails_a_restore_held(client, restored):
    client.force_login(StaffFactory())

    html = client.get(reverse("notifications:outbox")).content.decode()

    assert "2 e-mails held after a restore" in html
    assert reverse("notifications:outbox_restored") in html


def test_outbox_page_says_it_in_french(client, restored):
    client.force_login(StaffFactory(language="fr"))

    html = client.get(reverse("notifications:outbox"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "2 courriels retenus après une restauration" in html
    assert "Les envoyer tous" in html


def test_sending_them_all_releases_only_the_mails_the_restore_held(
    client, restored, django_capture_on_commit_callbacks
):
    client.force_login(StaffFactory())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:outbox_restored"), {"action": "release"})

    assert response.status_code == 302
    assert statuses(restored) == {
        "waiting": S.SENT,
        "sending": S.SENT,
        "decision": S.HELD,
        "sent": S.SENT,
    }
    assert sorted(m.to[0].split("<")[1] for m in mail.outbox) == [
        "a@example.org>",
        "b@example.org>",
    ]
    assert AuditEvent.objects.filter(verb="mail.released").count() == 2


def test_dropping_them_all_sends_nothing(client, restored):
    client.force_login(StaffFactory())

    client.post(reverse("notifications:outbox_restored"), {"action": "discard"})

    assert statuses(restored) == {
        "waiting": S.DISCARDED,
        "sending": S.DISCARDED,
        "decision": S.HELD,
        "sent": S.SENT,
    }
    assert mail.outbox == []
    html = client.get(reverse("notifications:outbox")).content.decode()
    assert "held after a restore" not in html
