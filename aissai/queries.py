"""Query pieces shared by the list pages' selectors."""

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def correlated_count(
    queryset: QuerySet, group: str, *, counted: str = "pk", distinct: bool = False
) -> Coalesce:
    """A correlated ``COUNT`` of ``queryset`` (already filtered on an ``OuterRef``),
    grouped by ``group``, as an annotation: 0 when no row matches. One subquery per outer
    row, never a join that multiplies rows or an aggregate over the whole table."""
    inner = (
        queryset.order_by().values(group).annotate(n=Count(counted, distinct=distinct)).values("n")
    )
    return Coalesce(Subquery(inner, output_field=IntegerField()), Value(0))
