"""The shortlist's live count, in French, as staff tick and untick: « 1 cochée »,
« 2 cochées », « aucune cochée » (never « 0 cochée(s) »)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from calls.models import CallStatus
from tests.factories.accounts import StaffFactory
from tests.factories.reviews import call_in_review

from .conftest import log_in, use_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ticked_count_reads_right_at_zero_one_and_more(page, live_server):
    scenario = call_in_review(
        status=CallStatus.SELECTION, applications=3, reviewers=3, qualities=[8, 6, 4]
    )
    StaffFactory(email="claire@example.org", language="fr")
    use_language(page, live_server, "fr")
    log_in(page, "claire@example.org")
    page.goto(reverse("reviews:shortlist", args=[scenario.call.slug]) + "?score=mean&target=1")
    count = page.locator("#shortlist-count")
    expect(count).to_have_text("1 cochée")
    boxes = page.locator("input[name=shortlisted]")
    boxes.nth(1).check()
    expect(count).to_have_text("2 cochées")
    boxes.nth(0).uncheck()
    boxes.nth(1).uncheck()
    expect(count).to_have_text("aucune cochée")
