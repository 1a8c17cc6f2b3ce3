"""Money per funding source: committed, released and available, checked against the
fellowships; what is left for the next edition."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from awards.selectors.money import call_money
from awards.services.endings import abandon_fellowship, end_fellowship, record_recruitment_failure
from awards.services.fellowships import start_fellowship
from awards.services.money import set_committed_amount
from reviews.services.decisions import add_funding_source
from tests.factories.accounts import StaffFactory
from tests.factories.awards import funded_call, recruit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


def figures(money):
    return [
        (line.source.name, line.fellowships, line.committed, line.released, line.available)
        for line in money.sources
    ]


def test_money_follows_each_fellowship(staff):
    award = funded_call(staff=staff, means=(9, 8, 7, 6, 5), sources=(3,), complementary_size=1)
    money = call_money(award.call)
    assert figures(money) == [
        ("Industry donation", 3, Decimal("300000.00"), Decimal("0.00"), Decimal("0.00"))
    ]
    # B fails and passes its place to D: B's amount released, D's committed.
    record_recruitment_failure(fellowship=award.fellowship("B"), by=staff, reason="Nobody.")
    # C ends early: the unused share is released.
    start = timezone.localdate() - timedelta(days=50)
    c = recruit(award.fellowship("C"), by=staff, start_date=start)
    start_fellowship(fellowship=c, by=staff)
    c.refresh_from_db()
    end_fellowship(fellowship=c, by=staff, ended_on=start + timedelta(days=49), reason="Left.")
    c.refresh_from_db()
    # A costs less than planned.
    set_committed_amount(
        fellowship=award.fellowship("A"), by=staff, amount=Decimal("80000"), reason="Grid"
    )
    money = call_money(award.call)
    assert figures(money) == [
        (
            "Industry donation",
            3,  # A, C (ended) and D; B abandoned
            Decimal("380000.00"),  # A 80,000 + B 100,000 + C 100,000 + D 100,000
            Decimal("100000.00") + c.released_amount,
            Decimal("300000.00") - Decimal("380000.00") + Decimal("100000.00") + c.released_amount,
        )
    ]
    assert money.left_for_next_edition == figures(money)[0][4]


def test_sources_without_amount_are_left_out_of_what_is_left(staff):
    award = funded_call(staff=staff, means=(9, 8, 7), sources=(2,), amounts=("200000",))
    add_funding_source(call=award.call, by=staff, name="Regional grant", fellowships=1)
    money = call_money(award.call)
    assert figures(money) == [
        ("Industry donation", 2, Decimal("200000.00"), Decimal("0.00"), Decimal("0.00")),
        ("Regional grant", 1, Decimal("0.00"), Decimal("0.00"), None),
    ]
    abandon_fellowship(fellowship=award.fellowship("A"), by=staff, reason="Left.")
    assert call_money(award.call).left_for_next_edition == Decimal("100000.00")
