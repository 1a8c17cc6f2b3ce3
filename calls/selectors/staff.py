"""Reads for programme staff: the calls they run, the applications table of a call and
the automatic eligibility checks of each application.

Calls are fetched through ``calls.selectors.calls`` (programme staff only, 404 for
everyone else). Every function here runs a fixed number of queries whatever the number
of rows: counts are annotations, related rows come from ``Prefetch`` querysets. Exports reuse
:func:`staff_applications` (iterate it with ``.iterator(chunk_size=...)``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from aissai.queries import correlated_count
from calls.eligibility import ConsortiumReport, check_consortium
from calls.models import (
    Application,
    ApplicationStatus,
    Call,
    Discipline,
    Document,
    Institute,
    Partner,
    Unit,
)
from calls.selectors.calls import calls_for_staff
from calls.selectors.staff_conflicts import conflict_clause, evaluation_visible_to

# Statuses in which staff screen eligibility (and may rule again).
SCREENING_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ELIGIBLE,
    ApplicationStatus.INELIGIBLE,
)

# Sort keys accepted in the address ("-" in front for descending) and their column label.
SORTS: dict[str, Any] = {
    "reference": gettext_lazy("Reference"),
    "title": gettext_lazy("Title"),
    "status": gettext_lazy("Status"),
    "submitted": pgettext_lazy("submission date", "Submitted"),
    "units": gettext_lazy("Units"),
    "institutes": gettext_lazy("Institutes"),
}
DEFAULT_SORT = "reference"


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def calls_with_status_counts(user: Any) -> list[Call]:
    """The staff index: each call with ``.total`` and ``.status_counts`` (two queries)."""
    calls = list(calls_for_staff(user))
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Application.objects.filter(call__in=[c.pk for c in calls])
        .order_by()
        .values("call_id", "status")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts.setdefault(row["call_id"], {})[row["status"]] = row["n"]
    for call in calls:
        per_status = counts.get(call.pk, {})
        call.total = sum(per_status.values())
        call.status_counts = [
            StatusCount(value, label, per_status[value])
            for value, label in ApplicationStatus.choices
            if per_status.get(value)
        ]
    return calls


# --- The applications table -------------------------------------------------------


@dataclass(frozen=True)
class ApplicationFilters:
    q: str = ""
    status: str = ""
    institute: Institute | None = None
    unit: Unit | None = None
    discipline: Discipline | None = None
    sort: str = DEFAULT_SORT


def _count(model: Any, counted: str = "pk", *, distinct: bool = False, **filters: Any) -> Coalesce:
    """A correlated ``COUNT`` of ``model`` rows of the outer application (0 when none)."""
    rows = model.objects.filter(application=OuterRef("pk"), **filters)
    return correlated_count(rows, "application", counted=counted, distinct=distinct)


def with_counts(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate ``units_count``, ``institutes_count`` (distinct institutes the partners
    take part under) and ``documents_count`` (current documents)."""
    return queryset.annotate(
        units_count=_count(Partner, "unit", distinct=True),
        institutes_count=_count(Partner, "institute", distinct=True),
        documents_count=_count(Document, is_current=True),
    )


