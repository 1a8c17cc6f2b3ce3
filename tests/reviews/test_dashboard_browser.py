"""The dashboard in real Chromium: Chart.js (from the npm registry) draws every chart under
the site's Content Security Policy, without a console error, from the JSON data island."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories.accounts import PASSWORD, StaffFactory
from tests.factories.calls import INSTITUTES, institute

from .test_dashboard import populate, scored_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("institutes", "disciplines", "eligibility", "progress", "scores", "success")


def test_every_chart_is_drawn(page):
    # A transactional test before this one may have flushed the migrated institutes.
    for acronym, _fr, _en in INSTITUTES:
        institute(acronym)
    call = scored_call()
    populate(call, 4)
    StaffFactory(email="manager@example.org")
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill("manager@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Calls", exact=True)).to_be_visible()

    page.goto(reverse("reviews:call_dashboard", args=[call.slug]))

    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    for chart in CHARTS:
        page.wait_for_function(
            "id => window.Chart && window.Chart.getChart(document.getElementById(id))",
            arg=f"chart-{chart}",
        )
        box = page.locator(f"#chart-{chart}").bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50, chart
    points = page.evaluate(
        "() => window.Chart.getChart(document.getElementById('chart-institutes'))"
        ".data.datasets[0].data"
    )
    assert points == [0, 0, 0, 4, 4, 0, 0, 0, 0, 0]
    expect(page.locator("#table-institutes")).to_contain_text("INS2I")
