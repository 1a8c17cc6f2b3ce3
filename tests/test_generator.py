"""The call generator of the benchmarks: exact counts, invariants, determinism."""

from collections import Counter
from statistics import mean

import pytest
from django.core.management import CommandError, call_command

from calls.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Call,
    CallStatus,
    Document,
    Partner,
)
from calls.services.completeness import missing_items
from reviews.generator import OPEN, GeneratorOptions, generate_call
from reviews.models import (
    Assignment,
    ConfidentialityAcceptance,
    Conflict,
    ConflictStatus,
    Invitation,
    InvitationStatus,
    Review,
    ReviewStatus,
)
from reviews.scoring.weighted import CriterionSpec, weighted_total

S = ApplicationStatus
REVIEWED = (S.SHORTLISTED, S.NOT_SHORTLISTED)


def small(slug: str, seed: int = 5, **options) -> Call:
    options = {"applications": 30, "experts": 10, "reviews_per_application": 3, **options}
    return generate_call(GeneratorOptions(seed=seed, slug=slug, **options)).call


def fingerprint(call: Call) -> list:
    """Everything generated, without keys, e-mail addresses or timestamps."""
    apps = list(call.applications.order_by("pk"))
    index = {a.pk: i for i, a in enumerate(apps)}
    invitations = {
        pk: i for i, pk in enumerate(call.invitations.order_by("pk").values_list("pk", flat=True))
    }
    partners = Counter()
    for application_id, label in Partner.objects.filter(application__call=call).values_list(
        "application_id", "unit__label"
    ):
        partners[(index[application_id], label)] += 1
    reviews = sorted(
        (
            index[a.application_id],
            invitations[a.invitation_id],
            a.is_active,
            getattr(getattr(a, "review", None), "status", ""),
            str(getattr(getattr(a, "review", None), "total", "")),
        )
        for a in Assignment.objects.filter(application__call=call).select_related("review")
    )
    return [
        [(a.title, a.acronym, a.status, a.keywords, a.abstract) for a in apps],
        sorted(partners.items()),
        reviews,
        list(call.invitations.order_by("pk").values_list("expert__full_name", "max_load")),
    ]


@pytest.mark.django_db
def test_generate_call_writes_the_exact_counts():
    call = small("gen-counts")

    applications = call.applications.all()
    assert applications.count() == 30
    assert call.status == CallStatus.SELECTION
    submitted = applications.exclude(status=S.DRAFT)
    reviewed = applications.filter(status__in=REVIEWED)
    assert Invitation.objects.filter(call=call, status=InvitationStatus.ACCEPTED).count() == 10
    assert ConfidentialityAcceptance.objects.filter(invitation__call=call).count() == 10
    # Two shared PDFs per submitted application, one submitted version each.
    assert Document.objects.filter(application__call=call, is_current=True).count() == (
        2 * submitted.count()
    )
    assert ApplicationVersion.objects.filter(application__call=call).count() == submitted.count()
    assert len({d.sha256 for d in Document.objects.filter(application__call=call)}) == 2
    # References in submission order, unique, and the call's counter past them.
    references = sorted(submitted.values_list("reference", flat=True))
    assert len(set(references)) == submitted.count()
    call.refresh_from_db()
    assert call.next_reference_number == submitted.count() + 1
    # Exactly k live reviewers per reviewed application; nothing for the others.
    live = Assignment.objects.filter(application__call=call, is_active=True)
    per_application = Counter(live.values_list("application_id", flat=True))
    assert set(per_application) == set(reviewed.values_list("pk", flat=True))
    assert set(per_application.values()) == {3}
    # Shortlist: 45 % of the reviewed applications.
    assert applications.filter(status=S.SHORTLISTED).count() == round(0.45 * reviewed.count())


