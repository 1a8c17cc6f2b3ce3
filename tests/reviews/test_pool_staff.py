"""Programme staff's reviewer pool: the list, inviting one expert, resending, withdrawing,
and who may reach these pages."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from reviews.models import Expert, Invitation, InvitationStatus
from reviews.services.invitations import INVITATION_VALID_DAYS
from tests.accounts.helpers import link_in
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.calls import CallFactory, UnitFactory
from tests.factories.reviews import (
    AssignmentFactory,
    ExpertFactory,
    PendingInvitationFactory,
    reviewer_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory(slug="aissai-2025", title_en="AISSAI postdocs 2025")


@pytest.fixture
def staff():
    return StaffFactory(email="manager@aissai.example.org")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def invite_data(**overrides):
    data = {
        "full_name": "Ada Lovelace",
        "email": "Ada.Lovelace@Example.ORG",
        "institution": "University of London",
        "country": "United Kingdom",
        "keywords": "machine learning, turbulence; Machine Learning",
        "statement": "Neural operators for fluid dynamics.",
        "orcid": "https://orcid.org/0000-0002-1825-0097",
        "unit": "",
        "max_load": "6",
        "language": "en",
    }
    data.update(overrides)
    return data


def invitation_link(message: OutboxMessage) -> str:
    """The personal link in the mail the expert gets (never in the stored row)."""
    return link_in(message, "/reviews/invitation/")


# Inviting one expert


def test_invite_creates_the_expert_and_the_invitation_and_mails_a_working_link(
    staff_client, call, staff, django_capture_on_commit_callbacks
):
    url = reverse("reviews:invite", args=[call.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, invite_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:pool", args=[call.slug])
    expert = Expert.objects.get()
    assert (expert.email, expert.full_name, expert.institution, expert.country) == (
        "ada.lovelace@example.org",
        "Ada Lovelace",
        "University of London",
        "United Kingdom",
    )
    assert expert.keywords == ["machine learning", "turbulence"]
    assert expert.orcid == "0000-0002-1825-0097"
    invitation = Invitation.objects.get()
    assert (invitation.call, invitation.expert, invitation.status, invitation.max_load) == (
        call,
        expert,
        InvitationStatus.PENDING,
        6,
    )
    assert invitation.invited_by == staff
    expected_expiry = timezone.now() + timedelta(days=INVITATION_VALID_DAYS)
    assert abs((invitation.expires_at - expected_expiry).total_seconds()) < 60

    message = OutboxMessage.objects.get()
    assert (message.event, message.to_email, message.language) == (
        "reviewer_invitation",
        "ada.lovelace@example.org",
        "en",
    )
    assert "AISSAI postdocs 2025" in message.subject
    assert "at most 6 applications" in message.body_text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [
        "Ada Lovelace <ada.lovelace@example.org>"
    ]
    link = invitation_link(message)
    assert link == reverse("reviews:invitation", args=[invitation.token])
    staff_client.logout()
    page = staff_client.get(link)
    assert page.status_code == 200
    assert b"AISSAI postdocs 2025" in page.content
    assert set(AuditEvent.objects.values_list("verb", flat=True)) == {
        "reviews.expert_created",
        "reviews.invitation_sent",
    }


def test_invitation_mail_is_in_the_experts_language(staff_client, call):
    staff_client.post(reverse("reviews:invite", args=[call.slug]), invite_data(language="fr"))

    message = OutboxMessage.objects.get()
    assert message.language == "fr"
    assert call.title_fr in message.subject
    assert '<html lang="fr">' in message.body_html


def test_invite_updates_a_known_expert_found_by_email_whatever_its_case(staff_client, call):
    known = ExpertFactory(email="ada.lovelace@example.org", country="France", orcid="")
    unit = UnitFactory(unit_type="UMR", number="8223")

    staff_client.post(
        reverse("reviews:invite", args=[call.slug]),
        invite_data(country="", unit="umr8223", institution="Imperial College"),
    )

    assert Expert.objects.count() == 1
    known.refresh_from_db()
    assert known.institution == "Imperial College"
    assert known.country == "France"  # blank values keep what is known
    assert known.unit == unit
    assert known.orcid == "0000-0002-1825-0097"
    assert Invitation.objects.get().expert == known


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-address", "Enter a valid email address."),
        ("full_name", "   ", "This field is required."),
        ("orcid", "0000-0002-1825-0098", "check digit"),
        ("unit", "UMR 9999", "No active CNRS unit has the label"),
        ("max_load", "0", "greater than or equal to 1"),
    ],
)
def test_invite_with_bad_input_shows_the_error_and_creates_nothing(
    staff_client, call, field, value, message
):
    response = staff_client.post(
        reverse("reviews:invite", args=[call.slug]), invite_data(**{field: value})
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Expert.objects.exists()
    assert not Invitation.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_invite_twice_to_the_same_call_is_refused(staff_client, call):
    PendingInvitationFactory(call=call, expert=ExpertFactory(email="ada.lovelace@example.org"))

    response = staff_client.post(reverse("reviews:invite", args=[call.slug]), invite_data())

    assert response.status_code == 200
    assert "already invited to this call" in response.content.decode()
    assert Invitation.objects.count() == 1
    assert not OutboxMessage.objects.exists()


def test_the_same_expert_may_be_invited_to_another_call(staff_client, call):
    other = PendingInvitationFactory(expert=ExpertFactory(email="ada.lovelace@example.org"))

    staff_client.post(reverse("reviews:invite", args=[call.slug]), invite_data())

    assert Invitation.objects.filter(expert=other.expert).count() == 2


# Resend and withdraw


def test_resend_gives_a_new_expiry_mails_again_and_is_audited(
    staff_client, call, staff, django_capture_on_commit_callbacks
):
    invitation = PendingInvitationFactory(
        call=call,
        expires_at=timezone.now() - timedelta(days=1),
        sent_at=timezone.now() - timedelta(days=22),
    )
    url = reverse("reviews:invitation_resend", args=[call.slug, invitation.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url)

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.expires_at > timezone.now() + timedelta(days=INVITATION_VALID_DAYS - 1)
    assert invitation.sent_at > timezone.now() - timedelta(minutes=1)
    message = OutboxMessage.objects.get()
    assert (message.event, message.to_email) == ("reviewer_invitation", invitation.expert.email)
    assert invitation_link(message) == reverse("reviews:invitation", args=[invitation.token])
    assert len(mail.outbox) == 1
    event = AuditEvent.objects.get(verb="reviews.invitation_resent")
    assert event.actor == staff
    assert event.data["previous_status"] == "expired"


def test_resend_of_an_answered_invitation_is_refused(staff_client, call):
    invitation = PendingInvitationFactory(call=call, status=InvitationStatus.DECLINED)

    response = staff_client.post(
        reverse("reviews:invitation_resend", args=[call.slug, invitation.pk]), follow=True
    )

    assert "cannot be sent again" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert not OutboxMessage.objects.exists()


def test_withdraw_closes_the_link_and_is_audited(staff_client, client, call, staff):
    invitation = PendingInvitationFactory(call=call)

    response = staff_client.post(
        reverse("reviews:invitation_withdraw", args=[call.slug, invitation.pk])
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    event = AuditEvent.objects.get(verb="reviews.invitation_withdrawn")
    assert (event.actor, event.data) == (staff, {"previous_status": "pending"})
    staff_client.logout()
    page = client.get(reverse("reviews:invitation", args=[invitation.token]))
    assert page.status_code == 410
    assert "withdrew this invitation" in page.content.decode()


def test_withdraw_of_a_reviewer_with_assignments_is_refused(staff_client, call):
    invitation = reviewer_of(call)
    AssignmentFactory(invitation=invitation)

    response = staff_client.post(
        reverse("reviews:invitation_withdraw", args=[call.slug, invitation.pk]), follow=True
    )

    assert "end them before withdrawing" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED


def test_invitation_of_another_call_is_404(staff_client, call):
    other = PendingInvitationFactory()
    for name in ("reviews:invitation_resend", "reviews:invitation_withdraw"):
        assert staff_client.post(reverse(name, args=[call.slug, other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == InvitationStatus.PENDING


# The pool list


def test_pool_lists_experts_with_status_load_language_and_keywords(staff_client, call):
    PendingInvitationFactory(
        call=call,
        expert=ExpertFactory(full_name="Ada Lovelace", keywords=["turbulence"], language="fr"),
        max_load=5,
    )
    PendingInvitationFactory(
        call=call,
        expert=ExpertFactory(full_name="Alan Turing"),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    reviewer_of(call)
    PendingInvitationFactory(expert=ExpertFactory(full_name="Other Call Expert"))

    response = staff_client.get(reverse("reviews:pool", args=[call.slug]))

    assert response.status_code == 200
    rows = {inv.expert.full_name: inv for inv in response.context["page"].object_list}
    assert "Other Call Expert" not in rows
    assert rows["Ada Lovelace"].effective_status == "pending"
    assert rows["Alan Turing"].effective_status == "expired"
    assert len(rows) == 3
    html = response.content.decode()
    assert "turbulence" in html and "French" in html and ">5<" in html
    assert {key: n for key, _label, n in response.context["tabs"]} == {
        "pending": 1,
        "expired": 1,
        "accepted": 1,
        "declined": 0,
        "withdrawn": 0,
    }


def test_pool_filters_by_status_and_searches(staff_client, call):
    PendingInvitationFactory(call=call, expert=ExpertFactory(full_name="Ada Lovelace"))
    PendingInvitationFactory(
        call=call,
        expert=ExpertFactory(full_name="Alan Turing", keywords=["cryptography"]),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    url = reverse("reviews:pool", args=[call.slug])

    def names(**params):
        response = staff_client.get(url, params)
        return [inv.expert.full_name for inv in response.context["page"].object_list]

    assert names(status="expired") == ["Alan Turing"]
    assert names(status="pending") == ["Ada Lovelace"]
    assert names(q="crypto") == ["Alan Turing"]
    assert names(q="lovelace") == ["Ada Lovelace"]
    assert names(status="accepted") == []


def test_pool_query_count_is_the_same_for_one_and_three_experts(staff_client, call):
    url = reverse("reviews:pool", args=[call.slug])
    PendingInvitationFactory(call=call, expert=ExpertFactory(unit=UnitFactory()))
    staff_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        assert staff_client.get(url).status_code == 200
    PendingInvitationFactory(call=call, expert=ExpertFactory(unit=UnitFactory()))
    reviewer_of(call, accept_terms=True)
    with CaptureQueriesContext(connection) as three:
        response = staff_client.get(url)
    assert len(response.context["page"].object_list) == 3
    assert len(three) == len(one), [q["sql"] for q in three.captured_queries]


# Who may reach the staff pages


def staff_urls(call, invitation):
    slug = call.slug
    return [
        reverse("reviews:pool", args=[slug]),
        reverse("reviews:invite", args=[slug]),
        reverse("reviews:invite_bulk", args=[slug]),
        reverse("reviews:terms_edit", args=[slug]),
        reverse("reviews:unit_options") + "?unit=UMR",
    ]


def staff_post_urls(call, invitation):
    return [
        reverse("reviews:invite", args=[call.slug]),
        reverse("reviews:invite_bulk", args=[call.slug]),
        reverse("reviews:terms_edit", args=[call.slug]),
        reverse("reviews:invitation_resend", args=[call.slug, invitation.pk]),
        reverse("reviews:invitation_withdraw", args=[call.slug, invitation.pk]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, call):
    invitation = PendingInvitationFactory(call=call)
    for url in staff_urls(call, invitation) + staff_post_urls(call, invitation):
        for response in (client.get(url), client.post(url, invite_data())):
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login")), url
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize("who", ["applicant", "reviewer", "superuser_not_programme_staff"])
def test_everyone_but_programme_staff_gets_404_and_changes_nothing(client, call, who):
    invitation = PendingInvitationFactory(call=call)
    user = {
        "applicant": UserFactory,
        "reviewer": lambda: reviewer_of(call).expert.user,
        "superuser_not_programme_staff": SuperuserFactory,
    }[who]()
    client.force_login(user)
    for url in staff_urls(call, invitation):
        assert client.get(url).status_code == 404, url
    for url in staff_post_urls(call, invitation):
        assert client.post(url, invite_data()).status_code == 404, url
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not OutboxMessage.objects.exists()


def test_programme_staff_reach_every_pool_page(staff_client, call):
    invitation = PendingInvitationFactory(call=call)
    for url in staff_urls(call, invitation):
        assert staff_client.get(url).status_code == 200, url


def test_unknown_call_is_404_for_staff(staff_client):
    assert staff_client.get(reverse("reviews:pool", args=["no-such-call"])).status_code == 404


def test_unit_search_offers_unit_labels(staff_client):
    UnitFactory(unit_type="UMR", number="8223", acronym="IMJ")
    response = staff_client.get(reverse("reviews:unit_options"), {"unit": "8223"})
    assert '<option value="UMR 8223">' in response.content.decode()
