"""Awards: a call whose lists are fixed, so that its funded projects have fellowships."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from awards.models import Fellowship
from awards.services.dates import planned_end
from awards.services.fellowships import Recruit, hosting_units, record_recruitment
from calls.models import FundingSource
from tests.factories.accounts import UserFactory
from tests.factories.reviews import (
    FundingDecisionFactory,
    ReviewScenario,
    fix_as_shown,
    shortlisted_call,
)


@dataclass
class AwardScenario:
    scenario: ReviewScenario
    staff: object

    @property
    def call(self):
        return self.scenario.call

    def app(self, letter: str):
        application = self.scenario.applications["ABCDEFGHIJ".index(letter)]
        application.refresh_from_db()
        return application

    def fellowship(self, letter: str) -> Fellowship:
        return Fellowship.objects.exclude(state="abandoned").get(application=self.app(letter))


def funded_call(
    *,
    staff,
    means: Sequence[int] = (9, 8, 7, 6, 5),
    sources: Sequence[int] = (3,),
    amounts: Sequence[str | None] = ("300000",),
    complementary_size: int = 1,
) -> AwardScenario:
    """Applications A, B, C… with decreasing means; the first ``sum(sources)`` funded by
    the sources (with ``amounts`` in euros), the next ``complementary_size`` waiting on the
    complementary list. Each funded project has a fellowship, recruiting."""
    scenario = shortlisted_call(means=means, sources=sources, complementary_size=complementary_size)
    for source, amount in zip(
        FundingSource.objects.filter(call=scenario.call).order_by("created_at", "pk"),
        amounts,
        strict=False,
    ):
        source.amount = Decimal(amount) if amount is not None else None
        source.save(update_fields=["amount"])
    fix_as_shown(scenario.call, by=staff)
    return AwardScenario(scenario=scenario, staff=staff)


def recruit(
    fellowship: Fellowship,
    *,
    by,
    email: str = "",
    name: str = "Ada Fellow",
    phd_date: date = date(2025, 11, 20),
    start_date: date = date(2026, 1, 1),
) -> Fellowship:
    return record_recruitment(
        fellowship=fellowship,
        by=by,
        recruit=Recruit(
            fellow_name=name,
            fellow_email=email or f"fellow{fellowship.pk}@lab.example.fr",
            phd_date=phd_date,
            hosting_unit=hosting_units(fellowship.application)[0],
            start_date=start_date,
        ),
    )


def recruited_fellowship(
    application, *, fellow=None, start_date: date, state: str = "recruited"
) -> Fellowship:
    """A fellowship written directly in ``state`` (for pages and the authorization
    matrix): a funded decision by a new source of the call, the recruit recorded."""
    FundingDecisionFactory(application=application)  # opens the fellowship
    fellowship = Fellowship.objects.get(application=application, state="recruiting")
    fellow = fellow or UserFactory()
    fellowship.fellow = fellow
    fellowship.fellow_name = fellow.full_name
    fellowship.fellow_email = fellow.email
    fellowship.phd_date = date(2024, 6, 1)
    fellowship.hosting_unit = hosting_units(application)[0]
    fellowship.start_date = start_date
    fellowship.end_date = planned_end(start_date, fellowship.planned_months)
    fellowship.state = state
    fellowship.save()
    return fellowship