@pytest.mark.django_db
def test_generated_assignments_respect_conflicts_and_loads():
    call = small("gen-rules")

    blocked = set(
        Conflict.objects.filter(application__call=call)
        .exclude(status=ConflictStatus.CLEARED)
        .values_list("invitation_id", "application_id")
    )
    live = Assignment.objects.filter(application__call=call, is_active=True)
    assert not blocked & set(live.values_list("invitation_id", "application_id"))
    loads = Counter(
        Assignment.objects.filter(application__call=call).values_list("invitation_id", flat=True)
    )
    assert max(loads.values()) - min(loads.values()) <= 1
    caps = dict(Invitation.objects.filter(call=call).values_list("pk", "max_load"))
    assert all(loads[pk] <= caps[pk] for pk in loads)
    # A partner takes part under one of its unit's institutes; eligible ones span two.
    for application in call.applications.exclude(status=S.INELIGIBLE).prefetch_related(
        "partners__unit__secondary_institutes"
    ):
        partners = list(application.partners.all())
        assert len({p.institute_id for p in partners}) >= 2
        for partner in partners:
            allowed = {partner.unit.main_institute_id} | {
                i.pk for i in partner.unit.secondary_institutes.all()
            }
            assert partner.institute_id in allowed


@pytest.mark.django_db
def test_generated_totals_are_the_weighted_totals_and_decide_the_shortlist():
    call = small("gen-totals")
    specs = [CriterionSpec.from_criterion(c) for c in call.criteria.all()]

    submitted = Review.objects.filter(
        assignment__application__call=call, status=ReviewStatus.SUBMITTED
    ).prefetch_related("scores")
    assert submitted.exists()
    means: dict[int, list[float]] = {}
    for review in submitted:
        scores = {s.criterion_id: s.score for s in review.scores.all()}
        assert review.total == weighted_total(scores, specs)
        means.setdefault(review.assignment.application_id, []).append(float(review.total))
    drafts = Review.objects.filter(assignment__application__call=call, status=ReviewStatus.DRAFT)
    assert all(review.total is None for review in drafts)
    status = dict(call.applications.values_list("pk", "status"))
    shortlisted = [mean(v) for pk, v in means.items() if status[pk] == S.SHORTLISTED]
    others = [mean(v) for pk, v in means.items() if status[pk] == S.NOT_SHORTLISTED]
    assert min(shortlisted) >= max(others)


@pytest.mark.django_db
def test_same_seed_gives_the_same_call_and_another_seed_another():
    first, again, other = small("gen-a", seed=7), small("gen-b", seed=7), small("gen-c", seed=8)

    assert fingerprint(first) == fingerprint(again)
    assert fingerprint(first) != fingerprint(other)


@pytest.mark.django_db
def test_open_stage_gives_complete_drafts_waiting_for_their_pdfs():
    call = small("gen-open", stage=OPEN, applications=5, experts=0)

    assert call.status == CallStatus.OPEN
    assert call.accepts_submissions()
    for application in Application.objects.filter(call=call):
        assert application.status == S.DRAFT
        assert [m for m in missing_items(application) if "PDF" not in m] == []
        assert len(missing_items(application)) == 2  # the project and the CV
    assert not Assignment.objects.filter(application__call=call).exists()


@pytest.mark.django_db
def test_generate_call_command_prints_the_counts_and_refuses_a_taken_slug():
    from io import StringIO

    out = StringIO()
    call_command(
        "generate_call",
        "--applications=4",
        "--experts=3",
        "--reviews-per-application=2",
        "--slug=gen-command",
        stdout=out,
    )
    assert "Call gen-command" in out.getvalue()
    assert Application.objects.filter(call__slug="gen-command").count() == 4
    with pytest.raises(CommandError, match="already exists"):
        call_command("generate_call", "--applications=1", "--experts=1", "--slug=gen-command")


@pytest.mark.postgres
@pytest.mark.django_db
def test_generate_call_leaves_planner_statistics_on_the_tables_it_filled():
    """Autovacuum may be late or off: the generator analyses what it wrote, so the
    planner knows the row counts at once (reltuples is -1 or 0 before any ANALYZE)."""
    from django.db import connection

    call = small("gen-analyze")
    report_tables = {
        "calls_application": call.applications.count(),
        "reviews_assignment": Assignment.objects.filter(application__call=call).count(),
        "reviews_review": Review.objects.filter(assignment__application__call=call).count(),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [list(report_tables)],
        )
        estimated = dict(cursor.fetchall())
    assert estimated == {table: float(rows) for table, rows in report_tables.items()}
