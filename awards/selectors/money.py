"""Money per funding source: the source's amount, what the fellowships committed, what
was released (abandoned, or ended early) and what is still available for the next
edition. One query for the sources and one for the sums, whatever the number of
fellowships.

- committed: the sum of the committed amounts of every fellowship the source paid for,
  abandoned ones included;
- released: the part of it given back (all of an abandoned fellowship's amount, the
  unused share of one that ended early);
- available: amount − committed + released (unknown when the source has no amount).

The call's totals of amount and available add up the sources whose amount is known;
when no source has one, the totals are unknown too (shown « — », like each row), not
zero: a finance officer reads 0,00 as "nothing granted", which is not what we know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from awards.models import OPEN_STATES, Fellowship, FellowshipState
from calls.models import Call, FundingSource

ZERO = Decimal("0.00")


@dataclass
class SourceMoney:
    source: FundingSource
    fellowships: int  # live or ended fellowships (not abandoned)
    committed: Decimal
    released: Decimal

    @property
    def amount(self) -> Decimal | None:
        return self.source.amount

    @property
    def net(self) -> Decimal:
        return self.committed - self.released

    @property
    def available(self) -> Decimal | None:
        return None if self.amount is None else self.amount - self.net


@dataclass
class CallMoney:
    call: Call
    sources: list[SourceMoney] = field(default_factory=list)

    @property
    def amount(self) -> Decimal | None:
        known = [s.amount for s in self.sources if s.amount is not None]
        return sum(known, ZERO) if known else None

    @property
    def committed(self) -> Decimal:
        return sum((s.committed for s in self.sources), ZERO)

    @property
    def released(self) -> Decimal:
        return sum((s.released for s in self.sources), ZERO)

    @property
    def net(self) -> Decimal:
        return self.committed - self.released

    @property
    def left_for_next_edition(self) -> Decimal | None:
        """What the sources with a known amount have not spent (unknown without any)."""
        known = [s.available for s in self.sources if s.available is not None]
        return sum(known, ZERO) if known else None


def call_money(call: Call) -> CallMoney:
    sums = {
        row["funding_source"]: row
        for row in Fellowship.objects.filter(funding_source__call=call)
        .values("funding_source")
        .annotate(
            committed=Sum("committed_amount"),
            released=Sum("released_amount"),
            kept=Count("pk", filter=Q(state__in=(*OPEN_STATES, FellowshipState.ENDED))),
        )
    }
    money = CallMoney(call=call)
    for source in FundingSource.objects.filter(call=call).order_by("created_at", "pk"):
        row = sums.get(source.pk, {})
        money.sources.append(
            SourceMoney(
                source=source,
                fellowships=row.get("kept", 0),
                committed=row.get("committed") or ZERO,
                released=row.get("released") or ZERO,
            )
        )
    return money
