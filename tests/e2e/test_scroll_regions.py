"""A table too wide for the screen is a labelled region the keyboard can reach (axe's
``scrollable-region-focusable``), and stops being a tab stop once it fits again."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories.accounts import StaffFactory
from tests.factories.calls import CallFactory, submitted_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wide_table_is_a_labelled_region_reached_by_tab_at_320_px(page):
    call = CallFactory()
    submitted_application(call=call)
    StaffFactory(email="chair@example.org", full_name="Claire Chair")
    log_in(page, "chair@example.org", expect_name="Claire Chair")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(reverse("calls:staff_applications", args=[call.slug]))

    region = page.locator(".table-responsive").first
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "region")
    label = region.get_attribute("aria-label") or ""
    assert label.strip()
    box = region.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert box[0] > box[1]  # it does scroll sideways

    for _ in range(80):  # Tab until the region has the focus, as a keyboard user would
        page.keyboard.press("Tab")
        if region.evaluate("box => document.activeElement === box"):
            break
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    # The browser may scroll smoothly: wait (bounded) for the region to have moved.
    page.wait_for_function("box => box.scrollLeft > 0", arg=region.element_handle(), timeout=5000)

    page.set_viewport_size({"width": 2400, "height": 800})
    expect(region).not_to_have_attribute("tabindex", "0")
    expect(region).not_to_have_attribute("role", "region")
