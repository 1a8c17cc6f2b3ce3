import pytest
from playwright.sync_api import expect

from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_person_logs_in_with_the_keyboard_and_sees_their_name(page):
    UserFactory(email="ines@example.org", full_name="Inès Moreau")
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill("INES@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Inès Moreau")).to_be_visible()
    expect(page).to_have_title("Research funding calls · AISSAI Calls")
