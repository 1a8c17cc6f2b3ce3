"""``make screenshots``: the key pages of the journeys, drawn by the current code on the
demo data (``load_demo``), saved as PNGs in docs/screenshots/ for the README.

Not part of ``make test``: pytest collects ``test_*.py`` only, and this file runs when it
is named on the command line. Each picture is the visible part of the page in a desktop
window (1440 × 900), in English, under a fixed name.
"""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from aissai.accounts.demo import DEMO_PASSWORD
from calls.models import Application, ApplicationStatus, Call, CallStatus
from reviews.models import Assignment

from .conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = ROOT / "docs" / "screenshots"
WIDTH, HEIGHT = 1440, 900
MAX_BYTES = 300_000

STAFF = "staff@demo.aissai.localhost"
APPLICANT = "applicant@demo.aissai.localhost"
REVIEWER = "robert.keller@ethz.example"


class Camera:
    def __init__(self, chromium, live_server):
        self.context = chromium.new_context(
            base_url=live_server.url,
            viewport={"width": WIDTH, "height": HEIGHT},
            device_scale_factor=1,
            locale="en-GB",
            timezone_id="Europe/Paris",
            reduced_motion="reduce",
        )
        self.context.set_default_timeout(15_000)
        self.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": live_server.url}]
        )
        self.page = self.context.new_page()
        self.taken: list[Path] = []

    def log_in(self, email: str) -> None:
        page = self.page
        page.context.clear_cookies(name=re.compile("session|csrf"))
        page.goto(reverse("accounts:login"))
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.keyboard.press("Enter")
        expect(page.locator("input[type=password]")).to_have_count(0)

    def shoot(self, name: str, start: str = "") -> Path:
        """The visible part of the page, once its fonts, scripts and charts are done;
        ``start``: the element scrolled to the top of the window (a little above it)."""
        page = self.page
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready")
        if start:
            page.locator(start).first.evaluate(
                "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 72)"
            )
        page.mouse.move(0, 0)
        path = OUT / f"{name}.png"
        page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
        self.taken.append(path)
        return path


def test_screenshots(chromium, live_server):
    call_command("load_demo", stdout=io.StringIO())
    OUT.mkdir(parents=True, exist_ok=True)
    open_call = Call.objects.get(status=CallStatus.OPEN)
    past_call = Call.objects.get(status=CallStatus.DECIDED)
    camera = Camera(chromium, live_server)
    page = camera.page

    # The applicant's draft: one unit so far, the panel says what the consortium lacks.
    draft = Application.objects.get(
        call=open_call, coordinator__email=APPLICANT, status=ApplicationStatus.DRAFT
    )
    camera.log_in(APPLICANT)
    page.goto(reverse("calls:application_edit", args=[draft.pk]))
    expect(page.get_by_test_id("eligibility-message")).to_be_visible()
    camera.shoot("applicant-form")

    # The reviewer: declares no conflict, then a review with a draft half written.
    camera.log_in(REVIEWER)
    assignment = Assignment.objects.get(
        application__call=open_call, invitation__expert__user__email=REVIEWER
    )
    page.goto(reverse("reviews:assignment_detail", args=[assignment.application_id]))
    if page.get_by_role("button", name="Send my declaration").count():
        page.get_by_label("I have no conflict of interest with this application").check()
        page.get_by_role("button", name="Send my declaration").click()
    page.get_by_role("link", name="Write the review").click()
    scores = page.locator("input[id^=id_score_]")
    scores.nth(0).fill("4")
    page.locator("textarea[id^=id_comment_]").nth(0).fill(
        "A clear question and a credible plan to answer it with the partners' data."
    )
    scores.nth(1).fill("5")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".messages")).to_contain_text("Your draft is saved.")
    page.locator(".messages .btn-close").click()
    camera.shoot("reviewer-form")

    # Programme staff on last year's call: applications, scoreboard, lists, dashboard.
    camera.log_in(STAFF)
    page.goto(reverse("calls:staff_applications", args=[past_call.slug]))
    camera.shoot("staff-table")
    page.goto(reverse("reviews:scoreboard", args=[past_call.slug]))
    camera.shoot("scoreboard", start="main form")
    page.goto(reverse("reviews:lists_board", args=[past_call.slug]))
    expect(page.locator("#main-list")).to_be_visible()
    camera.shoot("list-board")
    page.goto(reverse("reviews:call_dashboard", args=[past_call.slug]))
    expect(page.locator("canvas").first).to_be_visible()
    camera.shoot("dashboard")
    camera.context.close()

    for path in camera.taken:
        size = path.stat().st_size
        assert size < MAX_BYTES, f"{path.name} is {size} bytes: crop it"
    print("\n".join(f"{p.relative_to(ROOT)}: {p.stat().st_size // 1024} KB" for p in camera.taken))
