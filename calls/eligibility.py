"""The consortium rule: at least ``min_units`` partner units from at least
``min_institutes`` distinct CNRS institutes, each partner counted under the institute
it takes part for. A pure function: the live panel, submission and staff screening
all call it."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class ConsortiumReport:
    units: int
    institutes: int
    min_units: int
    min_institutes: int
    institute_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def units_missing(self) -> int:
        return max(self.min_units - self.units, 0)

    @property
    def institutes_missing(self) -> int:
        return max(self.min_institutes - self.institutes, 0)

    @property
    def is_eligible(self) -> bool:
        return self.units_missing == 0 and self.institutes_missing == 0

    def summary(self) -> str:
        units = ngettext("%(n)d unit", "%(n)d units", self.units) % {"n": self.units}
        institutes = ngettext("%(n)d institute", "%(n)d institutes", self.institutes) % {
            "n": self.institutes
        }
        return _("%(units)s from %(institutes)s") % {"units": units, "institutes": institutes}

    def advice(self) -> str:
        """What the applicant must still do, in one sentence ('' when eligible)."""
        if self.is_eligible:
            return ""
        if not self.institutes_missing:
            return ngettext("add %(n)d more unit", "add %(n)d more units", self.units_missing) % {
                "n": self.units_missing
            }
        if self.units_missing <= self.institutes_missing:
            return ngettext(
                "add a unit from another institute",
                "add %(n)d units from institutes not yet represented",
                self.institutes_missing,
            ) % {"n": self.institutes_missing}
        return ngettext(
            "add %(units)d more units, one of them from another institute",
            "add %(units)d more units, from at least %(institutes)d institutes not yet represented",
            self.institutes_missing,
        ) % {"units": self.units_missing, "institutes": self.institutes_missing}

    def message(self) -> str:
        """'2 units from 1 institute: add a unit from another institute.'"""
        if self.is_eligible:
            return _("%(summary)s: the consortium rule is met.") % {"summary": self.summary()}
        return _("%(summary)s: %(advice)s.") % {"summary": self.summary(), "advice": self.advice()}


def check_consortium(
    partners: Iterable[tuple[int, int]], *, min_units: int, min_institutes: int
) -> ConsortiumReport:
    """``partners`` is an iterable of (unit id, institute id) pairs; a unit counts once,
    under the first institute given for it."""
    institute_of: dict[int, int] = {}
    for unit_id, institute_id in partners:
        if unit_id is None or institute_id is None:
            continue
        institute_of.setdefault(unit_id, institute_id)
    institutes = set(institute_of.values())
    return ConsortiumReport(
        units=len(institute_of),
        institutes=len(institutes),
        min_units=min_units,
        min_institutes=min_institutes,
        institute_ids=frozenset(institutes),
    )
