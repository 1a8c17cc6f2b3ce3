import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

import aissai.settings as project_settings
from aissai.accounts.models import User
from aissai.accounts.services import MAIL_COOLDOWN
from aissai.accounts.tokens import make_verification_token
from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import deliver
from tests.factories.accounts import PASSWORD, UnverifiedUserFactory, UserFactory

from .helpers import link_in, messages_of, without_csrf

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and new passphrase"
VERIFY_PREFIX = "/accounts/verify/"


def sign_up(client, email="marie@example.org", follow=False, **overrides):
    data = {
        "full_name": "Marie Curie",
        "email": email,
        "language": "fr",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }
    return client.post(reverse("accounts:signup"), data, follow=follow)


def login(client, email, password=NEW_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_signup_creates_an_unverified_account_and_queues_the_verification_mail(client):
    response = sign_up(client, email="  Marie@Example.org ")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_sent")
    user = User.objects.get()
    assert (user.email, user.full_name, user.language) == ("marie@example.org", "Marie Curie", "fr")
    assert user.email_verified_at is None
    assert user.check_password(NEW_PASSWORD)
    message = OutboxMessage.objects.get()
    assert (message.event, message.to_email, message.language, message.status) == (
        "account_verify",
        "marie@example.org",
        "fr",
        OutboxStatus.PENDING,
    )
    assert message.recipient == user
    assert '<html lang="fr">' in message.body_html  # rendered in the person's language
    assert list(AuditEvent.objects.values_list("verb", flat=True)) == ["accounts.signed_up"]


def test_unverified_account_cannot_log_in_until_the_mail_link_is_followed(client):
    sign_up(client)
    user = User.objects.get()

    refused = login(client, "marie@example.org")
    assert refused.status_code == 200
    assert "not verified yet" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    path = link_in(OutboxMessage.objects.get(event="account_verify"), VERIFY_PREFIX)
    confirm_page = client.get(path)
    assert confirm_page.status_code == 200
    assert b"Confirm my address" in confirm_page.content
    user.refresh_from_db()
    assert user.email_verified_at is None  # a GET (a mail scanner, say) changes nothing

    verified = client.post(path, follow=True)
    assert verified.redirect_chain == [(reverse("accounts:login"), 302)]
    assert messages_of(verified) == ["Your e-mail address is verified. You can log in now."]
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert AuditEvent.objects.filter(verb="accounts.email_verified", actor=user).count() == 1

    assert login(client, "MARIE@example.org").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_verification_link_in_the_delivered_mail_works(client):
    sign_up(client)
    message = OutboxMessage.objects.get()

    deliver(outbox_id=message.pk)

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["Marie Curie <marie@example.org>"]
    assert sent.extra_headers["Message-ID"] == message.message_id
    path = link_in(message, VERIFY_PREFIX)
    assert path in sent.body
    assert client.post(path).status_code == 302
    assert User.objects.get().email_verified_at is not None


def test_verification_link_works_once(client):
    sign_up(client)
    path = link_in(OutboxMessage.objects.get(), VERIFY_PREFIX)
    client.post(path)
    verified_at = User.objects.get().email_verified_at

    again_get = client.get(path)
    again_post = client.post(path)

    assert again_get.status_code == 400
    assert again_post.status_code == 400
    assert b"has already been used" in again_post.content
    assert User.objects.get().email_verified_at == verified_at
    assert AuditEvent.objects.filter(verb="accounts.email_verified").count() == 1


def test_verification_link_expires(client, monkeypatch, settings):
    settings.ACCOUNT_VERIFY_MAX_AGE = 60 * 60 * 24 * 3
    user = UnverifiedUserFactory()
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: 1_000_000_000.0)  # the link was made long ago
        token = make_verification_token(user)

    response = client.post(reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 400
    assert b"has expired" in response.content
    user.refresh_from_db()
    assert user.email_verified_at is None


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: "nope"])
def test_forged_verification_link_is_refused(client, mangle):
    user = UnverifiedUserFactory()
    token = mangle(make_verification_token(user))

    response = client.post(reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_verification_link_of_an_address_that_changed_is_refused(client):
    user = UnverifiedUserFactory(email="old@example.org")
    token = make_verification_token(user)
    User.objects.filter(pk=user.pk).update(email="new@example.org")

    response = client.post(reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).email_verified_at is None


def test_signup_with_a_taken_address_shows_the_same_page_and_mails_the_owner(client):
    owner = UserFactory(email="ada@example.org", full_name="Ada Lovelace", language="fr")
    fresh = sign_up(client, email="newcomer@example.org", follow=True)
    OutboxMessage.objects.all().delete()

    taken = sign_up(client, email="ADA@example.org", full_name="Mallory", follow=True)

    assert taken.redirect_chain == fresh.redirect_chain == [(reverse("accounts:signup_sent"), 302)]
    assert without_csrf(taken.content) == without_csrf(fresh.content)
    assert User.objects.filter(email__iexact="ada@example.org").count() == 1
    owner.refresh_from_db()
    assert owner.full_name == "Ada Lovelace"
    assert owner.check_password(PASSWORD)
    message = OutboxMessage.objects.get()
    assert (message.event, message.to_email, message.language, message.recipient) == (
        "account_exists",
        "ada@example.org",
        "fr",
        owner,
    )
    assert reverse("accounts:password_reset") in message.body_text
    assert VERIFY_PREFIX not in message.body_text
    assert AuditEvent.objects.filter(
        verb="accounts.signup_with_existing_address", target_id=str(owner.pk)
    ).exists()


def test_signup_with_an_unverified_address_mails_a_verification_link_to_its_owner(client):
    owner = UnverifiedUserFactory(email="late@example.org")

    sign_up(client, email="late@example.org")

    message = OutboxMessage.objects.get()
    assert message.event == "account_exists"
    client.post(link_in(message, VERIFY_PREFIX))
    owner.refresh_from_db()
    assert owner.email_verified_at is not None
    assert owner.check_password(PASSWORD)  # the stranger's password was not taken


def test_repeated_signups_for_one_address_send_one_mail_per_cooldown(client):
    UserFactory(email="ada@example.org")

    for _ in range(3):
        sign_up(client, email="ada@example.org")
    assert OutboxMessage.objects.filter(event="account_exists").count() == 1

    OutboxMessage.objects.update(created_at=timezone.now() - MAIL_COOLDOWN - timedelta(seconds=1))
    sign_up(client, email="ada@example.org")
    assert OutboxMessage.objects.filter(event="account_exists").count() == 2


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"password2": "something else entirely"}, "password2", "The two passwords do not match."),
        ({"password1": "short", "password2": "short"}, "password1", "at least 10 characters"),
        ({"password1": "1234567890123", "password2": "1234567890123"}, "password1", "numeric"),
        ({"email": "not-an-address"}, "email", "valid email address"),
        ({"full_name": "   "}, "full_name", "This field is required."),
        ({"language": "de"}, "language", "Select a valid choice."),
    ],
)
def test_signup_with_bad_input_explains_and_creates_nothing(client, overrides, field, error):
    response = sign_up(client, **overrides)

    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].errors[field])
    assert User.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert response.context["form"]["full_name"].value() == overrides.get(
        "full_name", "Marie Curie"
    )


