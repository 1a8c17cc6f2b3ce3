"""The demo: last year's edition decided (55 → 25 → 6 + 3 → 8 funded), the open call with
applications in several states, demo logins for every role; loading it again creates
nothing new."""

import hashlib
import io
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from aissai.accounts.demo import DEMO_USERS
from aissai.accounts.models import User
from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import build_email
from calls.demo import demo_pdf
from calls.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Call,
    CallStatus,
    Criterion,
    Discipline,
    Document,
    FundingSource,
    InstituteCorrespondent,
    Partner,
    RequiredDocument,
    Unit,
)
from reviews.models import (
    Assignment,
    Conflict,
    ConflictStatus,
    FundingDecision,
    FundingOutcome,
    Invitation,
    ListEntry,
    ListKind,
    ListMove,
    MoveKind,
    Review,
    ReviewStatus,
)
from reviews.selectors.decisions import selection_history

pytestmark = pytest.mark.django_db
S = ApplicationStatus

MODELS = [
    User,
    Call,
    Criterion,
    RequiredDocument,
    FundingSource,
    Discipline,
    Unit,
    Application,
    ApplicationVersion,
    Partner,
    Document,
    OutboxMessage,
    AuditEvent,
    Invitation,
    Assignment,
    Review,
    Conflict,
    ListEntry,
    ListMove,
    FundingDecision,
    InstituteCorrespondent,
]


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_load_demo_twice_creates_nothing_new_and_prints_the_logins():
    first_output = load()
    first = counts()
    second_output = load()
    assert counts() == first
    for output in (first_output, second_output):
        assert "staff@demo.aissai.localhost" in output
        assert "applicant@demo.aissai.localhost" in output
        assert "password for all" in output
    assert first["Discipline"] >= 10 and first["Unit"] >= 10
    assert first["Application"] == 6 + 55
    for key, email, *_rest in DEMO_USERS:
        assert email in first_output, key


def test_demo_call_is_open_with_rules_and_applications_in_several_states():
    load()
    call = Call.objects.filter(applications__isnull=False, status=CallStatus.OPEN).distinct().get()
    assert call.edition_year == Call.objects.get(status=CallStatus.DECIDED).edition_year + 1
    assert call.criteria.count() == 4
    assert set(call.required_documents.values_list("kind", flat=True)) == {
        "project",
        "cv",
        "letters",
    }
    statuses = sorted(call.applications.values_list("status", flat=True))
    assert statuses == sorted(
        [
            ApplicationStatus.DRAFT,
            ApplicationStatus.DRAFT,
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.IN_REVIEW,  # eligible, then assigned to the demo reviewer
            ApplicationStatus.INELIGIBLE,
        ]
    )
    demo_applicant = User.objects.get(email="applicant@demo.aissai.localhost")
    (draft,) = call.applications.filter(coordinator=demo_applicant)
    assert draft.status == ApplicationStatus.DRAFT
    assert draft.partners.count() < call.min_units  # the panel has something to say
    ineligible = call.applications.get(status=ApplicationStatus.INELIGIBLE)
    assert ineligible.eligibility_reason
    for application in call.applications.exclude(status=ApplicationStatus.DRAFT):
        leads = application.partners.exclude(lead_email=application.coordinator.email)
        assert not leads.filter(lead_email__endswith="@demo.aissai.localhost").exists()
        assert application.reference.startswith(f"AISSAI-{call.edition_year}-")
        assert application.versions.count() == 1
        assert application.partners.filter(confirmed_at__isnull=True).count() == 0
    assert OutboxMessage.objects.filter(event="eligibility_outcome").count() == 2


def test_demo_documents_are_valid_pdfs_with_their_checksums(settings):
    load()
    documents = Document.objects.filter(is_current=True, application__call__status="open")
    assert documents.count() >= 8
    for document in documents:
        with document.file.open("rb") as handle:
            data = handle.read()
        assert hashlib.sha256(data).hexdigest() == document.sha256
        assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_demo_pdf_text_is_readable():
    reader = PdfReader(io.BytesIO(demo_pdf("GLACIA: project (demo)")))
    assert "GLACIA: project (demo)" in reader.pages[0].extract_text()


def test_demo_staff_sees_the_applications_table(client):
    load()
    client.force_login(User.objects.get(email="staff@demo.aissai.localhost"))
    call = Call.objects.filter(applications__isnull=False, status=CallStatus.OPEN).distinct().get()
    response = client.get(reverse("calls:staff_applications", args=[call.slug]))
    assert len(response.context["rows"]) == 6
    response = client.get(reverse("calls:staff_screening_list", args=[call.slug]))
    assert all(row.checks.passed for row in response.context["rows"])


