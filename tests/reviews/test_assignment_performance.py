"""A proposal for 1,000 applications and 300 reviewers, end to end through the service
(conflict detection, affinity, min-cost flow, explanations, saving), in bounded time and a
bounded number of queries. The data are written with bulk_create, no view involved."""

import random
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls.models import Application, ApplicationStatus, Partner, Unit
from reviews.models import (
    AssignmentProposal,
    Conflict,
    ConflictStatus,
    Expert,
    Invitation,
    InvitationStatus,
    ProposalStatus,
)
from reviews.selectors.proposals import proposal_loads
from reviews.services.assignment import request_proposal
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory, institute

pytestmark = pytest.mark.django_db

APPLICATIONS = 1000
REVIEWERS = 300
MAX_LOAD = 12
PLANTED = 30  # reviewers who work in a partner unit (same e-mail domain)
LIMIT_SECONDS = 20

FIELDS = [
    "turbulence", "proteins", "galaxies", "climate", "genomics", "materials", "epidemiology",
    "neuroscience", "linguistics", "archaeology", "seismology", "catalysis", "optics",
    "ecology", "oceanography", "cosmology", "robotics", "economics", "chemistry", "agronomy",
]  # fmt: skip
METHODS = [
    "deep learning", "graph networks", "bayesian inference", "reinforcement learning",
    "transformers", "causal inference", "symbolic regression", "active learning",
    "generative models", "uncertainty quantification", "optimal transport", "kernel methods",
]  # fmt: skip
WORDS = [
    "model", "data", "simulation", "prediction", "learning", "network", "signal", "image",
    "sequence", "structure", "dynamics", "inference", "measurement", "survey", "experiment",
    "theory", "uncertainty", "scale", "sensor", "surrogate", "spectra", "field", "molecule",
    "cell", "flow", "particle", "climate", "species", "text", "corpus",
]  # fmt: skip


def text(rng: random.Random, field: str, method: str, n: int) -> str:
    return f"{method} for {field}. " + " ".join(rng.choice(WORDS) for _ in range(n))


def build_call(rng: random.Random):
    call = CallFactory(with_rules=False, reviews_per_application=3)
    coordinator = UserFactory()
    first, second = institute("INS2I"), institute("INP")
    units = Unit.objects.bulk_create(
        Unit(
            unit_type="UMR",
            number=str(10000 + u),
            label=Unit.make_label("UMR", str(10000 + u)),
            name=f"Unit {u}",
            acronym=f"U{u}",
            main_institute=first if u % 2 else second,
            email_domains=[f"lab{u}.univ{u}.fr"],
        )
        for u in range(200)
    )
    applications = Application.objects.bulk_create(
        Application(
            call=call,
            coordinator=coordinator,
            status=ApplicationStatus.ELIGIBLE,
            reference=f"PERF-{i:04d}",
            title=f"Project {i}",
            acronym=f"P{i}",
            keywords=[FIELDS[i % len(FIELDS)], METHODS[i % len(METHODS)]],
            abstract=text(rng, FIELDS[i % len(FIELDS)], METHODS[i % len(METHODS)], 120),
        )
        for i in range(APPLICATIONS)
    )
    Partner.objects.bulk_create(
        Partner(
            application=application,
            unit=units[(i + offset * 7) % len(units)],
            institute=units[(i + offset * 7) % len(units)].main_institute,
            lead_name=f"Lead {i}-{offset}",
            lead_email=f"lead{i}.{offset}@lab{(i + offset * 7) % len(units)}.univ"
            f"{(i + offset * 7) % len(units)}.fr",
            position=offset,
        )
        for i, application in enumerate(applications)
        for offset in range(2)
    )
    experts = Expert.objects.bulk_create(
        Expert(
            full_name=f"Reviewer {j}",
            # The first PLANTED reviewers work in a partner unit (same e-mail domain).
            email=f"r{j}@lab{j}.univ{j}.fr" if j < PLANTED else f"r{j}@inst{j}.example.net",
            institution=f"Institute {j}",
            keywords=[FIELDS[j % len(FIELDS)], METHODS[(j * 5) % len(METHODS)]],
            statement=text(rng, FIELDS[j % len(FIELDS)], METHODS[(j * 5) % len(METHODS)], 40),
        )
        for j in range(REVIEWERS)
    )
    Invitation.objects.bulk_create(
        Invitation(call=call, expert=expert, status=InvitationStatus.ACCEPTED, max_load=MAX_LOAD)
        for expert in experts
    )
    return call


def test_proposal_for_1000_applications_and_300_reviewers(django_capture_on_commit_callbacks):
    call = build_call(random.Random(20250101))
    staff = StaffFactory()

    started = time.perf_counter()
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        request_proposal(call=call, by=staff)
    elapsed = time.perf_counter() - started
    proposal = AssignmentProposal.objects.get(call=call)
    stats = proposal.result["stats"]
    print(
        f"\nProposal for {APPLICATIONS} applications x {REVIEWERS} reviewers: "
        f"{elapsed:.2f} s end to end (solver {stats['solve_seconds']} s, "
        f"{len(queries.captured_queries)} queries)"
    )

    assert proposal.status == ProposalStatus.READY, proposal.error
    assert elapsed < LIMIT_SECONDS
    assert len(queries.captured_queries) < 60  # no query per application or reviewer
    pairs = proposal.result["pairs"]
    assert len(pairs) == 3 * APPLICATIONS and proposal.result["unmet"] == []
    assert {p["a"] for p in pairs} == set(proposal.result["applications"])
    assert max(proposal_loads(proposal.result).values()) <= MAX_LOAD
    confirmed = set(
        Conflict.objects.filter(
            application__call=call, status=ConflictStatus.CONFIRMED
        ).values_list("application_id", "invitation_id")
    )
    assert len(confirmed) >= PLANTED  # each planted reviewer shares a partner's domain
    assert not confirmed & {(p["a"], p["i"]) for p in pairs}
    assert all(p["terms"] for p in pairs)
