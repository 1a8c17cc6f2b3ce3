"""The demo continues the past edition after the decision: 7 of the 8 funded projects
recruit, 1 fails and passes its place on, the kick-off gathers answers, the month-9
reports are in with one late, and the donor's report lists all of it."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from aissai.accounts.models import User
from awards.models import Answer, Event, Fellowship, FellowshipState, Output, Report
from awards.selectors.donor import donor_report
from awards.selectors.reports import late_reports
from calls.models import Call, CallStatus, FundingSource

pytestmark = pytest.mark.django_db
F = FellowshipState


@pytest.fixture
def past():
    call_command("load_demo", stdout=io.StringIO())
    return Call.objects.get(status=CallStatus.DECIDED)


def test_seven_recruit_one_fails_and_passes_its_place_on(past):
    states = sorted(
        Fellowship.objects.filter(application__call=past).values_list("state", flat=True)
    )
    assert states == sorted([F.RUNNING] * 7 + [F.ABANDONED, F.RECRUITING])
    abandoned = Fellowship.objects.get(application__call=past, state=F.ABANDONED)
    assert "No candidate" in abandoned.abandon_reason
    promoted = Fellowship.objects.get(application__call=past, state=F.RECRUITING)
    assert promoted.decision.promoted


def test_month_9_reports_with_one_late(past):
    assert Report.objects.filter(fellowship__application__call=past).count() == 6
    (late,) = late_reports(past)
    assert late.milestone.month == 9
    assert Output.objects.filter(report__fellowship__application__call=past).count() == 9


def test_kick_off_gathers_answers(past):
    event = Event.objects.get(call=past)
    answers = list(event.invitations.values_list("answer", flat=True))
    assert len(answers) >= 15  # 7 fellows, 8 coordinators, the correspondents
    assert answers.count(Answer.YES) > answers.count(Answer.NO) > 0
    assert Answer.PENDING in answers


def test_donors_report_lists_it_all(client, past):
    for source in FundingSource.objects.filter(call=past):
        report = donor_report(source)
        fellowships = Fellowship.objects.filter(funding_source=source)
        assert [line.fellowship for line in report.projects] == list(
            fellowships.order_by("application__reference", "pk")
        )
        assert report.recruited == fellowships.exclude(fellow_name="").count()
        assert report.money.committed == sum(f.committed_amount for f in fellowships)
        assert report.money.released == sum(f.released_amount for f in fellowships)
    donation = FundingSource.objects.get(call=past, name="Industry donation")
    assert len(donor_report(donation).collaborations) == 2
    client.force_login(User.objects.get(email="staff@demo.aissai.localhost"))
    url = reverse("awards:donor_report", args=[past.slug, donation.pk])
    assert client.get(url).content.decode().count('data-testid="donor-project-row"') == (
        Fellowship.objects.filter(funding_source=donation).count()
    )