def past_call() -> Call:
    return Call.objects.get(status=CallStatus.DECIDED)


def test_past_edition_applications_pass_every_automatic_check(client):
    """Its 55 applications were submitted complete: documents, units, institutes."""
    load()
    client.force_login(User.objects.get(email="staff@demo.aissai.localhost"))
    call = past_call()
    documents = Document.objects.filter(application__call=call, is_current=True)
    assert documents.count() == 55 * call.required_documents.count()
    response = client.get(reverse("calls:staff_applications", args=[call.slug]), {"per_page": 100})
    rows = response.context["rows"]
    assert len(rows) == 55
    assert [row.reference for row in rows if not row.checks.passed] == []


def test_past_edition_tells_the_story_55_to_25_to_6_plus_3_to_8_funded():
    load()
    call = past_call()
    applications = call.applications.all()
    assert applications.count() == 55
    assert applications.filter(reference__isnull=False, versions__number=1).count() == 55
    later = [S.SHORTLISTED, S.MAIN_LIST, S.COMPLEMENTARY_LIST, S.NOT_SELECTED, S.FUNDED]
    later += [S.NOT_FUNDED, S.DECLINED]
    assert applications.filter(status__in=later).count() == 25
    assert applications.filter(status=S.NOT_SHORTLISTED).count() == 30
    # After the decision (the awards demo): one funded project failed to recruit and gave
    # its place to the last project waiting on the complementary list.
    assert applications.filter(status=S.FUNDED).count() == 8
    assert applications.filter(status=S.DECLINED).count() == 1
    assert applications.filter(status=S.COMPLEMENTARY_LIST).count() == 0
    assert applications.filter(status=S.NOT_SELECTED).count() == 16
    # Every application: at least 2 units from at least 2 institutes, leads off the demo domain.
    for application in applications.prefetch_related("partners"):
        partners = list(application.partners.all())
        assert len({p.unit_id for p in partners}) >= 2
        assert len({p.institute_id for p in partners}) >= 2
        assert not any(p.lead_email.endswith("@demo.aissai.localhost") for p in partners)
    institutes = Partner.objects.filter(application__call=call).values("institute").distinct()
    assert institutes.count() == 10
    # Lists fixed with 6 + 3 entries; the additional grant promoted the first 2 waiting;
    # the failed recruitment promoted the third: the main list has 8 entries, the
    # complementary list none.
    history = selection_history(call)
    assert (history.main_at_fix, history.complementary_at_fix) == (6, 3)
    assert (history.funded, history.promoted) == (8, 3)
    entries = ListEntry.objects.filter(ranked_list__call=call)
    assert entries.filter(ranked_list__kind=ListKind.MAIN).count() == 8
    assert entries.filter(ranked_list__kind=ListKind.COMPLEMENTARY).count() == 0
    assert list(call.funding_sources.order_by("pk").values_list("name", "fellowships")) == [
        ("Industry donation", 6),
        ("Additional grant", 2),
    ]
    kinds = list(ListMove.objects.filter(call=call).order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        MoveKind.MOVED,
        MoveKind.SHIFTED,
        MoveKind.PROMOTED,
        MoveKind.PROMOTED,
        MoveKind.DECLINED,
        MoveKind.PROMOTED,
    ]
    decisions = FundingDecision.objects.filter(application__call=call, is_current=True)
    assert decisions.filter(outcome=FundingOutcome.FUNDED).count() == 8
    assert decisions.filter(promoted=True).count() == 3


def test_past_edition_has_reviews_audit_and_released_results_mails():
    load()
    call = past_call()
    reviews = Review.objects.filter(assignment__application__call=call)
    assert reviews.filter(status=ReviewStatus.SUBMITTED, total__isnull=False).count() == 55 * 3
    invitations = Invitation.objects.filter(call=call)
    assert invitations.count() == 11
    assert all(invitation.acceptances.exists() for invitation in invitations)
    assert not Conflict.objects.filter(application__call=call).exists()
    expert_domains = {i.expert.email.split("@")[1] for i in invitations.select_related("expert")}
    partner_domains = set(
        Partner.objects.filter(application__call=call).values_list("lead_email", flat=True)
    )
    assert not expert_domains & {email.split("@")[1] for email in partner_domains}
    verbs = set(AuditEvent.objects.for_object(call).values_list("verb", flat=True))
    assert {"call.shortlist.confirmed", "call.lists.fixed", "call.funding.added"} <= verbs
    assert {"call.results.published"} <= verbs
    results = OutboxMessage.objects.filter(event="results")
    # Released: pending delivery on commit (sent when the demo runs for real).
    released = [OutboxStatus.PENDING, OutboxStatus.SENT]
    assert results.filter(status__in=released).count() == 55
    assert not OutboxMessage.objects.filter(status=OutboxStatus.HELD).exists()


