"""Counts read right at zero and one, in both languages: the shortlist's ticked count and
its "only n reviews" badge, the proposal's reviewer loads, the messages after an action."""

import re

import pytest
from django.urls import reverse

from calls.models import ApplicationStatus, CallStatus
from tests.factories.accounts import StaffFactory
from tests.factories.calls import submitted_application
from tests.factories.reviews import call_in_review

pytestmark = pytest.mark.django_db


def page(client, url, language):
    client.cookies["django_language"] = language
    return client.get(url).content.decode()


def count_span(html):
    return re.search(r'<span id="shortlist-count"([^>]*)>([^<]*)</span>', html).groups()


@pytest.mark.parametrize(
    ("language", "none", "one", "many", "unreviewed"),
    [
        ("fr", "aucune cochée", "{n} cochée", "{n} cochées", "aucune évaluation pour l’instant"),
        ("en", "none ticked", "{n} ticked", "{n} ticked", "no review yet"),
    ],
)
def test_shortlist_counts_read_right_at_zero_and_one(client, language, none, one, many, unreviewed):
    scenario = call_in_review(
        status=CallStatus.SELECTION, applications=3, reviewers=3, qualities=[8, 6, 4]
    )
    submitted_application(call=scenario.call, status=ApplicationStatus.IN_REVIEW, documents=False)
    client.force_login(StaffFactory())
    url = reverse("reviews:shortlist", args=[scenario.call.slug]) + "?score=mean&target=1"
    html = page(client, url, language)
    attributes, shown = count_span(html)
    assert shown == one.format(n=1)
    assert f'data-none="{none}"' in attributes
    assert f'data-one="{one}"' in attributes and f'data-many="{many}"' in attributes
    assert unreviewed in html
    assert "only 0" not in html and "seulement 0" not in html