def test_signup_page_redirects_a_logged_in_person_home(client):
    client.force_login(UserFactory())

    assert client.get(reverse("accounts:signup"))["Location"] == reverse("home")


def test_resend_verification_gives_one_answer_and_mails_only_an_unverified_account(client):
    UnverifiedUserFactory(email="waiting@example.org")
    UserFactory(email="done@example.org")
    expected = [
        "If an account with this address is waiting for verification, we have sent it a "
        "new link. Check your inbox, and your spam folder."
    ]

    for email in ["WAITING@example.org", "done@example.org", "nobody@example.org"]:
        response = client.post(
            reverse("accounts:resend_verification"), {"email": email}, follow=True
        )
        assert response.redirect_chain == [(reverse("accounts:login"), 302)]
        assert messages_of(response) == expected

    message = OutboxMessage.objects.get()
    assert (message.event, message.to_email) == ("account_verify", "waiting@example.org")
    assert AuditEvent.objects.filter(verb="accounts.verification_resent").count() == 1


def test_resent_link_verifies_and_a_second_resend_waits_for_the_cooldown(client):
    user = UnverifiedUserFactory(email="waiting@example.org")

    client.post(reverse("accounts:resend_verification"), {"email": user.email})
    client.post(reverse("accounts:resend_verification"), {"email": user.email})

    message = OutboxMessage.objects.get()
    client.post(link_in(message, VERIFY_PREFIX))
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_signup_sent_page_and_forms_are_public(client):
    assert client.get(reverse("accounts:signup")).status_code == 200
    assert client.get(reverse("accounts:signup_sent")).status_code == 200
    assert client.get(reverse("accounts:resend_verification")).status_code == 200


def test_signup_stores_the_password_with_argon2(client, settings):
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # the suite uses a fast one

    sign_up(client)

    assert User.objects.get().password.startswith("argon2$")
