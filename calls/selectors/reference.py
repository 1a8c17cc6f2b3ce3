"""What is missing from the reference data (institutes, units, disciplines).

A new site has the ten institutes (a migration adds them) but no unit and no
discipline until ``manage.py load_reference_data`` runs: no applicant can apply until
then. The staff pages show these gaps with the command that fills them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from calls.models import Discipline, Institute, Unit


@dataclass(frozen=True)
class ReferenceGap:
    what: str
    how: str


def reference_data_gaps() -> list[ReferenceGap]:
    """One entry per empty part of the referential; empty when all is there."""
    gaps = []
    if not Institute.objects.exists():
        gaps.append(
            ReferenceGap(
                what=_("No CNRS institute is recorded."),
                how="python manage.py migrate",
            )
        )
    if not Unit.objects.active().exists():
        gaps.append(
            ReferenceGap(
                what=_("No active research unit is recorded: applicants cannot name partners."),
                how="python manage.py load_reference_data --units FILE.csv",
            )
        )
    if not Discipline.objects.filter(is_active=True).exists():
        gaps.append(
            ReferenceGap(
                what=_("No active discipline is recorded: applicants cannot choose one."),
                how="python manage.py load_reference_data",
            )
        )
    return gaps