def test_demo_reviewer_has_a_pending_review_and_no_conflict_in_the_open_call():
    load()
    reviewer = User.objects.get(email={k: e for k, e, *_r in DEMO_USERS}["reviewer"])
    call = Call.objects.get(status=CallStatus.OPEN)
    assert not Conflict.objects.filter(
        invitation__expert__user=reviewer,
        application__call=call,
        status__in=[ConflictStatus.CONFIRMED, ConflictStatus.SUSPECTED],
    ).exists()
    (assignment,) = Assignment.objects.filter(
        invitation__expert__user=reviewer, application__call=call, is_active=True
    )
    assert not Review.objects.filter(assignment=assignment).exists()
    assert (
        Review.objects.filter(
            assignment__invitation__expert__user=reviewer, assignment__application__call=past_call()
        ).count()
        == 15
    )


def test_demo_correspondent_sees_their_institute():
    load()
    email = {k: e for k, e, *_r in DEMO_USERS}["correspondent"]
    role = InstituteCorrespondent.objects.get(user__email=email)
    assert role.active and role.institute.acronym == "INS2I"


def test_login_page_shows_the_demo_logins_in_embedded_mode_only(client, settings):
    settings.PRODUCTION = False
    html = client.get(reverse("accounts:login")).content.decode()
    for _key, email, *_rest in DEMO_USERS:
        assert email in html
    settings.PRODUCTION = True
    html = client.get(reverse("accounts:login")).content.decode()
    for _key, email, *_rest in DEMO_USERS:
        assert email not in html


def test_staff_nav_renders_every_tab_on_the_applications_page(client):
    load()
    client.force_login(User.objects.get(email="staff@demo.aissai.localhost"))
    call = past_call()
    html = client.get(reverse("calls:staff_applications", args=[call.slug])).content.decode()
    nav = html[html.index('data-testid="staff-call-nav"') :]
    nav = nav[: nav.index("</ul>")]
    for name in [
        "calls:manage_call",
        "calls:staff_applications",
        "calls:staff_screening_list",
        "reviews:pool",
        "reviews:conflicts",
        "reviews:assignment",
        "reviews:progress",
        "reviews:scoreboard",
        "reviews:scoreboard_robustness",
        "reviews:shortlist",
        "reviews:lists_board",
        "reviews:decisions",
        "reviews:decisions_history",
        "reviews:call_dashboard",
        "reviews:exports",
    ]:
        assert f'href="{reverse(name, args=[call.slug])}"' in nav, name
    applications_tab = (
        f'aria-current="page" href="{reverse("calls:staff_applications", args=[call.slug])}"'
    )
    assert applications_tab in nav
    assert nav.count('aria-current="page"') == 1


def test_demo_says_where_it_serves_and_its_mails_link_there(settings):
    settings.SITE_URL = "http://127.0.0.1:8101"

    output = load()

    assert "Demo ready on http://127.0.0.1:8101" in output
    # As the recipients get them: links that grant access are made at delivery only.
    bodies = [build_email(message).body for message in OutboxMessage.objects.all()]
    linked = [body for body in bodies if "http://127.0.0.1:" in body]
    assert linked and all("http://127.0.0.1:8101/" in body for body in linked)
    assert not any("http://127.0.0.1:8000" in body for body in bodies)


def test_make_run_passes_its_port_to_the_demo_and_the_server():
    """`make run PORT=8101`: the mails' links and the served address follow the port."""
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8101"], capture_output=True, text=True, check=True
    ).stdout
    assert "SITE_URL=http://127.0.0.1:8101 .venv/bin/python manage.py load_demo" in dry_run
    assert "runserver 127.0.0.1:8101" in dry_run


def test_the_readme_s_first_screen_says_the_port_and_where_the_mails_go():
    """A newcomer reads which address the demo serves, how to change it, and where its
    mails are read, before scrolling."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(readme.splitlines()[:15])
    assert "http://127.0.0.1:8000" in first_screen
    assert "PORT=" in first_screen and "SITE_URL" in first_screen
    assert f"`{reverse('notifications:dev_mailbox')}`" in first_screen
