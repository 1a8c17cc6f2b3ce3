"""Conflict detection over the database: planted conflicts are found and stored as rows,
CNRS and its domains never make a conflict, staff rulings survive a new detection, and
detection runs again when an application or an expert changes."""

import pytest

from aissai.audit.models import AuditEvent
from calls.models import ApplicationStatus, ExcludedReviewer, ParentInstitution
from reviews.models import Conflict, ConflictSource, ConflictStatus
from reviews.selectors.conflicts import blocked_pairs, has_confirmed_conflict
from reviews.selectors.detection_inputs import detection_inputs
from reviews.services.conflicts import detect_and_store, rule_on_conflict
from tests.factories.accounts import StaffFactory
from tests.factories.calls import (
    ApplicationFactory,
    CallFactory,
    PartnerFactory,
    UnitFactory,
    institute,
)
from tests.factories.reviews import ConflictFactory, InvitationFactory, eligible_application

pytestmark = pytest.mark.django_db


def reviewer(call, name, email, institution="Independent Research Institute", **fields):
    return InvitationFactory(
        call=call,
        expert__full_name=name,
        expert__email=email,
        expert__institution=institution,
        **fields,
    )


def partner(application, unit, lead_email, lead_name="Lead Scientist", position=0):
    return PartnerFactory(
        application=application,
        unit=unit,
        institute=unit.main_institute,
        lead_email=lead_email,
        lead_name=lead_name,
        position=position,
    )


@pytest.fixture
def planted():
    """Two applications and eleven reviewers; each conflict is planted on purpose."""
    call = CallFactory()
    cnrs = ParentInstitution.objects.create(name="CNRS", acronym="CNRS", email_domains=["cnrs.fr"])
    sorbonne = ParentInstitution.objects.create(
        name="Sorbonne Université", acronym="SU", email_domains=["sorbonne-universite.fr"]
    )
    bordeaux = ParentInstitution.objects.create(
        name="Université de Bordeaux", acronym="UB", email_domains=["u-bordeaux.fr"]
    )
    lip6 = UnitFactory(acronym="LIP6", email_domains=["lip6.fr"])
    lip6.parent_institutions.set([cnrs, sorbonne])
    cnrs_lab = UnitFactory(acronym="CNRSLAB", email_domains=["cnrslab.cnrs.fr"])
    cnrs_lab.parent_institutions.set([cnrs])
    labri = UnitFactory(
        acronym="LABRI", email_domains=["labri.fr"], main_institute=institute("INP")
    )
    labri.parent_institutions.set([cnrs, bordeaux])
    other = UnitFactory(acronym="OTHER", email_domains=[], main_institute=institute("INP"))

    a = eligible_application(call, acronym="ALPHA")
    a.partners.all().delete()
    partner(a, lip6, "alice@lip6.fr", "Alice Martin")
    partner(a, cnrs_lab, "bob@cnrs.fr", "Bob Bernard", position=1)
    ExcludedReviewer.objects.create(
        application=a, name="Jean Dupont", institution="University of Oxford", email="jd@ox.ac.uk"
    )
    ExcludedReviewer.objects.create(application=a, name="Marta Kowalska-Nowak")
    b = eligible_application(call, acronym="BETA")
    b.partners.all().delete()
    partner(b, labri, "carol@labri.fr", "Carol Durand")
    partner(b, other, "dave@gmail.com", "Dave Petit", position=1)

    people = {
        "same unit": reviewer(call, "Uma Unit", "uma@uni-heidelberg.de", expert__unit=lip6),
        "same institution": reviewer(call, "Ian Inst", "ian@example.com", "Sorbonne University"),
        "unit domain": reviewer(call, "Dora Domain", "dora@lip6.fr"),
        "institution domain": reviewer(call, "Bea Bordeaux", "bea@u-bordeaux.fr"),
        "excluded by e-mail": reviewer(call, "Johnny Dupont", "jd@ox.ac.uk", "Oxford"),
        "excluded by name": reviewer(call, "Marta Kowalska Nowak", "marta@uw.edu.pl"),
        "partner lead": reviewer(call, "Carol Durand", "carol.durand@kth.se"),
        "cnrs": reviewer(call, "Cecile Cnrs", "cecile@cnrs.fr", "CNRS"),
        "cnrs subdomain": reviewer(
            call, "Sam Sub", "sam@ins2i.cnrs.fr", "CNRS Sciences informatiques"
        ),
        "gmail": reviewer(call, "Gus Gmail", "gus@gmail.com"),
        "unrelated": reviewer(call, "Nora None", "nora@ethz.ch", "ETH Zurich"),
    }
    return call, a, b, people


