"""Login throttling (django-axes): a lock per account and address, and a lock per address."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from aissai.notifications.models import OutboxMessage
from tests.factories.accounts import PASSWORD, UserFactory

from .helpers import link_in

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
NEW = "a completely new passphrase"


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    settings.AXES_COOLOFF_TIME = 0.25  # hours


def attempt(client, email, password, ip):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def assert_locked_out(response):
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed log-in attempts" in html
    assert "You can try again in about 15 minutes." in html
    assert reverse("accounts:password_reset") in html


def test_failures_below_the_limit_do_not_lock(client):
    UserFactory(email="ada@example.org")
    for i in range(4):
        assert attempt(client, "ada@example.org", "wrong", f"10.0.0.{i}").status_code == 200

    assert attempt(client, "ada@example.org", PASSWORD, "10.0.0.9").status_code == 302


def test_account_is_locked_for_the_address_that_failed(client):
    UserFactory(email="ada@example.org")
    UserFactory(email="bob@example.org")
    for _ in range(5):
        attempt(client, "ada@example.org", "wrong", "10.0.1.1")

    locked = attempt(client, "ada@example.org", PASSWORD, "10.0.1.1")

    assert_locked_out(locked)
    assert "_auth_user_id" not in client.session
    # Another account logs in from that address: the lock is on the account there.
    assert attempt(client, "bob@example.org", PASSWORD, "10.0.1.1").status_code == 302


def test_failures_from_other_addresses_do_not_lock_the_owner_out(client):
    UserFactory(email="ada@example.org")
    for i in range(5):
        for _ in range(4):
            attempt(client, "ada@example.org", "wrong", f"10.0.1.{i}")

    assert attempt(client, "ada@example.org", PASSWORD, "10.0.1.99").status_code == 302


def test_changing_the_case_of_the_email_does_not_dodge_the_account_lock(client):
    UserFactory(email="ada@example.org")
    spellings = [
        "ada@example.org",
        "ADA@example.org",
        "Ada@Example.org",
        "aDa@EXAMPLE.ORG",
        "ada@example.ORG",
    ]
    for spelling in spellings:
        attempt(client, spelling, "wrong", "10.0.2.1")

    assert_locked_out(attempt(client, "ada@example.org", PASSWORD, "10.0.2.1"))
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"ada@example.org"}


def test_address_is_locked_after_failures_on_many_accounts(client):
    UserFactory(email="bob@example.org")
    for i in range(8):
        attempt(client, f"guess{i}@example.org", "wrong", "10.0.3.1")

    assert_locked_out(attempt(client, "bob@example.org", PASSWORD, "10.0.3.1"))
    assert "_auth_user_id" not in client.session
    # The same account from another address is not locked.
    assert attempt(client, "bob@example.org", PASSWORD, "10.0.3.2").status_code == 302


def test_failures_on_several_accounts_below_the_address_limit_do_not_lock_the_address(client):
    UserFactory(email="bob@example.org")
    for i in range(7):
        attempt(client, f"colleague{i}@example.org", "wrong", "10.0.3.5")

    assert attempt(client, "bob@example.org", PASSWORD, "10.0.3.5").status_code == 302


def test_success_before_the_limit_resets_the_count(client):
    UserFactory(email="ada@example.org")
    for _ in range(4):
        attempt(client, "ada@example.org", "wrong", "10.0.4.1")
    assert attempt(client, "ada@example.org", PASSWORD, "10.0.4.1").status_code == 302
    client.post(reverse("accounts:logout"))

    for _ in range(4):
        attempt(client, "ada@example.org", "wrong", "10.0.4.1")
    assert attempt(client, "ada@example.org", PASSWORD, "10.0.4.1").status_code == 302


def test_password_reset_lifts_the_account_lock(client):
    UserFactory(email="ada@example.org")
    for _ in range(5):
        attempt(client, "ada@example.org", "wrong", "10.0.5.1")
    assert attempt(client, "ada@example.org", PASSWORD, "10.0.5.1").status_code == 429

    client.post(reverse("accounts:password_reset"), {"email": "ada@example.org"})
    link = link_in(OutboxMessage.objects.get(), "/accounts/password/reset/")
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW, "new_password2": NEW})

    assert attempt(client, "ada@example.org", NEW, "10.0.5.1").status_code == 302
