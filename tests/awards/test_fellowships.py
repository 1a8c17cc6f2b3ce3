"""Fellowships: a funded decision opens one, the coordinator records the recruit, staff
start, suspend, end or abandon it; a failed recruitment passes the place on. Every change
goes through one funnel and leaves an audit event."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import RestrictedError
from django.utils import timezone, translation

from aissai.accounts.models import User
from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from aissai.notifications.services import build_email
from awards.models import Fellowship, FellowshipState
from awards.services.endings import abandon_fellowship, end_fellowship, record_recruitment_failure
from awards.services.errors import AwardError
from awards.services.fellowships import (
    Recruit,
    add_suspension,
    open_missing_fellowships,
    record_recruitment,
    start_fellowship,
)
from awards.services.money import set_committed_amount
from calls.models import ApplicationStatus
from reviews.models import FundingDecision, FundingOutcome
from reviews.services.decisions import close_complementary_list, record_decline
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.awards import funded_call, recruit
from tests.factories.calls import UnitFactory, submitted_application
from tests.factories.reviews import FundingDecisionFactory

pytestmark = pytest.mark.django_db
F = FellowshipState


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def award(staff):
    return funded_call(staff=staff)


def events(fellowship, verb):
    return list(
        AuditEvent.objects.filter(target_id=str(fellowship.pk), verb=verb).values_list(
            "data", flat=True
        )
    )


def test_funded_decisions_open_one_recruiting_fellowship_each(award):
    fellowships = Fellowship.objects.filter(application__call=award.call).order_by(
        "application__reference"
    )
    assert [(f.application, f.state) for f in fellowships] == [
        (award.app(letter), F.RECRUITING) for letter in "ABC"
    ]
    first = fellowships[0]
    assert first.funding_source.name == "Industry donation"
    assert first.committed_amount == Decimal("100000.00")  # 300,000 € for 3 fellowships
    assert first.planned_months == award.call.fellowship_months
    assert first.decision == FundingDecision.objects.get(
        application=award.app("A"), is_current=True
    )
    assert events(first, "fellowship.opened")[0]["committed_amount"] == "100000.00"


def test_opening_missing_fellowships_is_idempotent(award):
    Fellowship.objects.filter(application=award.app("A")).delete()
    opened = open_missing_fellowships(call=award.call, by=award.staff)
    assert [f.application for f in opened] == [award.app("A")]
    assert open_missing_fellowships(call=award.call, by=award.staff) == []


def test_source_without_amount_commits_nothing(staff):
    award = funded_call(staff=staff, amounts=(None,))
    assert award.fellowship("A").committed_amount is None


def test_coordinator_records_recruit_invites_fellow_and_sets_end_date(award):
    fellowship = award.fellowship("A")
    coordinator = award.app("A").coordinator
    recruit(
        fellowship, by=coordinator, email="Ada.Fellow@Lab.example.fr", start_date=date(2026, 1, 15)
    )
    fellowship.refresh_from_db()
    assert fellowship.state == F.RECRUITED
    assert fellowship.end_date == date(2027, 7, 14)  # 18 months from 15 January 2026
    fellow = User.objects.get(email="ada.fellow@lab.example.fr")
    assert fellowship.fellow == fellow and not fellow.has_usable_password()
    mail = OutboxMessage.objects.get(event="award_fellow_invitation")
    assert mail.to_email == "ada.fellow@lab.example.fr"
    assert "/accounts/password/reset/" not in mail.body_text  # made at delivery only
    assert "/accounts/password/reset/" in build_email(mail).body
    assert events(fellowship, "fellowship.recruited")[0]["role"] == "coordinator"


def test_recruit_with_existing_account_gets_login_link(award):
    existing = UserFactory(email="known@lab.example.fr")
    fellowship = recruit(award.fellowship("A"), by=award.staff, email="known@lab.example.fr")
    assert fellowship.fellow == existing
    mail = OutboxMessage.objects.get(event="award_fellow_invitation")
    assert "/accounts/login/" in build_email(mail).body


def test_correcting_recruit_keeps_state_and_invites_only_a_new_address(award):
    fellowship = recruit(award.fellowship("A"), by=award.staff, email="one@lab.example.fr")
    recruit(fellowship, by=award.staff, email="one@lab.example.fr", start_date=date(2026, 2, 1))
    assert OutboxMessage.objects.filter(event="award_fellow_invitation").count() == 1
    fellowship.refresh_from_db()
    assert (fellowship.state, fellowship.start_date) == (F.RECRUITED, date(2026, 2, 1))
    assert len(events(fellowship, "fellowship.recruitment_updated")) == 1


def test_hosting_unit_outside_the_project_is_refused(award):
    fellowship = award.fellowship("A")
    stranger = UnitFactory()
    with pytest.raises(AwardError, match="one of the project"):
        record_recruitment(
            fellowship=fellowship,
            by=award.staff,
            recruit=Recruit("Ada", "ada@x.fr", date(2025, 1, 1), stranger, date(2026, 1, 1)),
        )
    assert Fellowship.objects.get(pk=fellowship.pk).state == F.RECRUITING


def test_someone_else_cannot_record_the_recruit(award):
    with pytest.raises(AwardError):
        recruit(award.fellowship("A"), by=award.app("B").coordinator)
    assert award.fellowship("A").state == F.RECRUITING


def test_phd_after_start_is_refused(award):
    with pytest.raises(AwardError, match="PhD"):
        recruit(award.fellowship("A"), by=award.staff, phd_date=date(2026, 3, 1))


def test_start_running_only_from_start_date(award):
    today = timezone.localdate()
    later = recruit(award.fellowship("A"), by=award.staff, start_date=today + timedelta(days=3))
    with pytest.raises(AwardError, match="start date"):
        start_fellowship(fellowship=later, by=award.staff)
    now = recruit(award.fellowship("B"), by=award.staff, start_date=today)
    assert start_fellowship(fellowship=now, by=award.app("B").coordinator).state == F.RUNNING


def test_table_refuses_ending_a_fellowship_not_running(award):
    fellowship = award.fellowship("A")
    with pytest.raises(AwardError, match="cannot become"):
        end_fellowship(fellowship=fellowship, by=award.staff, ended_on=date(2026, 1, 1))


def test_suspension_extends_end_date_by_its_days(award):
    fellowship = recruit(award.fellowship("A"), by=award.staff, start_date=date(2026, 1, 15))
    add_suspension(
        fellowship=fellowship,
        by=award.staff,
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 6, 30),
        reason="Parental leave",
    )
    fellowship.refresh_from_db()
    assert fellowship.end_date == date(2027, 7, 14) + timedelta(days=30)
    data = events(fellowship, "fellowship.suspended")[0]
    assert (data["end_date_before"], data["end_date"]) == ("2027-07-14", "2027-08-13")
    with pytest.raises(AwardError, match="overlaps"):
        add_suspension(
            fellowship=fellowship,
            by=award.staff,
            starts_on=date(2026, 6, 30),
            ends_on=date(2026, 7, 5),
            reason="Illness",
        )


def test_ending_early_releases_the_unused_share(award):
    start = timezone.localdate() - timedelta(days=100)
    fellowship = recruit(award.fellowship("A"), by=award.staff, start_date=start)
    start_fellowship(fellowship=fellowship, by=award.staff)
    fellowship.refresh_from_db()
    total = (fellowship.end_date - start).days + 1
    ended_on = fellowship.end_date - timedelta(days=total // 2)
    with pytest.raises(AwardError, match="reason"):
        end_fellowship(fellowship=fellowship, by=award.staff, ended_on=ended_on)
    end_fellowship(fellowship=fellowship, by=award.staff, ended_on=ended_on, reason="Job offer")
    fellowship.refresh_from_db()
    expected = (Decimal("100000") * (total // 2) / total).quantize(Decimal("0.01"))
    assert (fellowship.state, fellowship.released_amount) == (F.ENDED, expected)


def test_abandoning_releases_the_whole_amount(award):
    fellowship = abandon_fellowship(
        fellowship=award.fellowship("A"), by=award.staff, reason="The fellow left."
    )
    assert (fellowship.state, fellowship.released_amount) == (F.ABANDONED, Decimal("100000.00"))
    assert events(fellowship, "fellowship.abandoned")[0]["reason"] == "The fellow left."


def test_committed_amount_change_needs_staff_and_reason(award):
    fellowship = award.fellowship("A")
    with pytest.raises(AwardError):
        set_committed_amount(
            fellowship=fellowship, by=award.app("A").coordinator, amount=Decimal(1), reason="x"
        )
    with pytest.raises(AwardError, match="reason"):
        set_committed_amount(fellowship=fellowship, by=award.staff, amount=Decimal(1), reason="")
    set_committed_amount(
        fellowship=fellowship, by=award.staff, amount=Decimal("95000"), reason="Lower salary grid"
    )
    fellowship.refresh_from_db()
    assert fellowship.committed_amount == Decimal("95000.00")
    assert events(fellowship, "fellowship.amount_changed") == [
        {"from": "100000.00", "to": "95000.00", "reason": "Lower salary grid"}
    ]


def test_failed_recruitment_passes_the_place_to_the_complementary_list(award):
    fellowship = award.fellowship("B")
    result = record_recruitment_failure(
        fellowship=fellowship, by=award.staff, reason="No suitable candidate."
    )
    assert result.promoted == [award.app("D")]
    fellowship.refresh_from_db()
    assert fellowship.state == F.ABANDONED
    assert award.app("B").status == ApplicationStatus.DECLINED
    assert award.app("D").status == ApplicationStatus.FUNDED
    promoted = award.fellowship("D")
    assert (promoted.state, promoted.funding_source) == (F.RECRUITING, fellowship.funding_source)
    assert events(fellowship, "fellowship.recruitment_failed")[0]["promoted"] == [award.app("D").pk]


def test_failed_recruitment_after_the_list_closed_frees_the_source(award):
    close_complementary_list(call=award.call, by=award.staff)
    result = record_recruitment_failure(
        fellowship=award.fellowship("B"), by=award.staff, reason="No suitable candidate."
    )
    assert result.promoted == []
    assert award.app("D").status == ApplicationStatus.NOT_FUNDED
    assert not Fellowship.objects.filter(application=award.app("D")).exists()


def test_a_decline_abandons_the_fellowship_being_recruited(award):
    record_decline(application=award.app("C"), by=award.staff, reason="The team moved abroad.")
    abandoned = Fellowship.objects.get(application=award.app("C"))
    assert (abandoned.state, abandoned.abandon_reason) == (F.ABANDONED, "The team moved abroad.")
    assert (
        FundingDecision.objects.get(application=award.app("D"), is_current=True).outcome
        == FundingOutcome.FUNDED
    )
    assert award.fellowship("D").state == F.RECRUITING


def test_deleting_a_project_deletes_its_fellowship_but_a_decision_alone_cannot_go():
    application = submitted_application()
    FundingDecisionFactory(application=application)
    fellowship = Fellowship.objects.get(application=application)
    with pytest.raises(RestrictedError):
        fellowship.decision.delete()
    application.delete()
    assert not Fellowship.objects.filter(pk=fellowship.pk).exists()