def application_rows(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Annotations and prefetches one table row needs: the counts; partners with unit and
    institute; disciplines; current documents (as ``current_documents``)."""
    return with_counts(queryset.select_related("coordinator")).prefetch_related(
        Prefetch(
            "partners",
            queryset=Partner.objects.select_related("unit", "institute").order_by("position", "id"),
        ),
        Prefetch("disciplines", queryset=Discipline.objects.order_by("name_en")),
        Prefetch(
            "documents",
            queryset=Document.objects.filter(is_current=True).order_by("kind"),
            to_attr="current_documents",
        ),
    )


def _search(q: str) -> Q:
    condition = (
        Q(reference__icontains=q)
        | Q(title__icontains=q)
        | Q(acronym__icontains=q)
        | Q(coordinator__full_name__icontains=q)
        | Q(coordinator__email__icontains=q)
        | Q(keywords__icontains=q)
    )
    escaped = json.dumps(q)[1:-1]  # keywords stored with \u escapes on some databases
    if escaped != q:
        condition |= Q(keywords__icontains=escaped)
    return condition


def _ordering(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    expressions = {
        "reference": [F("reference")],
        "title": [Lower("title"), Lower("acronym")],
        "status": [F("status")],
        "submitted": [F("submitted_at")],
        "units": [F("units_count")],
        "institutes": [F("institutes_count")],
    }.get(key, [F("reference")])
    ordered = [
        expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True)
        for expr in expressions
    ]
    return [*ordered, F("pk").desc() if descending else F("pk").asc()]


def staff_applications(
    *, call: Call, filters: ApplicationFilters, user: Any = None
) -> QuerySet[Application]:
    """The applications of ``call`` matching ``filters``, sorted, with the row data; for
    ``user``, not those they take part in (their status tells the outcome of the
    evaluation: ``calls.selectors.staff_conflicts``).

    Filters on partners use ``EXISTS`` so they never change the counts of a row.
    """
    queryset = Application.objects.filter(call=call)
    if user is not None:
        queryset = queryset.exclude(conflict_clause(user))
    q = filters.q.strip()
    if q:
        queryset = queryset.filter(_search(q))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.institute is not None:
        queryset = queryset.filter(
            Exists(Partner.objects.filter(application=OuterRef("pk"), institute=filters.institute))
        )
    if filters.unit is not None:
        queryset = queryset.filter(
            Exists(Partner.objects.filter(application=OuterRef("pk"), unit=filters.unit))
        )
    if filters.discipline is not None:
        through = Application.disciplines.through
        queryset = queryset.filter(
            Exists(
                through.objects.filter(application=OuterRef("pk"), discipline=filters.discipline)
            )
        )
    return application_rows(queryset).order_by(*_ordering(filters.sort))


def units_in_call(call: Call) -> QuerySet[Unit]:
    """Units taking part in at least one application of ``call`` (for the unit filter).

    One partner of the call per unit, looked up with ``LIMIT 1`` (a scalar subquery, which
    PostgreSQL runs as an index probe per unit and stops at the first hit). An ``EXISTS``
    is turned into a semi-join that hashed the unit's partners for each unit: 15 ms at
    10,000 applications, on every view of the staff table, against under 1 ms."""
    first_partner = Partner.objects.filter(unit=OuterRef("pk"), application__call=call)
    return (
        Unit.objects.alias(partner_in_call=Subquery(first_partner.order_by().values("pk")[:1]))
        .filter(partner_in_call__isnull=False)
        .order_by("unit_type", "number")
    )


def required_document_kinds(call: Call) -> frozenset[str]:
    """Kinds of the call's required documents (from the prefetch when the call has one)."""
    return frozenset(d.kind for d in call.required_documents.all() if d.is_required)


def screening_applications(*, call: Call, user: Any, status: str = "") -> QuerySet[Application]:
    """Applications ``user`` screens (submitted by default), with their row data: not
    those they take part in (``calls.selectors.staff_conflicts``)."""
    statuses = [status] if status in SCREENING_STATUSES else [ApplicationStatus.SUBMITTED]
    queryset = evaluation_visible_to(user).filter(call=call, status__in=statuses)
    return application_rows(queryset).order_by(*_ordering("submitted"))


def screening_application_or_404(*, call: Call, user: Any, pk: int) -> Application:
    """One application for its screening page; 404 when ``user`` takes part in it. Each
    current document carries ``label``, the name of the call's document of its kind."""
    queryset = evaluation_visible_to(user).filter(call=call, pk=pk)
    application = application_rows(queryset).first()
    if application is None:
        raise Http404
    names = {required.kind: required.name for required in call.required_documents.all()}
    for document in application.current_documents:
        document.label = names.get(document.kind, document.kind)
    return application


# --- Automatic eligibility checks ---------------------------------------------------


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class AutomaticChecks:
    checks: tuple[Check, ...]
    consortium: ConsortiumReport
    missing_kinds: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def as_data(self) -> dict[str, bool]:
        """For the audit log: which check passed."""
        return {check.key: check.passed for check in self.checks}


def _current_documents(application: Application) -> Iterable[Document]:
    documents = getattr(application, "current_documents", None)
    if documents is None:
        documents = application.documents.filter(is_current=True)
    return documents


def automatic_checks(
    application: Application, *, call: Call, required_kinds: Iterable[str]
) -> AutomaticChecks:
    """The checks staff see before ruling. Pure: uses the prefetched partners and documents
    (see :func:`application_rows`) and ``call`` given by the caller, runs no query then.

    1. the consortium rule (``calls.eligibility.check_consortium``);
    2. every required document present;
    3. when the call requires it, every partner unit confirmed its participation (the
       coordinator's own unit is confirmed when it is added);
    4. submitted, and no later than the deadline.
    """
    partners = list(application.partners.all())
    consortium = check_consortium(
        ((p.unit_id, p.institute_id) for p in partners),
        min_units=call.min_units,
        min_institutes=call.min_institutes,
    )
    checks = [Check("consortium", _("Consortium"), consortium.is_eligible, consortium.message())]

    present = {document.kind for document in _current_documents(application)}
    missing = tuple(sorted(set(required_kinds) - present))
    checks.append(
        Check(
            "documents",
            _("Required documents"),
            not missing,
            _("Missing: %(kinds)s.") % {"kinds": ", ".join(missing)}
            if missing
            else _("All required documents are present."),
        )
    )

    if call.partner_confirmation_required:
        waiting = [p for p in partners if p.confirmed_at is None]
        checks.append(
            Check(
                "confirmations",
                _("Partner confirmations"),
                not waiting,
                _("Not confirmed yet: %(units)s.")
                % {"units": ", ".join(p.unit.label for p in waiting)}
                if waiting
                else _("Every partner unit confirmed."),
            )
        )

    submitted_at = application.submitted_at
    on_time = submitted_at is not None and submitted_at <= call.closes_at
    if submitted_at is None:
        detail = _("Not submitted.")
    elif on_time:
        detail = _("Submitted before the deadline.")
    else:
        detail = _("Submitted after the deadline.")
    checks.append(Check("deadline", _("Deadline"), on_time, detail))
    return AutomaticChecks(checks=tuple(checks), consortium=consortium, missing_kinds=missing)


def prepare_rows(applications: Iterable[Application], *, call: Call) -> list[Application]:
    """Evaluate a page of :func:`application_rows` and attach what a row shows beyond the
    annotations: ``.checks`` (automatic checks) and ``.institute_acronyms`` (distinct, in
    order). One query for the call's required document kinds, none per row."""
    kinds = required_document_kinds(call)
    rows = list(applications)
    for application in rows:
        application.checks = automatic_checks(application, call=call, required_kinds=kinds)
        acronyms: dict[str, None] = {}
        for partner in application.partners.all():
            acronyms.setdefault(partner.institute.acronym, None)
        application.institute_acronyms = list(acronyms)
    return rows
