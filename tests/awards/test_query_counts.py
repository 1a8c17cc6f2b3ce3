"""Every awards list page runs the same number of queries for 1 and for 3 items."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from awards.services.events import EventData, answer, create_event, invite_people
from awards.services.reports import OutputData, add_donor_contact, add_milestone, submit_report
from calls.models import FundingSource
from tests.factories.accounts import StaffFactory
from tests.factories.awards import funded_call, recruit

pytestmark = pytest.mark.django_db


def award_with(size: int):
    """``size`` funded projects, recruited ten months ago, each with a late month-9 report
    or a report with an output and a collaboration; ``size`` events with answers."""
    staff = StaffFactory()
    award = funded_call(
        staff=staff, means=[9, 8, 7, 6, 5, 4][: size + 1], sources=(size,), amounts=("1000",)
    )
    source = FundingSource.objects.get(call=award.call)
    month9 = add_milestone(call=award.call, by=staff, name_en="M9", name_fr="M9", month=9)
    add_milestone(call=award.call, by=staff, name_en="End", name_fr="Fin", month=None)
    contact = add_donor_contact(funding_source=source, by=staff, full_name="Dr Donor")
    for letter in "ABC"[:size]:
        fellowship = recruit(
            award.fellowship(letter),
            by=staff,
            start_date=timezone.localdate() - timedelta(days=300),
        )
        submit_report(
            fellowship=fellowship,
            milestone=month9,
            by=staff,
            progress="x",
            donor_contacts=[contact],
            outputs=[OutputData("preprint", "P", doi="10.1000/1")],
        )
    now = timezone.now()
    for number in range(size):
        event = create_event(
            call=award.call,
            by=staff,
            data=EventData(
                title_en=f"Event {number}",
                title_fr=f"Événement {number}",
                starts_at=now + timedelta(days=20),
                answers_until=now + timedelta(days=10),
                place="Paris",
            ),
        )
        for invitation in invite_people(event=event, by=staff):
            answer(invitation=invitation, attends=True)
    return award, source, event


PAGES = {
    "call_reports": lambda award, source, event: reverse(
        "awards:call_reports", args=[award.call.slug]
    ),
    "call_events": lambda award, source, event: reverse(
        "awards:call_events", args=[award.call.slug]
    ),
    "event_attendance": lambda award, source, event: reverse(
        "awards:event_attendance", args=[event.pk]
    ),
    "event": lambda award, source, event: reverse("awards:event", args=[event.pk]),
    "donor_report": lambda award, source, event: reverse(
        "awards:donor_report", args=[award.call.slug, source.pk]
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_awards_list_pages_query_count_does_not_grow(client, name):
    counts = []
    for size in (1, 3):
        award, source, event = award_with(size)
        client.force_login(award.staff)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGES[name](award, source, event))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
