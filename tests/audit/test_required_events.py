"""The audit trail the issue asks for: every status change, list move, conflict ruling,
funding decision, mail release and confidential download leaves an event, written by
the action itself, naming who did it and on what.

``REQUIRED`` is the list; each entry has one case below that performs the action the
way the application does it (a service, or the page for downloads) and checks the event.
A test checks that every entry has its case, so the list cannot quietly shrink.
"""

import pytest
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import release_mails
from calls.models import ApplicationStatus
from calls.transitions import STAFF, transition
from reviews.models import ConflictStatus, ListMove
from reviews.selectors.lists import UP, build_board
from reviews.services.conflicts import rule_on_conflict
from reviews.services.list_edits import move_application
from reviews.services.lists import Seen
from tests.factories.accounts import StaffFactory
from tests.factories.calls import DocumentFactory, submitted_application
from tests.factories.notifications import OutboxMessageFactory
from tests.factories.reviews import ConflictFactory, fix_as_shown, shortlisted_call

pytestmark = pytest.mark.django_db

REQUIRED = {
    "status change": "application.status.eligible",
    "list move": "call.lists.changed",
    "conflict ruling": "conflict.confirmed",
    "funding decision": "call.lists.fixed",
    "mail release": "mail.released",
    "confidential download: document": "application.document_downloaded",
    "confidential download: export": "call.exported",
    "confidential download: dossier": "application.dossier_viewed",
}


@pytest.fixture
def staff():
    return StaffFactory()


def new_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("id")[before:])


def status_change(client, staff):
    application = submitted_application()
    transition(
        application=application,
        to=ApplicationStatus.ELIGIBLE,
        by=staff,
        as_role=STAFF,
        reason="Consortium checked.",
    )
    return application


def list_move(client, staff):
    scenario = shortlisted_call(means=[9, 8, 7], sources=(2,), complementary_size=1)
    board = build_board(scenario.call)
    second = scenario.applications[1]
    move_application(
        call=scenario.call,
        by=staff,
        application_id=second.pk,
        action=UP,
        seen=Seen(board.main_version, board.complementary_version),
        reason="Stronger collaboration.",
    )
    moved = ListMove.objects.get(application=second, kind="moved")
    assert (moved.by, moved.reason) == (staff, "Stronger collaboration.")
    return scenario.call


def conflict_ruling(client, staff):
    conflict = ConflictFactory()
    return rule_on_conflict(
        conflict=conflict, by=staff, status=ConflictStatus.CONFIRMED, reason="Co-author."
    )


def funding_decision(client, staff):
    scenario = shortlisted_call(means=[9, 8, 7], sources=(2,), complementary_size=1)
    fix_as_shown(scenario.call, by=staff)
    for application in scenario.applications[:2]:
        assert AuditEvent.objects.for_object(application).filter(
            verb="application.status.funded", actor=staff
        )
    return scenario.call


def mail_release(client, staff):
    message = OutboxMessageFactory(held=True)
    released = release_mails(actor=staff, messages=OutboxMessage.objects.filter(pk=message.pk))
    assert released == [message.pk]
    message.refresh_from_db()
    assert message.status != OutboxStatus.HELD
    return message


def document_download(client, staff):
    document = DocumentFactory()
    client.force_login(staff)
    url = reverse("calls:document_download", args=[document.application_id, document.pk])
    assert client.get(url).status_code == 200
    return document.application


def export_download(client, staff):
    scenario = shortlisted_call(means=[9, 8], sources=(1,))
    client.force_login(staff)
    url = reverse("reviews:export", args=[scenario.call.slug, "reviews", "csv"])
    response = client.get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    return scenario.call


def dossier_view(client, staff):
    scenario = shortlisted_call(means=[9], sources=(1,))
    application = scenario.applications[0]
    client.force_login(staff)
    url = reverse("reviews:dossier", args=[scenario.call.slug, application.pk])
    assert client.get(url).status_code == 200
    return application


ACTIONS = {
    "status change": status_change,
    "list move": list_move,
    "conflict ruling": conflict_ruling,
    "funding decision": funding_decision,
    "mail release": mail_release,
    "confidential download: document": document_download,
    "confidential download: export": export_download,
    "confidential download: dossier": dossier_view,
}


def test_every_required_event_has_its_case():
    assert set(ACTIONS) == set(REQUIRED)


@pytest.mark.parametrize("kind", list(REQUIRED))
def test_the_action_leaves_its_event(client, staff, kind):
    before = AuditEvent.objects.count()

    target = ACTIONS[kind](client, staff)

    events = [e for e in new_events(before) if e.verb == REQUIRED[kind]]
    assert events, f"{kind}: no {REQUIRED[kind]} event"
    event = events[-1]
    assert event.actor == staff
    assert event.target_id == str(target.pk)
    assert event.target_type.model == target._meta.model_name
    assert event.created_at is not None
