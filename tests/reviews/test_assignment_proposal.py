"""Assignment proposals: computed in process in the embedded mode, caps and conflicts always
respected, shortfalls explained, staff's edits, confirmation (assignments, mails, status
changes), a stale proposal checked again pair by pair, and the progress endpoint."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from calls.models import ApplicationStatus, ExcludedReviewer
from reviews.models import (
    Assignment,
    AssignmentProposal,
    Conflict,
    ConflictSource,
    ConflictStatus,
    ProposalStatus,
)
from reviews.services.assignment import (
    AssignmentError,
    confirm_proposal,
    drop_pair,
    replace_pair,
    request_proposal,
    run_proposal,
)
from tests.accounts.helpers import messages_of
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory
from tests.factories.reviews import (
    AssignmentFactory,
    ConflictFactory,
    InvitationFactory,
    eligible_application,
)

pytestmark = pytest.mark.django_db

TOPICS = [
    ("turbulence", "Neural operators learn turbulent flows from fluid simulations."),
    ("proteins", "Graph networks predict protein folding and molecular binding."),
    ("galaxies", "Deep learning classifies galaxies in telescope survey images."),
]


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def make_call(*, applications=3, reviewers=3, k=2, max_load=2):
    """Applications and reviewers on three topics; reviewer i knows topic i."""
    call = CallFactory(reviews_per_application=k)
    apps = [
        eligible_application(
            call,
            acronym=f"APP{i}",
            keywords=[TOPICS[i % 3][0]],
            abstract=TOPICS[i % 3][1],
        )
        for i in range(applications)
    ]
    invitations = [
        InvitationFactory(
            call=call,
            max_load=max_load,
            expert__full_name=f"Reviewer {i}",
            expert__keywords=[TOPICS[i % 3][0]],
            expert__statement=TOPICS[i % 3][1],
        )
        for i in range(reviewers)
    ]
    return call, apps, invitations


def staff_conflict(invitation, application):
    """A conflict staff recorded: detection never removes it."""
    return ConflictFactory(
        invitation=invitation,
        application=application,
        source=ConflictSource.STAFF,
        status=ConflictStatus.CONFIRMED,
    )


def suspect(invitation, application):
    """The applicants asked to exclude someone with the reviewer's name (no institution):
    detection finds a suspected conflict."""
    ExcludedReviewer.objects.create(application=application, name=invitation.expert.full_name)


def propose(call, by, capture, **kwargs) -> AssignmentProposal:
    with capture(execute=True):
        proposal = request_proposal(call=call, by=by, **kwargs)
    proposal.refresh_from_db()
    return proposal


def pairs(proposal, *, existing=None):
    return {
        (p["a"], p["i"])
        for p in proposal.result["pairs"]
        if not p.get("dropped") and (existing is None or p["existing"] == existing)
    }


def test_request_from_the_page_computes_the_proposal(
    staff_client, staff, django_capture_on_commit_callbacks
):
    call, apps, invitations = make_call()
    url = reverse("reviews:proposal_request", args=[call.slug])

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url)

    proposal = AssignmentProposal.objects.get()
    assert response["Location"] == reverse("reviews:proposal", args=[call.slug, proposal.pk])
    assert (proposal.status, proposal.progress, proposal.requested_by) == (
        ProposalStatus.READY,
        100,
        staff,
    )
    result = proposal.result
    assert result["k"] == 2 and result["applications"] == [a.pk for a in apps]
    assert len(pairs(proposal)) == 6
    by_app = {a.pk: [p["i"] for p in result["pairs"] if p["a"] == a.pk] for a in apps}
    # Each application gets its expert first (highest affinity), loads stay within caps.
    assert [ids[0] for ids in by_app.values()] == [i.pk for i in invitations]
    first = result["pairs"][0]
    assert first["aff"] > 0.3 and first["kw"] == ["turbulence"]
    assert {"flow", "turbulence"} <= set(first["terms"])
    page = staff_client.get(response["Location"])
    assert page.status_code == 200
    assert [r["load"] for r in page.context["view"].reviewers] == [2, 2, 2]
    assert "turbulence" in page.content.decode()


def test_caps_and_conflicts_are_respected(staff, django_capture_on_commit_callbacks):
    call, apps, invitations = make_call(applications=2, reviewers=3, k=1, max_load=1)
    staff_conflict(invitations[0], apps[0])
    suspect(invitations[1], apps[1])

    proposal = propose(call, staff, django_capture_on_commit_callbacks)

    assert Conflict.objects.get(invitation=invitations[1]).status == ConflictStatus.SUSPECTED
    chosen = pairs(proposal)
    assert (apps[0].pk, invitations[0].pk) not in chosen
    assert (apps[1].pk, invitations[1].pk) not in chosen
    assert len(chosen) == 2
    loads = [sum(1 for _a, i in chosen if i == inv.pk) for inv in invitations]
    assert max(loads) == 1


def test_suspected_conflicts_are_allowed_on_request(staff, django_capture_on_commit_callbacks):
    call, apps, invitations = make_call(applications=1, reviewers=1, k=1)
    suspect(invitations[0], apps[0])

    strict = propose(call, staff, django_capture_on_commit_callbacks)
    lenient = propose(call, staff, django_capture_on_commit_callbacks, allow_suspected=True)

    assert pairs(strict) == set()
    assert strict.result["unmet"][0]["conflicted"] == 1
    assert pairs(lenient) == {(apps[0].pk, invitations[0].pk)}
    strict.refresh_from_db()
    assert strict.status == ProposalStatus.SUPERSEDED


def test_shortfalls_are_explained(staff_client, staff, django_capture_on_commit_callbacks):
    call, apps, invitations = make_call(applications=3, reviewers=2, k=2, max_load=2)
    blocked = eligible_application(call, acronym="BLOCKED")
    for invitation in invitations:
        staff_conflict(invitation, blocked)

    proposal = propose(call, staff, django_capture_on_commit_callbacks)
    page = staff_client.get(reverse("reviews:proposal", args=[call.slug, proposal.pk]))

    rows = {r.application.acronym: r for r in page.context["view"].rows}
    assert rows["BLOCKED"].unmet == (
        "2 reviewers are missing: only 0 experts without a conflict have a free place "
        "(2 with a conflict, 0 already full)."
    )
    assert sum(r.covered for r in rows.values()) == 4  # every place is used
    short = [r for key, r in rows.items() if key != "BLOCKED" and r.unmet]
    assert len(short) == 2
    assert all(r.unmet.startswith("1 reviewer is missing") for r in short)
    assert all("fewer places than reviews asked" in r.unmet for r in short)
    assert page.context["view"].unmet_total == 3


def test_existing_assignments_are_kept_and_counted(staff, django_capture_on_commit_callbacks):
    call, apps, invitations = make_call(applications=1, reviewers=3, k=2, max_load=1)
    AssignmentFactory(invitation=invitations[2], application=apps[0])
    elsewhere = eligible_application(call)
    elsewhere.status = ApplicationStatus.SHORTLISTED
    elsewhere.save(update_fields=["status"])
    AssignmentFactory(invitation=invitations[1], application=elsewhere)  # Reviewer 1 is full

    proposal = propose(call, staff, django_capture_on_commit_callbacks)

    assert pairs(proposal, existing=True) == {(apps[0].pk, invitations[2].pk)}
    assert pairs(proposal, existing=False) == {(apps[0].pk, invitations[0].pk)}


def test_confirm_creates_assignments_mails_and_moves_applications(
    staff_client, staff, django_capture_on_commit_callbacks
):
    call, apps, invitations = make_call()
    proposal = propose(call, staff, django_capture_on_commit_callbacks)

    response = staff_client.post(
        reverse("reviews:proposal_confirm", args=[call.slug, proposal.pk]), follow=True
    )

    assert messages_of(response) == ["6 assignments created; the reviewers will be told by e-mail."]
    created = Assignment.objects.filter(is_active=True)
    assert {(a.application_id, a.invitation_id) for a in created} == pairs(proposal)
    first = created.get(application=apps[0], invitation=invitations[0])
    assert first.affinity > 0.3 and "turbulence" in first.shared_terms
    assert first.created_by == staff
    assert {a.status for a in call.applications.all()} == {ApplicationStatus.IN_REVIEW}
    assert AuditEvent.objects.filter(verb="application.status.in_review").count() == 3
    mails = OutboxMessage.objects.filter(event="review_assignment")
    assert sorted(m.to_email for m in mails) == sorted(i.expert.email for i in invitations)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.confirmed_by, proposal.outcome["created"]) == (
        ProposalStatus.CONFIRMED,
        staff,
        6,
    )
    assert AuditEvent.objects.filter(verb="assignment.created").count() == 6
    again = staff_client.post(
        reverse("reviews:proposal_confirm", args=[call.slug, proposal.pk]), follow=True
    )
    assert messages_of(again)[-1] == (
        "This proposal is \u201cConfirmed\u201d: it can no longer be changed."
    )
    assert Assignment.objects.count() == 6


def test_stale_proposal_refuses_pairs_no_longer_valid(
    staff_client, staff, django_capture_on_commit_callbacks
):
    call, apps, invitations = make_call()
    proposal = propose(call, staff, django_capture_on_commit_callbacks)
    # Since then: a conflict is confirmed, a reviewer got another application by hand.
    staff_conflict(invitations[0], apps[0])
    AssignmentFactory(invitation=invitations[1], application=eligible_application(call))
    page = staff_client.get(reverse("reviews:proposal", args=[call.slug, proposal.pk]))
    assert page.context["view"].stale

    outcome = confirm_proposal(proposal=proposal, by=staff)

    refused = {(p["a"], p["i"]): r.code for p, r in outcome.refused}
    second_of_reviewer_1 = sorted((a, i) for a, i in pairs(proposal) if i == invitations[1].pk)[1]
    assert refused == {
        (apps[0].pk, invitations[0].pk): "conflict",
        second_of_reviewer_1: "cap",
    }
    assert outcome.stale
    created = {(a.application_id, a.invitation_id) for a in outcome.created}
    assert created == pairs(proposal) - set(refused)
    assert Assignment.objects.filter(invitation=invitations[1], is_active=True).count() == 2
    messages = {r.code: r.message for _p, r in outcome.refused}
    assert messages["conflict"] == (
        f"Reviewer 0 has a confirmed conflict of interest with {apps[0]} and cannot be "
        "assigned to it."
    )
    assert messages["cap"] == (
        "Reviewer 1 already has 2 applications to review, their maximum is 2."
    )


def test_confirm_refuses_a_withdrawn_application(staff, django_capture_on_commit_callbacks):
    call, apps, invitations = make_call(applications=2, reviewers=2, k=1, max_load=1)
    proposal = propose(call, staff, django_capture_on_commit_callbacks)
    apps[1].status = ApplicationStatus.WITHDRAWN
    apps[1].save(update_fields=["status"])

    outcome = confirm_proposal(proposal=proposal, by=staff)

    assert [(p["a"], r.code) for p, r in outcome.refused] == [(apps[1].pk, "application_status")]
    assert [r.message for _p, r in outcome.refused] == [
        f"{apps[1]} is \u201cWithdrawn\u201d: reviewers can only be added to eligible "
        "applications and applications in review."
    ]
    assert [a.application for a in outcome.created] == [apps[0]]


def test_stale_confirm_through_the_page_says_what_was_refused(
    staff_client, staff, django_capture_on_commit_callbacks
):
    call, apps, invitations = make_call()
    proposal = propose(call, staff, django_capture_on_commit_callbacks)
    staff_conflict(invitations[0], apps[0])

    response = staff_client.post(
        reverse("reviews:proposal_confirm", args=[call.slug, proposal.pk]), follow=True
    )

    assert messages_of(response) == [
        "5 assignments created; the reviewers will be told by e-mail.",
        "Assignments or conflicts changed since this proposal was computed: every pair was "
        "checked again.",
        f"Not assigned: Reviewer 0 has a confirmed conflict of interest with {apps[0]} and "
        "cannot be assigned to it.",
    ]


def test_staff_drop_and_replace_pairs(staff_client, staff, django_capture_on_commit_callbacks):
    call, apps, invitations = make_call(applications=2, reviewers=4, k=1, max_load=2)
    proposal = propose(call, staff, django_capture_on_commit_callbacks)
    edit = reverse("reviews:proposal_edit", args=[call.slug, proposal.pk])
    first, second = sorted(pairs(proposal))
    candidate = proposal.result["candidates"][str(second[0])][0]["i"]

    staff_client.post(edit, {"action": "drop", "application": first[0], "invitation": first[1]})
    staff_client.post(
        edit,
        {
            "action": "replace",
            "application": second[0],
            "invitation": second[1],
            "new_invitation": candidate,
        },
    )
    confirm_proposal(proposal=proposal, by=staff)

    assert {(a.application_id, a.invitation_id) for a in Assignment.objects.all()} == {
        (second[0], candidate)
    }
    edits = AuditEvent.objects.filter(verb="assignment.proposal_edited").order_by("pk")
    actions = [e.data["action"] for e in edits]
    assert actions == ["drop", "replace"]


def test_edits_are_checked(staff, django_capture_on_commit_callbacks):
    call, apps, invitations = make_call(applications=2, reviewers=2, k=1, max_load=1)
    proposal = propose(call, staff, django_capture_on_commit_callbacks)
    (a, i), (b, j) = sorted(pairs(proposal))

    with pytest.raises(AssignmentError, match="not a candidate"):
        replace_pair(
            proposal=proposal, by=staff, application_id=a, invitation_id=i, new_invitation_id=j
        )
    with pytest.raises(AssignmentError, match="not in the proposal"):
        drop_pair(proposal=proposal, by=staff, application_id=a, invitation_id=j)
    drop_pair(proposal=proposal, by=staff, application_id=a, invitation_id=i)
    with pytest.raises(AssignmentError, match="already left out"):
        drop_pair(proposal=proposal, by=staff, application_id=a, invitation_id=i)
    drop_pair(proposal=proposal, by=staff, application_id=a, invitation_id=i, restore=True)
    proposal.refresh_from_db()
    assert pairs(proposal) == {(a, i), (b, j)}


def test_a_second_request_waits_for_the_first(staff_client, staff):
    call, *_ = make_call()
    AssignmentProposal.objects.create(call=call, requested_by=staff)

    response = staff_client.post(reverse("reviews:proposal_request", args=[call.slug]), follow=True)

    assert AssignmentProposal.objects.count() == 1
    assert messages_of(response) == [
        "A proposal is already being computed for this call: wait for it to finish."
    ]


def test_running_the_task_twice_is_safe(staff, django_capture_on_commit_callbacks):
    call, *_ = make_call()
    proposal = propose(call, staff, django_capture_on_commit_callbacks)

    assert run_proposal(proposal_id=proposal.pk) == ProposalStatus.READY
    before = proposal.result
    proposal.refresh_from_db()
    assert proposal.result == before


# --- Progress endpoint --------------------------------------------------------------


def status_url(proposal):
    return reverse("reviews:proposal_status", args=[proposal.call.slug, proposal.pk])


def test_progress_endpoint_reports_status_and_percentage(staff_client, staff):
    call, *_ = make_call()
    proposal = AssignmentProposal.objects.create(call=call, requested_by=staff)

    queued = staff_client.get(status_url(proposal)).json()
    AssignmentProposal.objects.filter(pk=proposal.pk).update(
        status=ProposalStatus.RUNNING, progress=35, stage="affinity"
    )
    running = staff_client.get(status_url(proposal)).json()
    run_page = staff_client.get(reverse("reviews:proposal", args=[call.slug, proposal.pk]))
    AssignmentProposal.objects.filter(pk=proposal.pk).update(
        status=ProposalStatus.FAILED, error="Boom"
    )
    failed = staff_client.get(status_url(proposal))

    assert queued == {
        "status": "queued",
        "status_label": "Waiting for a worker",
        "progress": 0,
        "stage": "",
        "pending": True,
        "error": "",
    }
    assert (running["progress"], running["stage"], running["pending"]) == (
        35,
        "Measuring expertise affinity",
        True,
    )
    content = run_page.content.decode()
    assert 'data-status-url="' + status_url(proposal) + '"' in content
    assert 'js/assignment_progress.js"></script>' in content
    assert '<progress id="proposal-progress-bar" class="w-100" max="100" value="35">' in content
    assert failed.json()["pending"] is False and failed.json()["error"] == "Boom"
    assert failed["Cache-Control"] == "no-store"


# --- Who may reach it ---------------------------------------------------------------


def proposal_urls(proposal):
    slug, pk = proposal.call.slug, proposal.pk
    return {
        "page": reverse("reviews:proposal", args=[slug, pk]),
        "status": reverse("reviews:proposal_status", args=[slug, pk]),
        "edit": reverse("reviews:proposal_edit", args=[slug, pk]),
        "confirm": reverse("reviews:proposal_confirm", args=[slug, pk]),
        "request": reverse("reviews:proposal_request", args=[slug]),
    }


def test_anonymous_visitors_are_sent_to_login(client, staff, django_capture_on_commit_callbacks):
    call, *_ = make_call()
    proposal = propose(call, staff, django_capture_on_commit_callbacks)
    urls = proposal_urls(proposal)

    for name in ("page", "status"):
        response = client.get(urls[name])
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    for name in ("confirm", "request"):
        assert client.post(urls[name]).status_code == 302
    assert not Assignment.objects.exists()
    assert AssignmentProposal.objects.count() == 1


@pytest.mark.parametrize("role", ["applicant", "reviewer"])
def test_applicants_and_reviewers_get_404(client, staff, role, django_capture_on_commit_callbacks):
    call, apps, invitations = make_call()
    proposal = propose(call, staff, django_capture_on_commit_callbacks)
    urls = proposal_urls(proposal)
    if role == "applicant":
        user = apps[0].coordinator
    else:
        user = UserFactory()
        invitations[0].expert.user = user
        invitations[0].expert.save()
    client.force_login(user)

    for name in ("page", "status"):
        assert client.get(urls[name]).status_code == 404
    for name in ("edit", "confirm", "request"):
        assert client.post(urls[name], {"action": "drop"}).status_code == 404
    assert not Assignment.objects.exists()
    assert AssignmentProposal.objects.count() == 1
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.READY


def test_another_calls_proposal_is_not_found(staff_client, staff):
    call, *_ = make_call()
    other, *_ = make_call()
    proposal = AssignmentProposal.objects.create(call=other, requested_by=staff)

    url = reverse("reviews:proposal", args=[call.slug, proposal.pk])
    assert staff_client.get(url).status_code == 404


# --- Query counts -------------------------------------------------------------------


@pytest.mark.parametrize("small, large", [(1, 3), (3, 30)])
def test_proposal_page_queries_do_not_grow_with_pairs(
    staff_client, staff, small, large, django_capture_on_commit_callbacks
):
    counts = []
    for size in (small, large):
        call, *_ = make_call(applications=size, reviewers=6, k=2, max_load=20)
        proposal = propose(call, staff, django_capture_on_commit_callbacks)
        url = reverse("reviews:proposal", args=[call.slug, proposal.pk])
        staff_client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(url)
        assert len(response.context["view"].rows) == size
        assert sum(len(r.pairs) for r in response.context["view"].rows) == 2 * size
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("language", "summary", "scale"),
    [
        ("en", "What the affinity numbers mean", "Affinity, from 0 to 1,"),
        ("fr", "Ce que signifient les valeurs d’affinité", "L’affinité, de 0 à 1,"),
    ],
)
def test_the_affinity_numbers_are_explained_where_they_appear(
    staff_client, staff, django_capture_on_commit_callbacks, language, summary, scale
):
    call, _apps, _invitations = make_call(applications=2, reviewers=2, k=1, max_load=2)
    proposal = propose(call, staff, django_capture_on_commit_callbacks)
    staff_client.cookies["django_language"] = language

    html = staff_client.get(reverse("reviews:proposal", args=[call.slug, proposal.pk]))

    content = html.content.decode()
    help_start = content.index('data-testid="affinity-help"')
    first_number = content.index('title="Affinit')  # the first figure shown
    assert help_start < first_number  # the explanation comes before the figures
    assert summary in content and scale in content
