"""The decision dossier of an application: printable HTML with the summary, the partners,
the reviews (reviewers anonymised), the scoreboard figures, the list history and the funding
decisions; audited, a fixed number of queries, programme staff only."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from aissai.security.reauth import reauth_url
from calls.models import ApplicationStatus, CallStatus
from reviews.models import Conflict, ConflictSource, ConflictStatus
from reviews.services.exports import DOSSIER_VERB
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import (
    CallFactory,
    CriterionFactory,
    FundingSourceFactory,
    correspondent_of,
    submitted_application,
)
from tests.factories.reviews import (
    AssignmentFactory,
    ExpertFactory,
    FundingDecisionFactory,
    InvitationFactory,
    place_on_list,
    submitted_review,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def make_call():
    call = CallFactory(status=CallStatus.DECIDED, with_rules=False)
    CriterionFactory(call=call, name_en="Excellence", position=1, weight=2, scale_max=5)
    CriterionFactory(call=call, name_en="Collaboration", position=2, allow_na=True, scale_max=5)
    return call


def review_by(name, application, scores, comments, **fields):
    invitation = InvitationFactory(
        call=application.call,
        expert=ExpertFactory(full_name=name, email=f"{name.split()[-1].lower()}@uni.example"),
    )
    assignment = AssignmentFactory(invitation=invitation, application=application, **fields)
    review = submitted_review(assignment=assignment, scores=scores)
    review.comments_for_applicants = comments
    review.comments_for_staff = "Check the budget."
    review.save(update_fields=["comments_for_applicants", "comments_for_staff"])
    return review


@pytest.fixture
def application():
    """Funded after a first "not funded" decision; on the main list at position 1. Reviews
    that count: Alpha (4, N/A → 8.00) and Beta (3, 3 → 6.00). Not counted: Gamma (ended
    assignment) and Delta (confirmed conflict)."""
    call = make_call()
    application = submitted_application(
        call=call,
        status=S.FUNDED,
        documents=False,
        title="Neural operators for turbulence",
        acronym="NEURO",
        abstract="We learn turbulence closures.\nSecond paragraph.",
        keywords=["turbulence", "operators"],
    )
    submitted_application(call=call, status=S.NOT_SELECTED, documents=False)
    review_by("Expert Alpha", application, [4, None], "Clear and ambitious.")
    review_by("Expert Beta", application, [3, 3], "Feasible, <b>bold</b> plan.")
    review_by("Expert Gamma", application, [0, 0], "Ended assignment text.", is_active=False)
    delta = review_by("Expert Delta", application, [1, 1], "Conflicted reviewer text.")
    Conflict.objects.create(
        invitation=delta.assignment.invitation,
        application=application,
        source=ConflictSource.STAFF,
        status=ConflictStatus.CONFIRMED,
    )
    manager = StaffFactory(full_name="Camille Manager")
    place_on_list(application, kind="main", position=1, by=manager, reason="Strongest support")
    source = FundingSourceFactory(call=call, name="Industry donation", fellowships=6)
    FundingDecisionFactory(
        application=application,
        outcome="not_funded",
        funding_source=None,
        is_current=False,
        decided_at=timezone.now() - timedelta(days=3),
        reason="First round",
    )
    FundingDecisionFactory(
        application=application,
        funding_source=source,
        reason="Additional funding",
        decided_by=manager,
    )
    return application


def dossier_url(application):
    return reverse("reviews:dossier", args=[application.call.slug, application.pk])


@pytest.fixture
def staff(client):
    user = StaffFactory()
    client.force_login(user)
    return user


def test_dossier_content(client, staff, application):
    response = client.get(dossier_url(application))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Neural operators for turbulence" in html
    assert "We learn turbulence closures.<br>Second paragraph." in html
    assert "turbulence, operators" in html
    for partner in application.partners.all():
        assert partner.unit.label in html
        assert partner.lead_name in html
    # Reviews: anonymised, only those that count, texts escaped.
    assert re.findall(r"Reviewer \d", html) == ["Reviewer 1", "Reviewer 2"]
    for hidden in ("Alpha", "Beta", "Gamma", "Delta", "@uni.example", "Ended", "Conflicted"):
        assert hidden not in html, hidden
    assert "Clear and ambitious." in html
    assert "Feasible, &lt;b&gt;bold&lt;/b&gt; plan." in html
    assert "Confidential comments for staff" in html
    assert html.count("N/A") == 1
    # Scoreboard figures.
    dossier = response.context["dossier"]
    assert dossier.row.overall.count == 2
    assert dossier.row.overall.mean == pytest.approx(7.0)
    assert '<tr><th scope="row">Mean</th><td class="text-end">7.00</td></tr>' in html
    assert "Mean: Excellence (0–5)" in html
    # Lists and decisions.
    assert "Now on the Main list at position 1." in html
    assert "Strongest support" in html and "Camille Manager" in html
    assert [d.reason for d in dossier.decisions] == ["First round", "Additional funding"]
    assert "Industry donation" in html and "superseded" in html


def test_dossier_is_printable_without_inline_code(client, staff, application):
    html = client.get(dossier_url(application)).content.decode()
    assert 'href="/static/css/print.css" media="print"' in html
    assert 'style="' not in html and "<style" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    assert "data-print-page" in html and "js/print_page.js" in html


def test_dossier_opening_is_audited(client, staff, application):
    client.get(dossier_url(application))
    event = AuditEvent.objects.get(verb=DOSSIER_VERB)
    assert (event.actor, event.target_id, event.data) == (
        staff,
        str(application.pk),
        {"call": application.call.slug},
    )


def test_dossier_of_an_application_not_reviewed(client, staff):
    application = submitted_application(call=make_call(), status=S.INELIGIBLE, documents=False)
    response = client.get(dossier_url(application))
    html = response.content.decode()
    assert "This application did not go to review: no scoreboard figures." in html
    assert "No submitted review." in html
    assert "Not on a list now." in html
    assert "No funding decision recorded." in html


def dossier_queries(client, application) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(dossier_url(application)).status_code == 200
    return len(queries)


def test_dossier_query_count_does_not_grow_with_reviews(client, staff):
    application = submitted_application(call=make_call(), status=S.FUNDED, documents=False)
    review_by("Expert One", application, [4, 4], "One.")
    one = dossier_queries(client, application)
    review_by("Expert Two", application, [3, 3], "Two.")
    review_by("Expert Three", application, [2, None], "Three.")
    place_on_list(application, kind="main", position=1)
    FundingDecisionFactory(application=application)
    assert dossier_queries(client, application) == one


# --- Who may see it -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, application):
    response = client.get(dossier_url(application))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["applicant", "reviewer", "partner_lead", "correspondent"])
def test_everyone_but_programme_staff_gets_404(client, application, who):
    if who == "applicant":
        user = application.coordinator
    elif who == "reviewer":
        user = UserFactory()
        expert = application.assignments.filter(is_active=True).first().invitation.expert
        expert.user = user
        expert.save()
    elif who == "partner_lead":
        user = UserFactory(email=application.partners.first().lead_email)
    else:
        user = correspondent_of("INP")  # an institute the application involves
    client.force_login(user)
    assert client.get(dossier_url(application)).status_code == 404
    assert not AuditEvent.objects.filter(verb=DOSSIER_VERB).exists()


def test_staff_never_read_the_dossier_of_their_own_application(client, application):
    coordinator = application.coordinator
    coordinator.is_programme_staff = True
    coordinator.save()
    client.force_login(coordinator)
    assert client.get(dossier_url(application)).status_code == 404


def test_application_of_another_call_or_post_is_refused(client, staff, application):
    other_call = make_call()
    wrong = reverse("reviews:dossier", args=[other_call.slug, application.pk])
    assert client.get(wrong).status_code == 404
    assert client.post(dossier_url(application)).status_code == 405


def test_dossier_needs_a_recent_login(client, application, stale_login):
    client.force_login(StaffFactory())
    stale_login(client)
    response = client.get(dossier_url(application))
    assert response.status_code == 302
    assert response["Location"] == reauth_url(dossier_url(application))
    assert not AuditEvent.objects.filter(verb=DOSSIER_VERB).exists()


def test_dossier_says_when_it_was_prepared_as_french_writes_dates(client, application):
    client.force_login(StaffFactory(language="fr"))
    html = client.get(dossier_url(application)).content.decode()
    assert re.search(r"Préparé le \d{1,2} [a-zéû]+ \d{4} à \d{1,2}\xa0h", html)
    assert not re.search(r"Préparé le [^<]*\d\d:\d\d", html)
