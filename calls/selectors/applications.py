"""Reads of applications, scoped to what a person may see.

``applications_visible_to`` is the one selector every list and detail page uses: an
application a person may not see does not exist for them (404). Each role adds its own
clause here (coordinators, programme staff, institute correspondents; reviewers next).
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from calls.models import (
    Application,
    ApplicationStatus,
    CallStatus,
    Document,
    InstituteCorrespondent,
    Partner,
    RequiredDocument,
    Unit,
)
from calls.models.reference import plain_apostrophes

S = ApplicationStatus


def applications_visible_to(user) -> QuerySet[Application]:
    """Every application ``user`` may open, in one query without per-row checks:

    - as coordinator, their own (drafts included);
    - as programme staff, all of them;
    - as institute correspondent, the submitted ones (never a draft) in which a partner
      takes part under one of their active institutes (``correspondent_clause``).

    Roles add up; what each role may *do* with an application is for ``calls.rules``
    (the coordinator's actions look the application up with ``coordinator=user`` too).
    """
    if user is None or not user.is_authenticated:
        return Application.objects.none()
    if getattr(user, "is_programme_staff", False):
        return Application.objects.all()
    return Application.objects.filter(Q(coordinator=user) | correspondent_clause(user))


def correspondent_clause(user) -> Q:
    """The applications an institute correspondent may read: submitted at least once and
    not back in draft (nor a draft withdrawn before it was ever submitted), with a partner
    taking part under one of the person's active institutes. One EXISTS subquery; it
    matches nothing for a person without an active correspondent role."""
    institutes = InstituteCorrespondent.objects.active().filter(user_id=user.pk)
    involved = Partner.objects.filter(
        application_id=OuterRef("pk"), institute_id__in=institutes.values("institute_id")
    )
    return Q(submitted_at__isnull=False) & ~Q(status=S.DRAFT) & Q(Exists(involved))


def involving_person(user) -> Q:
    """Applications in which ``user`` is an applicant: the coordinator, or a partner lead
    (matched by e-mail address, case-insensitive), confirmed or not; one EXISTS subquery.
    Staff conflicts are not this: see ``calls.selectors.staff_conflicts``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    lead = Partner.objects.filter(application_id=OuterRef("pk"), lead_email__iexact=user.email)
    return Q(coordinator_id=user.pk) | Q(Exists(lead))


def current_documents() -> Prefetch:
    return Prefetch(
        "documents",
        queryset=Document.objects.filter(is_current=True).order_by("kind"),
        to_attr="current_documents",
    )


def with_content(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Everything the completeness check and the application pages read, in constant queries."""
    return queryset.select_related("call", "coordinator").prefetch_related(
        Prefetch(
            "partners",
            queryset=Partner.objects.select_related("unit", "institute").order_by("position", "id"),
        ),
        current_documents(),
        Prefetch(
            "call__required_documents",
            queryset=RequiredDocument.objects.order_by("position", "id"),
        ),
        "disciplines",
        "excluded_reviewers",
    )


def my_applications(user) -> QuerySet[Application]:
    """The applicant dashboard: applications ``user`` coordinates, newest call first."""
    return with_content(applications_visible_to(user).filter(coordinator=user)).order_by(
        "-call__closes_at", "-created_at", "-id"
    )


def open_application_for(*, user, call) -> Application | None:
    """The coordinator's application to ``call`` that is not withdrawn, if any."""
    return (
        Application.objects.filter(coordinator=user, call=call)
        .exclude(status=S.WITHDRAWN)
        .order_by("id")
        .first()
    )


# Statuses whose outcome the applicant only learns once the call's results are published.
_EVALUATION_STATUSES = {
    S.IN_REVIEW,
    S.SHORTLISTED,
    S.NOT_SHORTLISTED,
    S.MAIN_LIST,
    S.COMPLEMENTARY_LIST,
    S.NOT_SELECTED,
    S.FUNDED,
    S.NOT_FUNDED,
}
_PUBLISHED_CALL_STATUSES = {CallStatus.DECIDED, CallStatus.ARCHIVED}


def applicant_status_label(application: Application) -> str:
    """The status as the applicant may see it: evaluation stages stay 'under evaluation'
    until the call's results are published; nothing internal shows through."""
    status = application.status
    if status in _EVALUATION_STATUSES and application.call.status not in _PUBLISHED_CALL_STATUSES:
        return str(_("Under evaluation"))
    if status == S.DRAFT and application.version:
        return str(_("Reopened draft: submit it again"))
    if status == S.ELIGIBLE:
        return str(_("Submitted, eligible"))
    if status == S.INELIGIBLE:
        return str(_("Submitted, not eligible"))
    return str(S(status).label)


def search_units(query: str, *, limit: int = 20) -> list[Unit]:
    """Active units whose label, number, acronym, name or city match every word of ``query``."""
    words = [word for word in plain_apostrophes(query).split() if word][:5]
    if not words or len(query.strip()) < 2:
        return []
    units = Unit.objects.active().with_plain_text().select_related("main_institute")
    for word in words:
        units = units.filter(
            Q(label__icontains=word)
            | Q(number__iexact=word)
            | Q(number__startswith=word)
            | Q(acronym__icontains=word)
            | Q(name_plain__icontains=word)
            | Q(city_plain__icontains=word)
        )
    return list(units.order_by("unit_type", "number")[:limit])


def unit_institutes(unit: Unit) -> list:
    """The institutes a partner from ``unit`` may take part under: main first, then secondary."""
    secondary = [i for i in unit.secondary_institutes.all() if i.pk != unit.main_institute_id]
    return [unit.main_institute, *sorted(secondary, key=lambda i: i.acronym)]
