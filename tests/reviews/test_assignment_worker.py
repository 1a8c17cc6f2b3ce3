"""The real path of a proposal: the staff's request commits, the task goes through the
broker, a real Celery worker computes the proposal and reports its progress, which the
page's endpoint serves until the proposal is ready.

Needs PostgreSQL (shared with the worker process) and a broker; skips, saying so, when one
is absent.
"""

import time

import pytest
from django.urls import reverse

from reviews.models import AssignmentProposal, ProposalStatus
from tests.factories.accounts import StaffFactory
from tests.factories.calls import CallFactory
from tests.factories.reviews import InvitationFactory, eligible_application

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(120),
]


def test_proposal_is_computed_by_a_worker_through_the_broker(client, start_celery_worker):
    start_celery_worker()
    call = CallFactory(reviews_per_application=2)
    applications = [eligible_application(call, acronym=f"APP{i}") for i in range(4)]
    for i in range(4):
        InvitationFactory(call=call, max_load=2, expert__full_name=f"Reviewer {i}")
    client.force_login(StaffFactory())

    response = client.post(reverse("reviews:proposal_request", args=[call.slug]))

    proposal = AssignmentProposal.objects.get()
    assert response["Location"] == reverse("reviews:proposal", args=[call.slug, proposal.pk])
    status_url = reverse("reviews:proposal_status", args=[call.slug, proposal.pk])
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        data = client.get(status_url).json()
        seen.append((data["status"], data["progress"]))
        if not data["pending"]:
            break
        time.sleep(0.2)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.READY, (seen, proposal.error)
    assert seen[-1] == ("ready", 100)
    progress = [p for _s, p in seen]
    assert progress == sorted(progress)  # it only moves forward
    assert len(proposal.result["pairs"]) == 8
    assert {p["a"] for p in proposal.result["pairs"]} == {a.pk for a in applications}
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert len(page.context["view"].rows) == 4