def stored(call):
    return {
        (c.invitation.expert.full_name, c.application.acronym): (c.source, c.status, c.rule)
        for c in Conflict.objects.filter(application__call=call).select_related(
            "invitation__expert", "application"
        )
    }


def test_detection_finds_every_planted_conflict_and_nothing_else(planted):
    call, _a, _b, _people = planted

    outcome = detect_and_store(call=call)

    assert stored(call) == {
        ("Uma Unit", "ALPHA"): ("detected", "confirmed", "same_unit"),
        ("Ian Inst", "ALPHA"): ("detected", "confirmed", "same_institution"),
        ("Dora Domain", "ALPHA"): ("detected", "confirmed", "same_email_domain"),
        ("Bea Bordeaux", "BETA"): ("detected", "confirmed", "same_institution"),
        ("Johnny Dupont", "ALPHA"): ("excluded", "confirmed", "excluded_by_applicants"),
        ("Marta Kowalska Nowak", "ALPHA"): ("excluded", "suspected", "excluded_by_applicants"),
        ("Carol Durand", "BETA"): ("detected", "suspected", "same_person"),
    }
    assert (outcome.found, outcome.created, outcome.updated, outcome.removed) == (7, 7, 0, 0)


def test_cnrs_and_its_domains_and_public_mail_are_never_a_conflict(planted):
    call, _a, _b, people = planted

    detect_and_store(call=call)

    for key in ("cnrs", "cnrs subdomain", "gmail", "unrelated"):
        assert not Conflict.objects.filter(invitation=people[key]).exists(), key


def test_confirmed_conflicts_block_pairs(planted):
    call, a, b, people = planted
    detect_and_store(call=call)

    blocked = blocked_pairs(call)

    assert (people["same unit"].pk, a.pk) in blocked
    assert (people["excluded by name"].pk, a.pk) not in blocked  # only suspected
    assert has_confirmed_conflict(people["institution domain"], b)
    assert not has_confirmed_conflict(people["institution domain"], a)


def test_detection_again_changes_nothing(planted):
    call, *_ = planted
    detect_and_store(call=call)
    before = stored(call)
    events = AuditEvent.objects.filter(verb="conflicts.detected").count()

    outcome = detect_and_store(call=call)

    assert stored(call) == before
    assert (outcome.created, outcome.updated, outcome.removed) == (0, 0, 0)
    assert AuditEvent.objects.filter(verb="conflicts.detected").count() == events


def test_staff_rulings_survive_detection(planted):
    call, a, _b, people = planted
    staff = StaffFactory()
    detect_and_store(call=call)
    suspected = Conflict.objects.get(invitation=people["excluded by name"], application=a)
    confirmed = Conflict.objects.get(invitation=people["unit domain"], application=a)
    rule_on_conflict(conflict=suspected, by=staff, status="cleared", reason="Another person.")
    rule_on_conflict(conflict=confirmed, by=staff, status="cleared", reason="Left the lab.")
    # The evidence of a ruled conflict disappears: the ruling still stands.
    people["unit domain"].expert.email = "dora@mit.edu"
    people["unit domain"].expert.save()

    detect_and_store(call=call)

    suspected.refresh_from_db()
    confirmed.refresh_from_db()
    assert (suspected.status, suspected.ruling_reason, suspected.ruled_by) == (
        ConflictStatus.CLEARED,
        "Another person.",
        staff,
    )
    assert (confirmed.status, confirmed.ruling_reason) == (ConflictStatus.CLEARED, "Left the lab.")
    assert AuditEvent.objects.filter(verb="conflict.cleared", actor=staff).count() == 2


def test_unruled_conflict_whose_evidence_is_gone_is_removed(planted):
    call, a, _b, people = planted
    detect_and_store(call=call)
    people["unit domain"].expert.email = "dora@mit.edu"
    people["unit domain"].expert.save()

    outcome = detect_and_store(call=call)

    assert outcome.removed == 1
    assert not Conflict.objects.filter(invitation=people["unit domain"], application=a).exists()


