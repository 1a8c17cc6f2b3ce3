"""The deadline in the reader's own time zone, written as the Paris time above it is."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories.calls import CallFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("language", "local"),
    [
        ("fr", "Dans votre fuseau horaire (America/New_York)\xa0: 15 janvier {year} à 6\xa0h"),
        ("en", "In your time zone (America/New_York): 15 January {year}, 06:00"),
    ],
)
def test_the_local_deadline_reads_like_the_paris_one(chromium, live_server, language, local):
    year = timezone.now().year + 1
    deadline = datetime(year, 1, 15, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
    call = CallFactory(closes_at=deadline, review_deadline=deadline + timedelta(days=60))
    context = chromium.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="America/New_York"
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(reverse("calls:call_detail", args=[call.slug]))
    expected = local.format(year=year)
    lines = page.locator(".local-time")
    expect(lines.first).to_be_visible()
    assert expected in lines.all_inner_texts(), lines.all_inner_texts()
    context.close()
