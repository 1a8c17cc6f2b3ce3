"""The expert's personal link: accept (new account, or the existing one after logging in),
decline (staff are told), and links that expired or were already used."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from aissai.accounts.models import User
from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from reviews.models import InvitationStatus
from reviews.services.invitations import InvitationClosed, accept_invitation
from tests.factories.accounts import PASSWORD, StaffFactory, UnverifiedUserFactory, UserFactory
from tests.factories.calls import CallFactory
from tests.factories.reviews import ExpertFactory, PendingInvitationFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and new passphrase"


@pytest.fixture
def invitation():
    call = CallFactory(title_en="AISSAI postdocs 2025", slug="aissai-2025")
    expert = ExpertFactory(full_name="Ada Lovelace", email="ada@example.org")
    return PendingInvitationFactory(call=call, expert=expert, max_load=5)


def url(name, invitation):
    return reverse(f"reviews:{name}", args=[invitation.token])


def account_data(**overrides):
    return {
        "full_name": "Ada King Lovelace",
        "language": "en",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }


def test_the_invitation_page_shows_the_call_the_load_and_the_deadline_in_paris_time(
    client, invitation
):
    response = client.get(url("invitation", invitation))

    assert response.status_code == 200
    html = response.content.decode()
    assert "AISSAI postdocs 2025" in html
    assert "at most 5 applications" in html
    assert "(Paris time)" in html and "data-local-time" in html
    assert "js/local_time.js" in html
    assert url("invitation_accept", invitation) in html
    assert url("invitation_decline", invitation) in html


def test_unknown_token_is_404(client):
    response = client.get(
        reverse("reviews:invitation", args=["6f1c7f5e-0000-4000-8000-000000000000"])
    )
    assert response.status_code == 404


# Accepting without an account


def test_accept_as_a_new_user_creates_a_verified_account_and_links_the_expert(client, invitation):
    form = client.post(url("invitation_accept", invitation))
    assert form.status_code == 200
    assert form.context["form"].initial["full_name"] == "Ada Lovelace"
    assert not User.objects.exists()  # the button only shows the account form

    response = client.post(url("invitation_accept", invitation), account_data(language="fr"))

    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:confidentiality", args=["aissai-2025"])
    user = User.objects.get()
    assert (user.email, user.full_name, user.language) == (
        "ada@example.org",
        "Ada King Lovelace",
        "fr",
    )
    assert user.email_verified_at is not None
    assert user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    invitation.expert.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.responded_at is not None
    assert invitation.expert.user == user
    assert int(client.session["_auth_user_id"]) == user.pk  # logged in
    assert list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True)) == [
        "accounts.signed_up_from_invitation",
        "reviews.invitation_accepted",
    ]
    assert not OutboxMessage.objects.filter(event="account_verify").exists()


def test_the_new_account_form_checks_the_passwords_and_creates_nothing(client, invitation):
    response = client.post(
        url("invitation_accept", invitation), account_data(password2="something else entirely")
    )

    assert response.status_code == 200
    assert "The two passwords do not match." in response.content.decode()
    assert not User.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


# Accepting with an existing account


def test_accept_as_an_existing_user_goes_through_the_login_then_links(client, invitation):
    user = UserFactory(email="ADA@example.org")

    response = client.post(url("invitation_accept", invitation))

    login_url = reverse("accounts:login")
    assert response.status_code == 302
    assert (
        response["Location"] == f"{login_url}?next=%2Freviews%2Finvitation%2F{invitation.token}%2F"
    )
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING

    logged_in = client.post(
        response["Location"], {"username": "ada@example.org", "password": PASSWORD}
    )
    assert logged_in["Location"] == url("invitation", invitation)
    page = client.get(logged_in["Location"])
    assert "You are logged in with the invited address." in page.content.decode()

    accepted = client.post(url("invitation_accept", invitation))

    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("reviews:confidentiality", args=["aissai-2025"])
    invitation.refresh_from_db()
    invitation.expert.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.expert.user == user
    assert User.objects.count() == 1
    event = AuditEvent.objects.get(verb="reviews.invitation_accepted")
    assert event.actor == user


def test_an_unverified_existing_account_is_verified_by_the_link(client, invitation):
    user = UnverifiedUserFactory(email="ada@example.org")

    response = client.post(url("invitation_accept", invitation))

    assert response["Location"].startswith(reverse("accounts:login"))
    user.refresh_from_db()
    assert user.email_verified_at is not None
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_logged_in_as_someone_else_the_acceptance_is_refused_with_a_clear_message(
    client, invitation
):
    UserFactory(email="ada@example.org")
    someone_else = UserFactory(email="bob@example.org")
    client.force_login(someone_else)

    for method in (client.get, client.post):
        response = method(url("invitation_accept", invitation))
        assert response.status_code == 403
        html = response.content.decode()
        assert "You are logged in as bob@example.org" in html
        assert "sent to ada@example.org" in html
        assert "log in as ada@example.org" in html

    invitation.refresh_from_db()
    invitation.expert.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.expert.user is None
    assert not AuditEvent.objects.exists()


def test_logged_in_as_someone_else_without_an_account_for_the_address_is_refused(
    client, invitation
):
    client.force_login(UserFactory(email="bob@example.org"))

    response = client.post(url("invitation_accept", invitation), account_data())

    assert response.status_code == 403
    assert "to create the account for ada@example.org" in response.content.decode()
    assert User.objects.count() == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_the_service_refuses_another_account(invitation):
    with pytest.raises(Exception, match="log in with that address"):
        accept_invitation(invitation=invitation, user=UserFactory(email="bob@example.org"))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


# Declining


def test_decline_with_a_reason_notifies_programme_staff(
    client, invitation, django_capture_on_commit_callbacks
):
    camille = StaffFactory(email="camille@aissai.example.org", language="fr")
    dominique = StaffFactory(email="dominique@aissai.example.org", language="en")
    StaffFactory(email="gone@aissai.example.org", is_active=False)
    UserFactory(email="applicant@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("invitation_decline", invitation),
            {"reason": "On leave until June.", "suggested_colleague": "Alan Turing, Manchester"},
        )

    assert response.status_code == 200
    assert "You declined the invitation" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert invitation.decline_reason == "On leave until June."
    assert invitation.suggested_colleague == "Alan Turing, Manchester"
    assert invitation.responded_at is not None
    messages = OutboxMessage.objects.filter(event="invitation_declined")
    assert dict(messages.values_list("to_email", "language")) == {
        camille.email: "fr",
        dominique.email: "en",
    }
    english = messages.get(to_email=dominique.email)
    assert "Ada Lovelace declined" in english.subject
    assert "On leave until June." in english.body_text
    assert "Alan Turing, Manchester" in english.body_text
    assert reverse("reviews:pool", args=["aissai-2025"]) in english.body_text
    assert len(mail.outbox) == 2
    event = AuditEvent.objects.get(verb="reviews.invitation_declined")
    assert event.data == {
        "reason": "On leave until June.",
        "suggested_colleague": "Alan Turing, Manchester",
    }


def test_decline_without_a_reason_is_fine(client, invitation):
    StaffFactory()
    response = client.post(url("invitation_decline", invitation), {})
    assert response.status_code == 200
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decline_reason) == (InvitationStatus.DECLINED, "")


def test_decline_needs_a_post(client, invitation):
    assert client.get(url("invitation_decline", invitation)).status_code == 405
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


# Links that can no longer be answered


@pytest.mark.parametrize("name", ["invitation", "invitation_accept", "invitation_decline"])
def test_an_expired_link_shows_a_clear_page_and_changes_nothing(client, invitation, name):
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    invitation.invited_by = StaffFactory(full_name="Camille Martin", email="camille@example.org")
    invitation.save()

    response = client.post(url(name, invitation), account_data())
    if name == "invitation":
        response = client.get(url(name, invitation))

    assert response.status_code == 410
    html = response.content.decode()
    assert "This invitation expired on" in html
    assert "camille@example.org" in html  # whom to contact
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not User.objects.filter(email="ada@example.org").exists()
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (InvitationStatus.ACCEPTED, "already accepted"),
        (InvitationStatus.DECLINED, "was declined"),
        (InvitationStatus.WITHDRAWN, "withdrew this invitation"),
    ],
)
def test_a_used_link_cannot_be_answered_again(client, invitation, status, text):
    invitation.status = status
    invitation.save()

    pages = [
        client.get(url("invitation", invitation)),
        client.post(url("invitation_accept", invitation), account_data()),
        client.post(url("invitation_decline", invitation), {"reason": "Changed my mind"}),
    ]

    for page in pages:
        assert page.status_code == 410
        assert text in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == status
    assert invitation.decline_reason == ""
    assert not User.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_accepting_twice_through_the_service_raises_and_keeps_the_first_answer(invitation):
    user = UserFactory(email="ada@example.org")
    accept_invitation(invitation=invitation, user=user)

    with pytest.raises(InvitationClosed):
        accept_invitation(invitation=invitation, user=user)
    assert AuditEvent.objects.filter(verb="reviews.invitation_accepted").count() == 1


def test_the_page_speaks_the_experts_language_to_a_visitor_without_a_choice(client, invitation):
    invitation.expert.language = "fr"
    invitation.expert.save()

    response = client.get(url("invitation", invitation))

    assert '<html lang="fr">' in response.content.decode()
