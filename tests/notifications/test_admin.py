"""The outbox in the admin: read-only apart from release, discard and retry."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from tests.factories.accounts import SuperuserFactory, UserFactory
from tests.factories.notifications import DevMailboxMessageFactory, OutboxMessageFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_outboxmessage_changelist"


@pytest.fixture
def admin_user(client):
    user = SuperuserFactory()
    client.force_login(user)
    return user


def run_action(client, action: str, rows: list[OutboxMessage]):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, ACTION_CHECKBOX_NAME: [row.pk for row in rows]},
        follow=True,
    )


def test_dev_mailbox_is_not_in_the_admin(client, admin_user):
    """It holds mails as delivered, live links included: only the machine itself reads it."""
    DevMailboxMessageFactory()

    index = client.get(reverse("admin:index")).content.decode()

    assert "devmailboxmessage" not in index
    assert client.get("/admin/notifications/devmailboxmessage/").status_code == 404


def test_admin_cannot_add_change_or_delete(client, admin_user):
    row = OutboxMessageFactory()
    prefix = "admin:notifications_outboxmessage"

    add = client.get(reverse(f"{prefix}_add"))
    change_page = client.get(reverse(f"{prefix}_change", args=[row.pk]))
    change_post = client.post(reverse(f"{prefix}_change", args=[row.pk]), {"subject": "Changed"})
    delete = client.post(reverse(f"{prefix}_delete", args=[row.pk]), {"post": "yes"})
    listing = client.get(reverse(f"{prefix}_changelist"))

    assert (add.status_code, delete.status_code, change_post.status_code) == (403, 403, 403)
    assert change_page.status_code == 200
    assert 'name="subject"' not in change_page.content.decode()  # shown, not editable
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    row.refresh_from_db()
    assert row.subject != "Changed"


def test_admin_actions_release_discard_and_retry_through_the_services(
    client, admin_user, django_capture_on_commit_callbacks
):
    held = OutboxMessageFactory(held=True)
    to_discard = OutboxMessageFactory(held=True)
    failed = OutboxMessageFactory(failed=True)

    with django_capture_on_commit_callbacks(execute=True):
        released = run_action(client, "release", [held, failed])
    discarded = run_action(client, "discard", [to_discard])
    with django_capture_on_commit_callbacks(execute=True):
        retried = run_action(client, "retry", [held, failed])

    assert "1 e-mail changed." in released.content.decode()
    assert "1 e-mail changed." in discarded.content.decode()
    assert "1 e-mail changed." in retried.content.decode()
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert statuses == {
        held.pk: OutboxStatus.SENT,
        to_discard.pk: OutboxStatus.DISCARDED,
        failed.pk: OutboxStatus.SENT,
    }
    assert len(mail.outbox) == 2
    verbs = AuditEvent.objects.filter(actor=admin_user).values_list("verb", flat=True)
    assert sorted(verbs) == ["mail.discarded", "mail.released", "mail.retried"]


def test_admin_action_that_applies_to_none_says_so(client, admin_user):
    sent = OutboxMessageFactory(sent=True)

    response = run_action(client, "retry", [sent])

    assert "None of the selected e-mails allowed this action." in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_admin_user_without_the_staff_role_sees_no_actions(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    client.force_login(user)
    row = OutboxMessageFactory(held=True)

    listing = client.get(reverse(CHANGELIST))
    response = run_action(client, "release", [row])

    assert listing.status_code == 200
    assert 'value="release"' not in listing.content.decode()
    row.refresh_from_db()
    assert row.status == OutboxStatus.HELD
    assert response.status_code == 200


def test_admin_lists_and_filters_events_by_their_label(client, admin_user):
    shown = OutboxMessageFactory(event="eligibility_outcome", to_email="a@example.org")
    OutboxMessageFactory(event="review_assignment", to_email="b@example.org")

    page = client.get(reverse(CHANGELIST)).content.decode()
    filtered = client.get(reverse(CHANGELIST), {"event": "eligibility_outcome"})

    assert "Eligibility outcome" in page and "Review assignment" in page
    assert ">eligibility_outcome<" not in page and ">review_assignment<" not in page
    assert [row.pk for row in filtered.context["cl"].result_list] == [shown.pk]


def test_row_checkbox_is_the_one_the_admin_draws(client, admin_user):
    from django.contrib import admin

    from aissai.notifications.admin import OutboxMessageAdmin

    message = OutboxMessageFactory(subject="Décision <finale>")
    model_admin = OutboxMessageAdmin(OutboxMessage, admin.site)
    assert model_admin.action_checkbox(message) == admin.ModelAdmin.action_checkbox(
        model_admin, message
    )
    response = client.get(reverse(CHANGELIST))
    assert str(model_admin.action_checkbox(message)) in response.content.decode()


def test_changelist_filters_by_language_and_has_no_date_hierarchy(client, admin_user):
    OutboxMessageFactory(language="fr")
    OutboxMessageFactory(language="en")
    response = client.get(reverse(CHANGELIST), {"language": "fr"})
    changelist = response.context["cl"]
    assert [m.language for m in changelist.result_list] == ["fr"]
    assert not changelist.date_hierarchy
    assert not changelist.show_full_result_count
