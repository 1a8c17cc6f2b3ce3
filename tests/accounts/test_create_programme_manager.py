"""``manage.py create_programme_manager``: one command gives the first programme manager,
who reaches both the admin and the staff pages."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from aissai.accounts.models import User
from aissai.audit.models import AuditEvent
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"


def run(*args, password: str | None = None, monkeypatch=None) -> str:
    if password is not None:
        monkeypatch.setenv("AISSAI_MANAGER_PASSWORD", password)
    out = io.StringIO()
    call_command("create_programme_manager", *args, stdout=out)
    return out.getvalue()


def test_create_programme_manager_gives_an_account_that_reaches_admin_and_staff_pages(
    client, monkeypatch
):
    output = run(
        "--email=Ada@Example.org",
        "--full-name=Ada Lovelace",
        "--no-input",
        password=NEW_PASSWORD,
        monkeypatch=monkeypatch,
    )

    user = User.objects.get()
    assert (user.email, user.full_name) == ("ada@example.org", "Ada Lovelace")
    assert (user.is_superuser, user.is_staff, user.is_programme_staff) == (True, True, True)
    assert user.email_verified_at is not None
    assert "ada@example.org is a programme manager" in output
    assert AuditEvent.objects.filter(verb="accounts.programme_manager_created").count() == 1
    login = client.post(
        reverse("accounts:login"), {"username": "ada@example.org", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert client.get(reverse("calls:manage_call_list")).status_code == 200
    assert client.get(reverse("calls:staff_index")).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_create_programme_manager_promotes_an_existing_account_and_keeps_its_password(
    client, monkeypatch
):
    monkeypatch.delenv("AISSAI_MANAGER_PASSWORD", raising=False)
    person = UserFactory(email="grace@example.org")

    run("--email=grace@example.org", "--no-input")

    person.refresh_from_db()
    assert (person.is_superuser, person.is_programme_staff) == (True, True)
    login = client.post(
        reverse("accounts:login"), {"username": "grace@example.org", "password": PASSWORD}
    )
    assert login.status_code == 302
    assert AuditEvent.objects.filter(verb="accounts.programme_manager_granted").count() == 1


def test_create_programme_manager_refuses_a_weak_password_and_creates_nothing(monkeypatch):
    with pytest.raises(CommandError, match="too common|too short"):
        run(
            "--email=ada@example.org",
            "--full-name=Ada Lovelace",
            "--no-input",
            password="password",
            monkeypatch=monkeypatch,
        )

    assert not User.objects.exists()


def test_create_programme_manager_without_a_password_for_a_new_account_stops(monkeypatch):
    monkeypatch.delenv("AISSAI_MANAGER_PASSWORD", raising=False)

    with pytest.raises(CommandError, match="AISSAI_MANAGER_PASSWORD"):
        run("--email=ada@example.org", "--full-name=Ada Lovelace", "--no-input")

    assert not User.objects.exists()
