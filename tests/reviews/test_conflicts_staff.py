"""The staff's conflict page of a call: filters, rulings with a required reason (audited),
a conflict set by hand, detection on demand, who may reach it, and its query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aissai.audit.models import AuditEvent
from reviews.models import Conflict, ConflictSource, ConflictStatus
from reviews.selectors.conflicts import has_confirmed_conflict
from reviews.selectors.reviewing import live_assignments
from tests.accounts.helpers import messages_of
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory
from tests.factories.reviews import (
    AssignmentFactory,
    ConflictFactory,
    InvitationFactory,
    eligible_application,
    reviewer_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def call():
    return CallFactory()


def list_url(call, **params):
    url = reverse("reviews:conflicts", args=[call.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def rule_url(conflict):
    return reverse("reviews:conflict_rule", args=[conflict.application.call.slug, conflict.pk])


def conflict(call, name, **fields):
    return ConflictFactory(
        invitation=InvitationFactory(call=call, expert__full_name=name),
        application=eligible_application(call),
        **fields,
    )


def names(response):
    return [c.invitation.expert.full_name for c in response.context["page"].object_list]


def test_list_filters_by_status_and_source(staff_client, call):
    conflict(call, "Suspected Detected")
    conflict(call, "Confirmed Excluded", source=ConflictSource.EXCLUDED, status="confirmed")
    conflict(call, "Cleared Declared", source=ConflictSource.DECLARED, status="cleared")

    everything = staff_client.get(list_url(call))
    confirmed = staff_client.get(list_url(call, status="confirmed"))
    detected = staff_client.get(list_url(call, source="detected"))
    searched = staff_client.get(list_url(call, q="cleared"))

    assert sorted(names(everything)) == [
        "Cleared Declared",
        "Confirmed Excluded",
        "Suspected Detected",
    ]
    assert names(confirmed) == ["Confirmed Excluded"]
    assert names(detected) == ["Suspected Detected"]
    assert names(searched) == ["Cleared Declared"]
    assert everything.context["tabs"] == [
        ("suspected", "Suspected", 1),
        ("confirmed", "Confirmed", 1),
        ("cleared", "Cleared", 1),
    ]
    row = everything.context["page"].object_list
    detected_row = next(c for c in row if c.source == "detected")
    assert (
        detected_row.explanation == "The expert's e-mail domain is that of a partner (example.edu)."
    )


def test_confirm_a_suspected_conflict_with_a_reason(staff_client, staff, call):
    item = conflict(call, "Ada Reviewer")
    assignment = AssignmentFactory(invitation=item.invitation, application=item.application)

    response = staff_client.post(
        rule_url(item), {"decision": "confirmed", "reason": "Same lab until 2023."}, follow=True
    )

    item.refresh_from_db()
    assert (item.status, item.ruling_reason, item.ruled_by) == (
        ConflictStatus.CONFIRMED,
        "Same lab until 2023.",
        staff,
    )
    assert has_confirmed_conflict(item.invitation, item.application)
    assert not live_assignments().filter(pk=assignment.pk).exists()  # blocked everywhere
    event = AuditEvent.objects.get(verb="conflict.confirmed")
    assert (event.actor, event.data["previous_status"], event.data["reason"]) == (
        staff,
        "suspected",
        "Same lab until 2023.",
    )
    assert messages_of(response) == [
        f"Conflict confirmed: Ada Reviewer cannot review {item.application}."
    ]


def test_clear_a_conflict(staff_client, call):
    item = conflict(call, "Ada Reviewer", status="confirmed")

    staff_client.post(rule_url(item), {"decision": "cleared", "reason": "Homonym."})

    item.refresh_from_db()
    assert (item.status, item.ruling_reason) == (ConflictStatus.CLEARED, "Homonym.")
    assert AuditEvent.objects.filter(verb="conflict.cleared").count() == 1


def test_a_ruling_needs_a_reason(staff_client, call):
    item = conflict(call, "Ada Reviewer")

    response = staff_client.post(
        rule_url(item), {"decision": "confirmed", "reason": " "}, follow=True
    )

    item.refresh_from_db()
    assert (item.status, item.ruled_at) == (ConflictStatus.SUSPECTED, None)
    assert messages_of(response) == [
        "Choose a decision and give a reason: it is kept in the record."
    ]
    assert not AuditEvent.objects.filter(verb__startswith="conflict.").exists()


def test_the_same_ruling_twice_is_refused(staff_client, call):
    item = conflict(call, "Ada Reviewer")
    staff_client.post(rule_url(item), {"decision": "cleared", "reason": "Homonym."})

    response = staff_client.post(
        rule_url(item), {"decision": "cleared", "reason": "Again."}, follow=True
    )

    item.refresh_from_db()
    assert item.ruling_reason == "Homonym."
    assert messages_of(response)[-1] == "This conflict is already cleared."


def test_staff_set_a_conflict_by_hand(staff_client, staff, call):
    invitation = InvitationFactory(call=call, expert__full_name="Ada Reviewer")
    application = eligible_application(call)
    url = reverse("reviews:conflict_add", args=[call.slug])

    assert staff_client.get(url + f"?application={application.pk}").status_code == 200
    response = staff_client.post(
        url,
        {"application": application.pk, "invitation": invitation.pk, "reason": "Her husband."},
        follow=True,
    )

    item = Conflict.objects.get()
    assert (item.source, item.status, item.reason, item.ruled_by) == (
        ConflictSource.STAFF,
        ConflictStatus.CONFIRMED,
        "Her husband.",
        staff,
    )
    assert AuditEvent.objects.get(verb="conflict.set_by_staff").actor == staff
    assert messages_of(response) == [
        f"Conflict recorded: Ada Reviewer cannot review {application}."
    ]


def test_setting_a_conflict_needs_a_reason_and_a_reviewer_of_this_call(staff_client, call):
    application = eligible_application(call)
    elsewhere = InvitationFactory()
    url = reverse("reviews:conflict_add", args=[call.slug])

    response = staff_client.post(
        url, {"application": application.pk, "invitation": elsewhere.pk, "reason": ""}
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"invitation", "reason"}
    assert not Conflict.objects.exists()


def test_detection_on_demand(staff_client, staff, call):
    application = eligible_application(call)
    lead_domain = application.partners.first().lead_email.split("@")[1]
    InvitationFactory(call=call, expert__email=f"someone@{lead_domain}")

    response = staff_client.post(reverse("reviews:conflicts_detect", args=[call.slug]), follow=True)

    assert Conflict.objects.get().rule == "same_email_domain"
    assert AuditEvent.objects.get(verb="conflicts.detected").actor == staff
    assert messages_of(response)[0].startswith("Detection done: 1 conflicts found")


# --- Who may reach it ---------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, call):
    item = conflict(call, "Ada")
    for url in (list_url(call), reverse("reviews:conflict_add", args=[call.slug])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    client.post(rule_url(item), {"decision": "confirmed", "reason": "x"})
    item.refresh_from_db()
    assert item.status == ConflictStatus.SUSPECTED


@pytest.mark.parametrize("role", ["applicant", "reviewer", "other user"])
def test_others_get_404(client, call, role):
    item = conflict(call, "Ada")
    if role == "applicant":
        user = item.application.coordinator
    elif role == "reviewer":
        user = reviewer_of(call, accept_terms=True).expert.user
    else:
        user = UserFactory()
    client.force_login(user)

    assert client.get(list_url(call)).status_code == 404
    assert client.get(reverse("reviews:conflict_add", args=[call.slug])).status_code == 404
    assert client.post(rule_url(item), {"decision": "cleared", "reason": "x"}).status_code == 404
    detect = reverse("reviews:conflicts_detect", args=[call.slug])
    assert client.post(detect).status_code == 404
    item.refresh_from_db()
    assert item.status == ConflictStatus.SUSPECTED
    assert not AuditEvent.objects.exists()


def test_staff_do_not_see_conflicts_of_their_own_application(client, call):
    mine = conflict(call, "Ada")
    theirs = conflict(call, "Bob")
    staff = mine.application.coordinator
    staff.is_programme_staff = True
    staff.save()
    client.force_login(staff)

    response = client.get(list_url(call))

    assert [c.pk for c in response.context["page"].object_list] == [theirs.pk]
    assert client.post(rule_url(mine), {"decision": "cleared", "reason": "x"}).status_code == 404


def test_list_queries_do_not_grow_with_conflicts(staff_client, call, django_assert_num_queries):
    conflict(call, "Reviewer 0", status="confirmed")
    staff_client.get(list_url(call))
    with CaptureQueriesContext(connection) as one:
        staff_client.get(list_url(call))
    conflict(call, "Reviewer 1", ruled_by=StaffFactory())
    conflict(call, "Reviewer 2", source=ConflictSource.EXCLUDED)
    with django_assert_num_queries(len(one.captured_queries)):
        response = staff_client.get(list_url(call))
    assert len(response.context["page"].object_list) == 3
