"""Balanced loads, as the proposal page promises: a convex load cost with one setting
staff understand ("how much fit may be traded for even loads"), still optimal (checked
against an independent optimum), and the load range shown with a warning when wider than
the setting lets affinity justify."""

import random
import re

import numpy as np
import pytest
from django.urls import reverse
from scipy.optimize import Bounds, LinearConstraint, milp

from reviews.assignment.solver import SCALE, propose_assignment, widest_gap
from reviews.models import AssignmentProposal
from tests.factories.accounts import StaffFactory
from tests.reviews.test_assignment_proposal import make_call, propose, staff_conflict

APPS = [f"A{i}" for i in range(5)]


def test_five_applications_and_two_roomy_experts_share_the_load_by_default():
    # The better expert fits each application by 0.30 more: not enough for all five.
    affinity = {(a, "E1"): 0.5 for a in APPS} | {(a, "E2"): 0.2 for a in APPS}

    proposal = propose_assignment(
        applications=APPS, experts=[("E1", 8), ("E2", 8)], affinity=affinity, k=1
    )

    assert proposal.loads == {"E1": 3, "E2": 2}


@pytest.mark.parametrize(
    ("balance", "loads"),
    [(0, {"E1": 5, "E2": 0}), (0.1, {"E1": 4, "E2": 1}), (1, {"E1": 3, "E2": 2})],
)
def test_the_setting_trades_fit_for_even_loads(balance, loads):
    affinity = {(a, "E1"): 0.5 for a in APPS} | {(a, "E2"): 0.2 for a in APPS}

    proposal = propose_assignment(
        applications=APPS,
        experts=[("E1", 8), ("E2", 8)],
        affinity=affinity,
        k=1,
        balance_penalty=balance,
    )

    assert proposal.loads == loads


@pytest.mark.parametrize(("balance", "gap"), [(0, None), (0.25, 5), (0.3, 4), (1, 2)])
def test_widest_gap_an_optimal_proposal_can_keep(balance, gap):
    assert widest_gap(balance) == gap


def convex_cost(pairs, affinity, balance):
    """The documented cost: one minus affinity per pair, and the t-th review of an expert
    costs balance * (t - 1), in the solver's integer units."""
    loads: dict = {}
    cost = 0
    for a, e in pairs:
        cost += SCALE - round(affinity[a, e] * SCALE)
        cost += round(balance * SCALE * loads.get(e, 0))
        loads[e] = loads.get(e, 0) + 1
    return cost


def milp_optimum(apps, experts, affinity, k, forbidden, balance):
    """The same problem as a mixed-integer programme solved by HiGHS: a binary per
    allowed pair and per expert place, each place dearer than the one before."""
    allowed = [(a, e) for a in apps for e, _cap in experts if (a, e) not in forbidden]
    places = [(e, t) for e, cap in experts for t in range(cap)]
    n_x = len(allowed)
    cost = [SCALE - round(affinity[p] * SCALE) for p in allowed]
    cost += [round(balance * SCALE * t) for _e, t in places]
    rows, lower, upper = [], [], []
    for a in apps:  # k reviewers per application
        rows.append([1 if p[0] == a else 0 for p in allowed] + [0] * len(places))
        lower.append(k)
        upper.append(k)
    for e, _cap in experts:  # an expert's pairs fill as many of their places
        rows.append(
            [1 if p[1] == e else 0 for p in allowed] + [-1 if q[0] == e else 0 for q in places]
        )
        lower.append(0)
        upper.append(0)
    result = milp(
        c=np.array(cost, dtype=float),
        constraints=LinearConstraint(np.array(rows, dtype=float), lower, upper),
        integrality=np.ones(n_x + len(places)),
        bounds=Bounds(0, 1),
    )
    return None if result.status != 0 else round(result.fun)


