"""The outbox keeps conflicts of interest: a programme manager in conflict with an
application never reads, on the outbox pages or in the admin, the mails about it (who
reviews it, its held decision mail), while the other managers read them all."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from aissai.notifications.models import OutboxMessage
from aissai.notifications.selectors import outbox_visible_to
from calls.selectors.staff_conflicts import withheld_ids
from reviews.services.assignment.manual import add_reviewer
from tests.factories.accounts import StaffFactory
from tests.factories.calls import PartnerFactory
from tests.factories.reviews import call_in_review, eligible_application, reviewer_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_second_factor")]


@pytest.fixture
def no_second_factor():
    with override_settings(AISSAI_REQUIRE_SECOND_FACTOR=False):
        yield


@pytest.fixture
def assigned():
    """An application with a reviewer (so a "review_assignment" mail is queued), a
    manager in conflict with it (its confirmed partner lead), and another application."""
    call = call_in_review(applications=1).call
    application = eligible_application(call)
    other = eligible_application(call)
    manager = StaffFactory()
    invitation = reviewer_of(call)
    add_reviewer(application=application, invitation=invitation, by=manager)
    other_invitation = reviewer_of(call)
    add_reviewer(application=other, invitation=other_invitation, by=manager)
    conflicted = StaffFactory(email="lead@lab.example.fr")
    PartnerFactory(
        application=application,
        lead_email="lead@lab.example.fr",
        confirmed_at=timezone.now() - timedelta(days=1),
        position=9,
    )
    assert withheld_ids(conflicted, call=call) == {application.pk}
    mail = OutboxMessage.objects.get(event="review_assignment", to_email=invitation.expert.email)
    other_mail = OutboxMessage.objects.get(
        event="review_assignment", to_email=other_invitation.expert.email
    )
    return {
        "manager": manager,
        "conflicted": conflicted,
        "mail": mail,
        "other_mail": other_mail,
        "reviewer": invitation.expert.email,
        "application": application,
    }


def test_a_manager_in_conflict_does_not_read_who_reviews_the_application(client, assigned):
    client.force_login(assigned["conflicted"])

    listing = client.get(reverse("notifications:outbox")).content.decode()
    detail = client.get(reverse("notifications:outbox_detail", args=[assigned["mail"].pk]))
    other = client.get(reverse("notifications:outbox_detail", args=[assigned["other_mail"].pk]))

    assert assigned["reviewer"] not in listing
    assert assigned["other_mail"].to_email in listing
    assert detail.status_code == 404
    assert other.status_code == 200


def test_the_other_managers_read_every_mail(client, assigned):
    client.force_login(assigned["manager"])

    listing = client.get(reverse("notifications:outbox")).content.decode()
    detail = client.get(reverse("notifications:outbox_detail", args=[assigned["mail"].pk]))

    assert assigned["reviewer"] in listing
    assert detail.status_code == 200
    assert assigned["application"].reference in detail.content.decode()


def test_mails_related_to_the_application_itself_are_left_out_too(assigned):
    mail = OutboxMessage.objects.create(
        event="eligibility_outcome",
        to_email="coordinator@lab.example.fr",
        subject="Eligibility",
        body_text="…",
        related_type=ContentType.objects.get_for_model(assigned["application"]),
        related_id=str(assigned["application"].pk),
    )

    assert mail not in outbox_visible_to(assigned["conflicted"])
    assert mail in outbox_visible_to(assigned["manager"])


def test_the_outbox_admin_leaves_them_out_as_well(client, assigned):
    conflicted = assigned["conflicted"]
    conflicted.is_staff = conflicted.is_superuser = True
    conflicted.save()
    client.force_login(conflicted)

    listing = client.get(reverse("admin:notifications_outboxmessage_changelist")).content
    change = client.get(
        reverse("admin:notifications_outboxmessage_change", args=[assigned["mail"].pk])
    )

    assert assigned["reviewer"].encode() not in listing
    assert assigned["other_mail"].to_email.encode() in listing
    assert change.status_code in (302, 404)
