import pytest
from django.core import mail
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import deliver
from tests.factories.accounts import PASSWORD, UnverifiedUserFactory, UserFactory

from .helpers import link_in, messages_of, without_csrf

pytestmark = pytest.mark.django_db

NEW = "a completely new passphrase"
RESET_PREFIX = "/accounts/password/reset/"


def login(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


@pytest.mark.parametrize("name", ["accounts:password_change", "accounts:profile"])
def test_anonymous_is_sent_to_login(client, name):
    url = reverse(name)

    for response in (client.get(url), client.post(url, {"new_password1": NEW})):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_password_change_with_a_wrong_current_password_is_refused(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_saves_keeps_the_session_and_is_audited(client):
    user = UserFactory(email="ada@example.org")
    client.force_login(user)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("accounts:profile"), 302)]
    assert messages_of(response) == ["Your password is changed."]
    assert response.context["user"] == user  # still logged in
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert AuditEvent.objects.filter(verb="accounts.password_changed", actor=user).count() == 1
    client.post(reverse("accounts:logout"))
    assert login(client, "ada@example.org", PASSWORD).status_code == 200
    assert login(client, "ada@example.org", NEW).status_code == 302


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    UserFactory(email="ada@example.org")
    known = client.post(
        reverse("accounts:password_reset"), {"email": "ada@example.org"}, follow=True
    )
    OutboxMessage.objects.all().delete()

    unknown = client.post(
        reverse("accounts:password_reset"), {"email": "ghost@example.org"}, follow=True
    )

    assert (
        unknown.redirect_chain
        == known.redirect_chain
        == [(reverse("accounts:password_reset_sent"), 302)]
    )
    assert without_csrf(unknown.content) == without_csrf(known.content)
    assert b"If an account uses this address" in unknown.content
    assert OutboxMessage.objects.count() == 0


def test_password_reset_mail_goes_through_the_outbox_in_the_person_s_language(client):
    user = UserFactory(email="ada@example.org", full_name="Ada Lovelace", language="fr")

    client.post(reverse("accounts:password_reset"), {"email": "ADA@example.org"})

    message = OutboxMessage.objects.get()
    assert (message.event, message.to_email, message.language, message.recipient) == (
        "password_reset",
        "ada@example.org",
        "fr",
        user,
    )
    assert message.status == OutboxStatus.PENDING
    assert len(mail.outbox) == 0  # nothing bypasses the outbox
    deliver(outbox_id=message.pk)
    assert len(mail.outbox) == 1
    assert link_in(message, RESET_PREFIX) in mail.outbox[0].body


def test_password_reset_link_sets_a_new_password_once(client):
    user = UserFactory(email="ada@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "ada@example.org"})
    link = link_in(OutboxMessage.objects.get(), RESET_PREFIX)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW, "new_password2": NEW}, follow=True)

    assert done.redirect_chain[-1] == (reverse("accounts:password_reset_complete"), 302)
    assert b"You can now log in with your new password." in done.content
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert AuditEvent.objects.filter(verb="accounts.password_reset", actor=user).count() == 1

    reused = client.get(link, follow=True)
    assert reused.context["validlink"] is False
    assert b"has already been used" in reused.content
    assert login(client, "ada@example.org", NEW).status_code == 302


def test_password_reset_verifies_an_unverified_address(client):
    user = UnverifiedUserFactory(email="late@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "late@example.org"})
    link = link_in(OutboxMessage.objects.get(), RESET_PREFIX)

    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW, "new_password2": NEW})

    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert login(client, "late@example.org", NEW).status_code == 302


def test_password_reset_with_a_weak_password_keeps_the_old_one(client):
    user = UserFactory(email="ada@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "ada@example.org"})
    link = link_in(OutboxMessage.objects.get(), RESET_PREFIX)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(set_password_url, {"new_password1": "short", "new_password2": "short"})

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_forged_reset_link_is_refused(client):
    user = UserFactory()
    response = client.get(
        reverse("accounts:password_reset_confirm", args=["MQ", "abc-123"]), follow=True
    )

    assert response.status_code == 200
    assert response.context["validlink"] is False
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_repeated_reset_requests_send_one_mail_per_cooldown(client):
    UserFactory(email="ada@example.org")

    for _ in range(3):
        client.post(reverse("accounts:password_reset"), {"email": "ada@example.org"})

    assert OutboxMessage.objects.filter(event="password_reset").count() == 1
