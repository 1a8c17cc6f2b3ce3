"""Programme staff set up an authenticator app at their first login (QR code and key),
keep their recovery codes, and log in with a code the next time; each page is audited."""

from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.e2e.conftest import log_out
from tests.factories.accounts import PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_login(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")


def code_from_the_app(readable_key: str) -> str:
    key = readable_key.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{totp(b32decode(key)):06d}"


def test_staff_set_up_an_app_then_log_in_with_a_recovery_code(page, audit, settings):
    settings.AISSAI_REQUIRE_SECOND_FACTOR = True
    StaffFactory(email="paula@example.org", full_name="Paula Martin")

    password_login(page, "paula@example.org")
    expect(page.get_by_role("heading", name="Set up a second factor")).to_be_visible()
    expect(page.locator("svg.two-factor-qr")).to_be_visible()
    audit.check(page)
    code = code_from_the_app(page.locator("code.two-factor-key").inner_text())
    page.get_by_label("The six-digit code your app shows").fill(code)
    page.get_by_role("button", name="Check the code").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept my codes, continue").click()
    expect(page.get_by_role("link", name="Paula Martin")).to_be_visible()

    log_out(page)
    password_login(page, "paula@example.org")
    expect(page.get_by_role("heading", name="Code from your app")).to_be_visible()
    audit.check(page)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Paula Martin")).to_be_visible()

    audit.assert_clean()
