"""The panel ranking board in real Chromium under the site's Content Security Policy: a
move with the keyboard alone, and a drag and drop that asks for a reason before saving."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.models import ListEntry, ListMove
from tests.factories.accounts import PASSWORD, StaffFactory
from tests.factories.reviews import shortlisted_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def main_ids(call):
    return list(
        ListEntry.objects.filter(ranked_list__call=call, ranked_list__kind="main")
        .order_by("position")
        .values_list("application_id", flat=True)
    )


def log_in(page):
    StaffFactory(email="chair@example.org")
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill("chair@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_keyboard_only_move_then_drag_and_drop(page):
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5], sources=(2,), complementary_size=2)
    a, b, c, d, e = scenario.applications
    log_in(page)
    page.goto(reverse("reviews:lists_board", args=[scenario.call.slug]))
    expect(page.get_by_role("heading", name="Panel ranking", level=1)).to_be_visible()

    # Keyboard: type the reason, reach the button, press Enter.
    page.get_by_label("Reason for the move").focus()
    page.keyboard.type("Panel consensus on the training plan.")
    page.get_by_role("button", name=f"To the main list · {c.reference}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#main-list")).to_contain_text(c.reference)
    assert main_ids(scenario.call) == [a.pk, c.pk]

    # Drag and drop: E onto the top of the main list; the reason is asked before saving.
    page.locator(f"#entry-{e.pk} .drag-handle").drag_to(page.locator(f"#entry-{a.pk}"))
    expect(page.locator("#order-panel")).to_be_visible()
    expect(page.locator("#order-against")).to_be_visible()
    page.get_by_label("Reason for the move").fill("Dragged by the chair.")
    page.get_by_role("button", name="Save the new order").click()
    expect(page.locator("#main-list li").first).to_contain_text(e.reference)
    assert main_ids(scenario.call)[0] == e.pk
    assert ListMove.objects.get(application=e, kind="moved").reason == "Dragged by the chair."
