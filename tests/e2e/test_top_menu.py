"""The top menu in French at desktop widths: no item wraps inside its label (« Appels /
à / projets » on three lines), and the bar does not run out of its container (whole items
go to a second row instead) at 1280 px and at 1200 px, where the bar expands (Bootstrap's
xl); just below, it is collapsed behind its button. Checked for programme staff who also
administer the site, with the development mailbox shown: the person with the most items."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories.accounts import StaffFactory

from .conftest import log_in, use_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each item: its height less its vertical padding and borders, and its line height.
MEASURE = """
() => [...document.querySelectorAll('#main-nav .nav-link')].map((el) => {
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const inner = box.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
    - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
  return {label: el.textContent.trim(), inner, line: parseFloat(style.lineHeight),
          right: box.right, visible: box.width > 0};
})
"""
CONTAINER_RIGHT = (
    "() => document.querySelector('nav.navbar > .container').getBoundingClientRect().right"
)


@pytest.mark.parametrize("width", [1280, 1200, 1199])
def test_every_top_menu_item_holds_on_one_line_in_french(page, live_server, settings, width):
    settings.DEV_MAILBOX = True
    StaffFactory(
        email="claire@example.org",
        full_name="Claire Chair-Dubois",
        language="fr",
        is_staff=True,
    )
    use_language(page, live_server, "fr")
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, "claire@example.org")
    page.goto("/")
    toggler = page.get_by_role("button", name="Afficher ou masquer la navigation")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    assert toggler.is_visible() == (width < 1200)
    expect(page.get_by_role("link", name="Appels à projets")).to_be_visible()
    items = page.evaluate(MEASURE)
    assert len(items) >= 9, [item["label"] for item in items]
    for item in items:
        assert item["visible"], item
        assert item["inner"] < 1.5 * item["line"], f"{item['label']!r} wraps: {item}"
    container_right = page.evaluate(CONTAINER_RIGHT)
    assert all(item["right"] <= container_right + 0.5 for item in items), items
