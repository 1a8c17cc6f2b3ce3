"""The audit log is append-only: in the application, in the admin, and in PostgreSQL."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.audit.services import record_event, record_events
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    actor = StaffFactory()
    target = UserFactory(full_name="Ada Lovelace", email="ada@example.org")
    return record_event(
        actor=actor,
        verb="account.checked",
        target=target,
        data={"when": datetime.date(2025, 3, 1), "why": "test"},
    )


def test_record_event_keeps_actor_verb_target_and_data(event):
    saved = AuditEvent.objects.get()

    assert saved.actor.is_programme_staff
    assert saved.verb == "account.checked"
    assert saved.target_type == ContentType.objects.get(app_label="accounts", model="user")
    assert saved.target_repr == "Ada Lovelace <ada@example.org>"
    assert saved.data == {"when": "2025-03-01", "why": "test"}
    assert saved.created_at is not None
    target = saved.target_type.get_object_for_this_type(pk=saved.target_id)
    assert list(AuditEvent.objects.for_object(target)) == [saved]


def test_anonymous_actor_is_recorded_as_nobody():
    from django.contrib.auth.models import AnonymousUser

    event = record_event(actor=AnonymousUser(), verb="account.signup_attempted")

    assert (event.actor, event.target_type, event.target_id) == (None, None, "")


def test_record_events_writes_one_event_per_target_in_one_insert(django_assert_num_queries):
    actor = StaffFactory()
    targets = UserFactory.create_batch(3)
    ContentType.objects.get_for_model(targets[0])  # cached, as in any running process

    with django_assert_num_queries(1):
        events = record_events(
            actor=actor,
            verb="account.exported",
            targets=targets,
            data=lambda user: {"email": user.email},
        )

    assert len(events) == 3
    rows = AuditEvent.objects.order_by("id").values_list("target_id", "data")
    assert list(rows) == [(str(u.pk), {"email": u.email}) for u in targets]


def test_application_cannot_change_an_event(event):
    event.verb = "something.else"

    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(verb="something.else")

    assert AuditEvent.objects.get().verb == "account.checked"


def test_application_cannot_delete_an_event(event):
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == 1


def test_admin_shows_events_but_cannot_add_change_or_delete(client, event):
    client.force_login(SuperuserFactory())

    listing = client.get(reverse("admin:audit_auditevent_changelist"))
    detail = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    add = client.get(reverse("admin:audit_auditevent_add"))
    change = client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"verb": "x"})
    delete = client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    bulk_delete = client.post(
        reverse("admin:audit_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert listing.status_code == 200 and "account.checked" in listing.content.decode()
    assert detail.status_code == 200 and 'name="verb"' not in detail.content.decode()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert bulk_delete.status_code == 200  # "no action selected": there is no delete action
    assert "delete_selected" not in listing.content.decode()
    assert AuditEvent.objects.get().verb == "account.checked"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET verb = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_update_and_delete_in_raw_sql(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])

    assert AuditEvent.objects.get().verb == "account.checked"


def test_the_audit_admin_hides_events_about_a_reader_s_own_application(client):
    """A superuser who coordinates an application must not read its reviews' totals in the
    audit log (the event of a saved review carries it)."""
    from tests.factories.calls import submitted_application

    superuser = SuperuserFactory(is_programme_staff=True)
    own = submitted_application(coordinator=superuser)
    other = submitted_application()
    record_event(actor=None, verb="review.submitted", target=own, data={"total": "8.75"})
    record_event(actor=None, verb="review.updated", target=superuser, data={"application": own.pk})
    record_event(actor=None, verb="review.submitted", target=other, data={"application": other.pk})
    client.force_login(superuser)

    listed = client.get(reverse("admin:audit_auditevent_changelist")).context["cl"].result_list

    assert [(e.verb, e.target_id) for e in listed if e.verb.startswith("review.")] == [
        ("review.submitted", str(other.pk))
    ]
