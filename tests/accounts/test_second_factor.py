"""The second factor: codes from an authenticator app (TOTP) and recovery codes, required
of programme staff and admins when AISSAI_REQUIRE_SECOND_FACTOR is on."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aissai.accounts import second_factor
from aissai.audit.models import AuditEvent
from tests.accounts.test_accessible_forms import (
    assert_errors_tied_to_fields,
    assert_every_field_labelled,
)
from tests.factories.accounts import PASSWORD, StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")
REAUTH = reverse("accounts:reauth")


@pytest.fixture(autouse=True)
def _required(settings):
    settings.AISSAI_REQUIRE_SECOND_FACTOR = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the delay after a failure is not under test


def log_in(client, email, next_url="/"):
    return client.post(f"{LOGIN}?next={next_url}", {"username": email, "password": PASSWORD})


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows now (or ``steps_ahead`` periods of 30 seconds later)."""
    t0 = device.t0 - steps_ahead * device.step
    return f"{totp(device.bin_key, step=device.step, t0=t0, digits=device.digits):06d}"


def with_app(user) -> TOTPDevice:
    """The person set up an app earlier, with recovery codes."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    StaticToken.objects.create(device=recovery, token="abcd2345")
    return device


def setup_key_in(client) -> str:
    return client.session[second_factor.SETUP_KEY]


def test_staff_without_an_app_is_sent_to_set_one_up_after_the_password(client):
    StaffFactory(email="pm@example.org")

    response = log_in(client, "pm@example.org", "/calls/")

    assert response["Location"] == "/calls/"
    assert client.get("/calls/")["Location"] == f"{SETUP}?next=%2Fcalls%2F"
    page = client.get(f"{SETUP}?next=%2Fcalls%2F")
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<svg [^>]*class="two-factor-qr"', html)
    assert "<title>QR code for your app</title>" in html
    assert re.search(r'<code class="two-factor-key">([A-Z2-7]{4} ?){8}</code>', html)
    assert 'for="id_code"' in html
    assert not TOTPDevice.objects.exists()


def test_setup_with_the_first_code_saves_the_app_and_shows_recovery_codes_once(client):
    user = StaffFactory(email="pm@example.org")
    log_in(client, "pm@example.org")
    client.get(SETUP)
    device = second_factor.unsaved_device(user, setup_key_in(client))

    response = client.post(SETUP, {"code": code_for(device), "next": "/calls/"})

    html = response.content.decode()
    assert response.status_code == 200
    saved = TOTPDevice.objects.get(user=user)
    assert saved.confirmed and saved.key == device.key
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in html for code in codes)
    assert (
        AuditEvent.objects.filter(
            verb="accounts.second_factor_set_up", target_id=str(user.pk)
        ).count()
        == 1
    )
    assert client.get("/calls/").status_code == 200
    # Shown once: the setup page does not show them, nor a new key, again.
    again = client.get(SETUP).content.decode()
    assert "two-factor-active" in again
    assert not any(code in again for code in codes)


def test_setup_refuses_a_wrong_code(client):
    user = StaffFactory(email="pm@example.org")
    log_in(client, "pm@example.org")
    client.get(SETUP)

    response = client.post(SETUP, {"code": "000000"})

    assert response.status_code == 200
    assert "This code is not right." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.get("/calls/")["Location"].startswith(SETUP)


def test_login_with_an_app_asks_for_a_code_then_goes_on(client):
    user = StaffFactory(email="pm@example.org")
    device = with_app(user)

    log_in(client, "pm@example.org", "/calls/")

    assert client.get("/calls/")["Location"] == f"{VERIFY}?next=%2Fcalls%2F"
    response = client.post(VERIFY, {"code": code_for(device), "next": "/calls/"})
    assert response.status_code == 302 and response["Location"] == "/calls/"
    assert client.get("/calls/").status_code == 200


def test_a_wrong_code_is_refused(client):
    user = StaffFactory(email="pm@example.org")
    with_app(user)
    log_in(client, "pm@example.org")

    response = client.post(VERIFY, {"code": "123456"})

    assert response.status_code == 200
    assert "This code is not right, or was already used." in response.content.decode()
    assert client.get("/calls/")["Location"].startswith(VERIFY)


def test_a_code_is_accepted_only_once(client):
    user = StaffFactory(email="pm@example.org")
    device = with_app(user)
    code = code_for(device)
    log_in(client, "pm@example.org")
    assert client.post(VERIFY, {"code": code})["Location"] == "/"

    other = client.__class__()
    log_in(other, "pm@example.org")
    response = other.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert "This code is not right, or was already used." in response.content.decode()


def test_a_recovery_code_works_once(client):
    user = StaffFactory(email="pm@example.org")
    with_app(user)
    log_in(client, "pm@example.org")

    assert client.post(VERIFY, {"code": "ABCD 2345"})["Location"] == "/"
    assert client.get("/calls/").status_code == 200
    event = AuditEvent.objects.get(verb="accounts.recovery_code_used")
    assert event.data == {"codes_left": 0}

    other = client.__class__()
    log_in(other, "pm@example.org")
    assert other.post(VERIFY, {"code": "abcd2345"}).status_code == 200
    assert other.get("/calls/")["Location"].startswith(VERIFY)


def test_the_admin_site_needs_the_code_too(client):
    admin = SuperuserFactory(email="root@example.org")
    with_app(admin)
    client.post(reverse("admin:login"), {"username": "root@example.org", "password": PASSWORD})

    assert client.get(reverse("admin:index"))["Location"].startswith(VERIFY)


def test_a_superuser_without_an_app_must_set_one_up_before_the_admin(client):
    SuperuserFactory(email="root@example.org")
    client.post(reverse("admin:login"), {"username": "root@example.org", "password": PASSWORD})

    assert client.get(reverse("admin:index"))["Location"].startswith(SETUP)


def test_an_applicant_is_not_required_to_but_may_set_one_up(client):
    user = UserFactory(email="ada@example.org")
    log_in(client, "ada@example.org")
    assert client.get("/calls/").status_code == 200

    client.get(SETUP)
    device = second_factor.unsaved_device(user, setup_key_in(client))
    client.post(SETUP, {"code": code_for(device)})
    client.post(reverse("accounts:logout"))
    log_in(client, "ada@example.org")

    assert client.get("/calls/")["Location"].startswith(VERIFY)


def test_nothing_is_required_when_the_setting_is_off(client, settings):
    settings.AISSAI_REQUIRE_SECOND_FACTOR = False
    StaffFactory(email="pm@example.org")
    log_in(client, "pm@example.org")

    assert client.get("/calls/").status_code == 200


def test_demo_accounts_skip_it_in_the_embedded_mode(settings):
    settings.PRODUCTION = False
    demo_staff = StaffFactory(email="staff@demo.aissai.localhost", is_staff=True)

    assert not second_factor.requires_second_factor(demo_staff)
    settings.PRODUCTION = True
    assert second_factor.requires_second_factor(demo_staff)


def test_reauthentication_asks_for_the_code_too(client, stale_login):
    user = StaffFactory(email="pm@example.org")
    device = with_app(user)
    log_in(client, "pm@example.org")
    client.post(VERIFY, {"code": code_for(device)})
    stale_login(client)

    page = client.get(f"{REAUTH}?next=/accounts/my-data/")
    without_code = client.post(REAUTH, {"password": PASSWORD, "next": "/accounts/my-data/"})
    # The code of this period was used at login: the app's next one (within the tolerance).
    later = code_for(device, steps_ahead=1)
    with_code = client.post(
        REAUTH, {"password": PASSWORD, "code": later, "next": "/accounts/my-data/"}
    )

    assert 'name="code"' in page.content.decode()
    assert without_code.status_code == 200
    assert "This field is required." in without_code.content.decode()
    assert with_code.status_code == 302 and with_code["Location"] == "/accounts/my-data/"
    assert client.get("/accounts/my-data/").status_code == 200


def test_reauthentication_refuses_a_wrong_code(client, stale_login):
    user = StaffFactory(email="pm@example.org")
    device = with_app(user)
    log_in(client, "pm@example.org")
    client.post(VERIFY, {"code": code_for(device)})
    stale_login(client)

    response = client.post(REAUTH, {"password": PASSWORD, "code": "000000", "next": "/"})

    assert response.status_code == 200
    assert "This code is not right, or was already used." in response.content.decode()


def test_an_administrator_resets_a_lost_app_and_it_is_audited(client):
    admin = SuperuserFactory(email="root@example.org")
    admin_device = with_app(admin)
    person = StaffFactory(email="pm@example.org")
    with_app(person)
    client.post(reverse("admin:login"), {"username": "root@example.org", "password": PASSWORD})
    client.post(VERIFY, {"code": code_for(admin_device)})

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factors", "_selected_action": [person.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticDevice.objects.filter(user=person).exists()
    assert TOTPDevice.objects.filter(user=admin).exists()
    event = AuditEvent.objects.get(verb="accounts.second_factor_reset")
    assert (event.actor_id, event.target_id) == (admin.pk, str(person.pk))
    other = client.__class__()
    log_in(other, "pm@example.org")
    assert other.get("/calls/")["Location"].startswith(SETUP)


def test_programme_staff_cannot_reset_anybody(client):
    staff = StaffFactory(email="pm@example.org", is_staff=True)
    device = with_app(staff)
    person = UserFactory()
    with_app(person)
    log_in(client, "pm@example.org")
    client.post(VERIFY, {"code": code_for(device)})

    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factors", "_selected_action": [person.pk]},
    )

    assert TOTPDevice.objects.filter(user=person).exists()
    assert not AuditEvent.objects.filter(verb="accounts.second_factor_reset").exists()


def test_second_factor_forms_label_every_field_and_tie_errors(client):
    user = StaffFactory(email="pm@example.org")
    log_in(client, "pm@example.org")
    # The code field and the footer's language switcher.
    assert assert_every_field_labelled(client.get(SETUP).content) == 2
    refused = client.post(SETUP, {"code": "000000"})
    assert_errors_tied_to_fields(refused.content, ["code"])

    with_app(user)
    client.post(reverse("accounts:logout"))
    log_in(client, "pm@example.org")
    assert assert_every_field_labelled(client.get(VERIFY).content) == 2
    assert_errors_tied_to_fields(client.post(VERIFY, {"code": "1"}).content, ["code"])


def test_second_factor_pages_are_in_french(client):
    user = StaffFactory(email="pm@example.org", language="fr")
    log_in(client, "pm@example.org")
    setup = client.get(SETUP, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Configurer un second facteur" in setup
    assert "<title>Code QR pour votre application</title>" in setup

    with_app(user)
    client.post(reverse("accounts:logout"))
    log_in(client, "pm@example.org")
    verify = client.get(VERIFY, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Code de votre application" in verify