def test_declared_and_staff_conflicts_are_never_touched(planted):
    call, a, b, people = planted
    declared = ConflictFactory(
        invitation=people["unrelated"],
        application=a,
        source=ConflictSource.DECLARED,
        status=ConflictStatus.CONFIRMED,
        rule="",
        reason="We wrote a paper together.",
    )
    by_staff = ConflictFactory(
        invitation=people["gmail"],
        application=b,
        source=ConflictSource.STAFF,
        status=ConflictStatus.CONFIRMED,
        rule="",
        reason="Known rival.",
    )

    detect_and_store(call=call)

    for conflict in (declared, by_staff):
        kept = Conflict.objects.get(pk=conflict.pk)
        assert (kept.source, kept.status, kept.reason) == (
            conflict.source,
            conflict.status,
            conflict.reason,
        )


def test_detection_inputs_take_the_same_queries_whatever_the_size(
    planted, django_assert_num_queries
):
    call, *_ = planted
    small = CallFactory()
    application = eligible_application(small)
    reviewer(small, "Solo Reviewer", "solo@ethz.ch")

    with django_assert_num_queries(6):
        apps, experts = detection_inputs(call=small)
    assert (len(apps), len(experts)) == (1, 1)
    assert [p.unit_id for p in apps[0].partners] == [
        p.unit_id for p in application.partners.order_by("position", "pk")
    ]

    with django_assert_num_queries(6):
        apps, experts = detection_inputs(call=call)
    assert (len(apps), len(experts)) == (2, 11)


def test_the_coordinator_invited_as_a_reviewer_is_the_same_person(planted):
    call, a, _b, _people = planted
    by_account = InvitationFactory(call=call, expert__user=a.coordinator)
    by_email = reviewer(call, "Same Mail", a.coordinator.email.upper())

    detect_and_store(call=call)

    for invitation in (by_account, by_email):
        conflict = Conflict.objects.get(invitation=invitation)
        assert (conflict.application, conflict.rule, conflict.status) == (
            a,
            "same_person",
            ConflictStatus.CONFIRMED,
        )


def test_drafts_and_withdrawn_applications_are_left_out(planted):
    call, a, b, people = planted
    a.status = ApplicationStatus.WITHDRAWN
    a.save(update_fields=["status"])

    detect_and_store(call=call)

    assert set(stored(call)) == {("Bea Bordeaux", "BETA"), ("Carol Durand", "BETA")}


# --- Hooks: a change runs detection again, for what changed only ---------------------


def test_expert_changing_email_is_checked_again(planted, django_capture_on_commit_callbacks):
    call, a, _b, people = planted
    expert = people["unrelated"].expert

    with django_capture_on_commit_callbacks(execute=True):
        expert.email = "nora@sorbonne-universite.fr"
        expert.save()

    conflict = Conflict.objects.get(invitation=people["unrelated"])
    assert (conflict.application, conflict.status, conflict.rule) == (
        a,
        ConflictStatus.CONFIRMED,
        "same_institution",
    )
    # Scoped to that reviewer: the others were not stored.
    assert Conflict.objects.filter(application__call=call).count() == 1


def test_new_partner_is_checked_against_the_reviewers(planted, django_capture_on_commit_callbacks):
    call, _a, b, people = planted

    with django_capture_on_commit_callbacks(execute=True):
        partner(b, UnitFactory(email_domains=["ethz.ch"]), "zoe@ethz.ch", position=2)

    # The whole application is checked again (against every reviewer), and only it.
    assert set(
        Conflict.objects.filter(application__call=call).values_list(
            "invitation", "application", "rule"
        )
    ) == {
        (people["unrelated"].pk, b.pk, "same_email_domain"),
        (people["institution domain"].pk, b.pk, "same_institution"),
        (people["partner lead"].pk, b.pk, "same_person"),
    }


def test_a_reviewer_who_accepts_is_checked(planted, django_capture_on_commit_callbacks):
    call, a, _b, _people = planted
    pending = reviewer(call, "Late Comer", "late@lip6.fr", status="pending")

    with django_capture_on_commit_callbacks(execute=True):
        pending.status = "accepted"
        pending.save(update_fields=["status"])

    assert Conflict.objects.get(invitation=pending).application == a


def test_a_draft_change_runs_no_detection(django_capture_on_commit_callbacks):
    call = CallFactory()
    reviewer(call, "Dora Domain", "dora@lip6.fr")
    draft = ApplicationFactory(call=call)

    with django_capture_on_commit_callbacks(execute=True):
        partner(draft, UnitFactory(email_domains=["lip6.fr"]), "x@lip6.fr", position=5)

    assert not Conflict.objects.exists()
