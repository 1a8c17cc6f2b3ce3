"""One world for the authorization matrix: a call in review, two applications and every role.

``build_world()`` writes it through the factories and returns a :class:`World` holding the
objects the URL resolvers of ``tests/security/matrix.py`` read (slugs, primary keys,
tokens) and one user per role (``World.users``; ``None`` is the anonymous visitor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from awards.models import EventInvitation, FellowshipState, InviteeRole
from awards.services.events import EventData, create_event
from awards.services.reports import add_milestone, submit_report
from calls.models import ApplicationStatus, CallStatus
from calls.services.calls import allowed_call_targets
from reviews.models import AssignmentProposal, ConflictSource, ConflictStatus, ProposalStatus
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.awards import recruited_fellowship
from tests.factories.calls import (
    VALID_PDF,
    CallFactory,
    InstituteCorrespondentFactory,
    PartnerFactory,
    UnitFactory,
    institute,
    submitted_application,
)
from tests.factories.notifications import DevMailboxMessageFactory, OutboxMessageFactory
from tests.factories.reviews import (
    ConflictFactory,
    PendingInvitationFactory,
    assigned_reviewer,
    reviewer_of,
)

ROLES = (
    "anonymous",
    "applicant_a",
    "applicant_b",
    "partner_lead",
    "assigned_reviewer",
    "undeclared_reviewer",
    "unassigned_reviewer",
    "conflicted_reviewer",
    "correspondent_involved",
    "correspondent_uninvolved",
    "staff",
    "staff_applicant",  # programme staff who confirmed they lead a partner of A
    "staff_named",  # programme staff named as a partner lead of A, not confirmed
    "superuser",
    "fellow_a",
)


@dataclass
class World:
    call: Any
    app_a: Any
    app_b: Any
    doc_a: Any
    doc_b: Any
    partner_a: Any  # A's non-coordinating partner, led by the partner lead
    assignment: Any  # the assigned reviewer's assignment to A (no conflict declared)
    undeclared_assignment: Any  # accepted terms, no declaration yet
    invitation: Any  # the assigned reviewer's (accepted, so its link is used)
    pending_invitation: Any  # an expert without an account, not answered yet
    suspected_conflict: Any
    confirmed_conflict: Any
    proposal: Any
    correspondent_role: Any  # the involved correspondent's role (revocable)
    outbox_message: Any
    dev_message: Any
    status_target: str
    fellowship: Any  # A's fellowship, recruited (starts today; its fellow is ``fellow_a``)
    running_fellowship: Any  # B's fellowship, running
    milestone: Any  # the call's month-9 report milestone
    report: Any  # A's month-9 report, with its PDF
    event: Any  # the kick-off, with A's coordinator invited
    event_invitation: Any
    users: dict[str, Any] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # role -> session key


def build_world() -> World:
    call = CallFactory(
        status=CallStatus.IN_REVIEW,
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=10),
    )
    applicant_a = UserFactory(email="applicant.a@lab-a.example.fr")
    applicant_b = UserFactory(email="applicant.b@lab-b.example.fr")
    app_a = submitted_application(
        call=call,
        coordinator=applicant_a,
        institutes=("INS2I", "INP"),
        status=ApplicationStatus.IN_REVIEW,
    )
    app_b = submitted_application(
        call=call,
        coordinator=applicant_b,
        institutes=("INSB", "INC"),
        status=ApplicationStatus.IN_REVIEW,
    )
    partner_a = app_a.partners.get(is_coordinating=False)
    partner_lead = UserFactory(email=partner_a.lead_email)
    # Two members of staff named as partner leads of A: one confirmed it (a conflict in
    # effect), the other did not (a conflict to rule on: it withholds nothing by itself).
    staff_applicant = StaffFactory(email="staff.applicant@lab-c.example.fr")
    staff_named = StaffFactory(email="staff.named@lab-d.example.fr")
    for position, (person, confirmed_at) in enumerate(
        ((staff_applicant, timezone.now() - timedelta(days=3)), (staff_named, None)), start=5
    ):
        unit = UnitFactory(main_institute=institute("INSB"))
        PartnerFactory(
            application=app_a,
            unit=unit,
            institute=unit.main_institute,
            lead_email=person.email.upper(),  # typed by the applicant, in any case
            confirmed_at=confirmed_at,
            position=position,
        )

    assignment = assigned_reviewer(app_a, declared=True)
    undeclared = assigned_reviewer(app_a, declared=False)
    unassigned = reviewer_of(call, accept_terms=True)
    conflicted = reviewer_of(call, accept_terms=True)
    confirmed_conflict = ConflictFactory(
        invitation=conflicted,
        application=app_a,
        source=ConflictSource.DECLARED,
        status=ConflictStatus.CONFIRMED,
        rule="",
        reason="Co-authored a paper with the coordinator last year.",
    )
    suspected_conflict = ConflictFactory(invitation=unassigned, application=app_b)
    pending = PendingInvitationFactory(call=call)
    proposal = AssignmentProposal.objects.create(
        call=call, status=ProposalStatus.READY, progress=100, result={"pairs": []}
    )

    involved = UserFactory()
    correspondent_role = InstituteCorrespondentFactory(user=involved, institute=institute("INP"))
    uninvolved = UserFactory()
    InstituteCorrespondentFactory(user=uninvolved, institute=institute("INSU"))

    staff = StaffFactory()
    superuser = SuperuserFactory()

    # After the decision (the awards): A's fellowship recruited, B's running.
    fellow = UserFactory(email="fellow.a@lab-a.example.fr")
    fellowship = recruited_fellowship(app_a, fellow=fellow, start_date=timezone.localdate())
    running = recruited_fellowship(
        app_b, start_date=timezone.localdate() - timedelta(days=30), state=FellowshipState.RUNNING
    )
    milestone = add_milestone(call=call, by=staff, name_en="Month 9", name_fr="Mois 9", month=9)
    report = submit_report(
        fellowship=fellowship,
        milestone=milestone,
        by=fellow,
        progress="On track.",
        upload=SimpleUploadedFile("report.pdf", VALID_PDF, content_type="application/pdf"),
    )

    now = timezone.now()
    event = create_event(
        call=call,
        by=staff,
        data=EventData(
            title_en="Kick-off",
            title_fr="Lancement",
            starts_at=now + timedelta(days=30),
            answers_until=now + timedelta(days=20),
            place="Paris",
        ),
    )
    event_invitation = EventInvitation.objects.create(
        event=event, person=applicant_a, role=InviteeRole.COORDINATOR
    )

    return World(
        call=call,
        app_a=app_a,
        app_b=app_b,
        doc_a=app_a.documents.first(),
        doc_b=app_b.documents.first(),
        partner_a=partner_a,
        assignment=assignment,
        undeclared_assignment=undeclared,
        invitation=assignment.invitation,
        pending_invitation=pending,
        suspected_conflict=suspected_conflict,
        confirmed_conflict=confirmed_conflict,
        proposal=proposal,
        correspondent_role=correspondent_role,
        outbox_message=OutboxMessageFactory(
            held=True, recipient=applicant_a, to_email=applicant_a.email
        ),
        dev_message=DevMailboxMessageFactory(),
        status_target=allowed_call_targets(call)[0],
        fellowship=fellowship,
        running_fellowship=running,
        milestone=milestone,
        report=report,
        event=event,
        event_invitation=event_invitation,
        users={
            "anonymous": None,
            "applicant_a": applicant_a,
            "applicant_b": applicant_b,
            "partner_lead": partner_lead,
            "assigned_reviewer": assignment.invitation.expert.user,
            "undeclared_reviewer": undeclared.invitation.expert.user,
            "unassigned_reviewer": unassigned.expert.user,
            "conflicted_reviewer": conflicted.expert.user,
            "correspondent_involved": involved,
            "correspondent_uninvolved": uninvolved,
            "staff": staff,
            "staff_applicant": staff_applicant,
            "staff_named": staff_named,
            "superuser": superuser,
            "fellow_a": fellow,
        },
    )