@pytest.mark.parametrize("seed", range(12))
def test_proposal_is_optimal_for_the_convex_cost_against_an_independent_milp(seed):
    rng = random.Random(seed)
    apps = [f"A{i}" for i in range(7)]
    experts = [(f"E{j}", rng.randint(2, 6)) for j in range(4)]
    affinity = {(a, e): rng.randint(0, 20) / 20 for a in apps for e, _cap in experts}
    forbidden = {p for p in affinity if rng.random() < 0.15}
    balance = rng.choice([0.05, 0.1, 0.25, 0.5, 1.0])

    best = milp_optimum(apps, experts, affinity, 2, forbidden, balance)
    proposal = propose_assignment(
        applications=apps,
        experts=experts,
        affinity=affinity,
        k=2,
        forbidden=forbidden,
        balance_penalty=balance,
    )

    if best is None:  # no complete assignment exists: the solver says so
        assert not proposal.is_complete
        return
    assert proposal.is_complete
    pairs = [(p.application, p.expert) for p in proposal.pairs]
    assert convex_cost(pairs, affinity, balance) == best


# --- The proposal, its setting and its page -----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("balance", "loads"), [(0, [0, 5]), (1, [2, 3])])
def test_staff_setting_is_used_by_the_proposal(balance, loads, django_capture_on_commit_callbacks):
    call, apps, invitations = make_call(applications=5, reviewers=2, k=1, max_load=8)
    for app in apps:  # every application on the first reviewer's topic
        app.keywords, app.abstract = ["turbulence"], "Neural operators learn turbulent flows."
        app.save()

    proposal = propose(call, StaffFactory(), django_capture_on_commit_callbacks, balance=balance)

    counts = sorted(sum(1 for p in proposal.result["pairs"] if p["i"] == i.pk) for i in invitations)
    assert counts == loads
    assert proposal.balance == balance
    assert proposal.result["stats"]["balance"] == balance


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("applications", "language", "expected"),
    [
        (2, "fr", "1 évaluation par expert"),
        (2, "en", "1 review per reviewer"),
        (4, "fr", "2 évaluations par expert"),
        (4, "en", "2 reviews per reviewer"),
    ],
)
def test_proposal_page_says_the_load_once_when_every_reviewer_has_the_same(
    client, django_capture_on_commit_callbacks, applications, language, expected
):
    staff = StaffFactory()
    client.force_login(staff)
    call, _apps, _invitations = make_call(applications=applications, reviewers=2, k=1)
    proposal = propose(call, staff, django_capture_on_commit_callbacks, balance=1)
    client.cookies["django_language"] = language
    response = client.get(reverse("reviews:proposal", args=[call.slug, proposal.pk]))
    shown = re.search(r'data-testid="load-range">([^<]*)<', response.content.decode()).group(1)
    assert shown == expected


@pytest.mark.django_db
def test_proposal_page_shows_the_load_range_and_explains_affinity(
    client, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    client.force_login(staff)
    call, _apps, _invitations = make_call(applications=5, reviewers=2, k=1, max_load=8)
    proposal = propose(call, staff, django_capture_on_commit_callbacks, balance=1)

    response = client.get(reverse("reviews:proposal", args=[call.slug, proposal.pk]))

    spread = response.context["view"].loads
    assert (spread.lowest, spread.highest, spread.too_wide) == (2, 3, False)
    content = response.content.decode()
    assert "from 2 to 3 reviews per reviewer" in content
    assert "What the affinity numbers mean" in content
    assert 'data-testid="uneven-loads"' not in content


@pytest.mark.django_db
def test_proposal_page_warns_when_loads_are_wider_than_the_setting_allows(
    client, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    client.force_login(staff)
    call, apps, invitations = make_call(applications=5, reviewers=2, k=1, max_load=8)
    for app in apps:  # the second reviewer may review none of them
        staff_conflict(invitations[1], app)
    proposal = propose(call, staff, django_capture_on_commit_callbacks, balance=1)

    response = client.get(reverse("reviews:proposal", args=[call.slug, proposal.pk]))

    spread = response.context["view"].loads
    assert (spread.lowest, spread.highest, spread.gap, spread.widest_allowed) == (0, 5, 5, 2)
    assert spread.too_wide is True
    assert 'data-testid="uneven-loads"' in response.content.decode()


@pytest.mark.django_db
def test_a_setting_outside_zero_to_one_is_refused_with_a_message(client):
    client.force_login(StaffFactory())
    call, _apps, _invitations = make_call()

    response = client.post(
        reverse("reviews:proposal_request", args=[call.slug]), {"balance": "1.5"}, follow=True
    )

    assert not AssignmentProposal.objects.exists()
    assert any("less than or equal to 1" in str(m) for m in response.context["messages"])
