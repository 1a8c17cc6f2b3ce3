"""Factories for the reviews app: experts, invitations, assignments, reviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import factory
from django.db.models import Max
from django.utils import timezone

from calls.models import Application, ApplicationStatus, Call, CallStatus, Criterion
from reviews.models import (
    Assignment,
    ConfidentialityAcceptance,
    ConfidentialityTerms,
    CriterionScore,
    DeclaredConflict,
    Expert,
    Invitation,
    InvitationStatus,
    Review,
    ReviewStatus,
)
from reviews.scoring.weighted import CriterionSpec, weighted_total

from .accounts import UserFactory
from .calls import ApplicationFactory, CallFactory, CriterionFactory, submitted_application


class ExpertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expert

    full_name = factory.Sequence(lambda n: f"Expert Reviewer {n}")
    email = factory.Sequence(lambda n: f"expert{n}@university{n}.example.org")
    institution = factory.Sequence(lambda n: f"University of Somewhere {n}")
    country = "Germany"
    keywords = factory.LazyFunction(lambda: ["machine learning", "physics"])
    statement = "Machine learning for the physical sciences."
    language = "en"


class InvitationFactory(factory.django.DjangoModelFactory):
    """An accepted invitation: the expert is a reviewer of the call."""

    class Meta:
        model = Invitation

    call = factory.SubFactory(CallFactory)
    expert = factory.SubFactory(ExpertFactory)
    status = InvitationStatus.ACCEPTED
    sent_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=20))
    responded_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=19))


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An active assignment; the reviewer declared no conflict."""

    class Meta:
        model = Assignment

    invitation = factory.SubFactory(InvitationFactory)
    application = factory.SubFactory(
        ApplicationFactory, call=factory.SelfAttribute("..invitation.call")
    )
    coi_declaration = DeclaredConflict.NONE
    coi_declared_at = factory.LazyFunction(timezone.now)


def criteria_of(call: Call) -> list[Criterion]:
    return list(call.criteria.order_by("position", "pk"))


def submitted_review(
    *,
    assignment: Assignment,
    scores: Sequence[int | None] | Mapping[int, int | None],
    confidence: int | None = 3,
    criteria: Sequence[Criterion] | None = None,
    recommendation: str = "yes",
) -> Review:
    """A submitted review with one CriterionScore per criterion of the call (``None`` is
    N/A) and the stored total computed by ``reviews.scoring.weighted``.

    ``scores`` is a sequence in criterion order, or a mapping criterion id → score."""
    criteria = list(criteria) if criteria is not None else criteria_of(assignment.application.call)
    if not isinstance(scores, Mapping):
        scores = {c.pk: value for c, value in zip(criteria, scores, strict=True)}
    total = weighted_total(scores, [CriterionSpec.from_criterion(c) for c in criteria])
    review = Review.objects.create(
        assignment=assignment,
        status=ReviewStatus.SUBMITTED,
        recommendation=recommendation,
        confidence=confidence,
        total=total,
        submitted_at=timezone.now(),
        comments_for_applicants="Clear and ambitious.",
    )
    CriterionScore.objects.bulk_create(
        CriterionScore(
            review=review,
            criterion=criterion,
            score=scores[criterion.pk],
            not_applicable=scores[criterion.pk] is None,
        )
        for criterion in criteria
    )
    return review


@dataclass
class ReviewScenario:
    """A call in review built by :func:`call_in_review`."""

    call: Call
    criteria: list[Criterion]
    applications: list[Application]
    invitations: list[Invitation]
    reviews: list[Review] = field(default_factory=list)

    def reviewer(self, application: int, slot: int) -> Invitation:
        """The ``slot``-th reviewer of application number ``application``."""
        return self.invitations[(application + slot) % len(self.invitations)]

    def review(self, application: int, reviewer: int) -> Review:
        """The review of application number ``application`` by reviewer number ``reviewer``."""
        for review in self.reviews:
            assignment = review.assignment
            if (
                assignment.application_id == self.applications[application].pk
                and assignment.invitation_id == self.invitations[reviewer].pk
            ):
                return review
        raise LookupError((application, reviewer))


def call_in_review(
    *,
    applications: int = 3,
    reviewers: int = 3,
    per_application: int | None = None,
    scores: Sequence[Sequence[float | None]] | None = None,
    qualities: Sequence[float] | None = None,
    leniencies: Sequence[float] | None = None,
    confidences: Sequence[Sequence[int | None]] | None = None,
    scale: tuple[int, int] = (0, 10),
    call: Call | None = None,
    **call_fields,
) -> ReviewScenario:
    """A call with ``applications`` applications in review and ``reviewers`` reviewers.

    The call has one criterion on ``scale`` (0–10 by default, so a review's total equals
    its score) unless ``call`` is given with its own criteria. Application i is reviewed
    by reviewers i, i+1, … (mod ``reviewers``), ``per_application`` of them (all by
    default), which keeps the review graph connected. Scores come from ``scores[i][j]``
    (the j-th reviewer of application i; None = N/A, giving a review without total), or
    from ``qualities[i] + leniencies[r]`` rounded and clipped to the scale.
    With several criteria every criterion gets the same score.
    """
    if call is None:
        call_fields.setdefault("status", CallStatus.IN_REVIEW)
        call = CallFactory(with_rules=False, **call_fields)
        CriterionFactory(
            call=call,
            name_en="Overall quality",
            name_fr="Qualité d’ensemble",
            scale_min=scale[0],
            scale_max=scale[1],
            allow_na=True,
            position=1,
        )
    criteria = criteria_of(call)
    low, high = criteria[0].scale_min, criteria[0].scale_max
    per_application = reviewers if per_application is None else per_application
    apps = [
        submitted_application(call=call, status=ApplicationStatus.IN_REVIEW, documents=False)
        for _ in range(applications)
    ]
    invitations = [InvitationFactory(call=call) for _ in range(reviewers)]
    scenario = ReviewScenario(
        call=call, criteria=criteria, applications=apps, invitations=invitations
    )
    for i, application in enumerate(apps):
        for j in range(per_application):
            r = (i + j) % reviewers
            if scores is not None:
                value = scores[i][j]
            else:
                raw = (qualities[i] if qualities else 5.0) + (leniencies[r] if leniencies else 0)
                value = int(min(high, max(low, round(raw))))
            assignment = AssignmentFactory(invitation=invitations[r], application=application)
            scenario.reviews.append(
                submitted_review(
                    assignment=assignment,
                    scores=[value] * len(criteria),
                    confidence=confidences[i][j] if confidences else 3,
                    criteria=criteria,
                )
            )
    return scenario


# Reviewer pool: invitations waiting for an answer, confidentiality terms, reviewers with
# an account.


class PendingInvitationFactory(InvitationFactory):
    """An invitation sent just now, waiting for the expert's answer."""

    status = InvitationStatus.PENDING
    sent_at = factory.LazyFunction(timezone.now)
    responded_at = None
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=21))


class ConfidentialityTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConfidentialityTerms

    call = factory.SubFactory(CallFactory)
    version = factory.LazyAttribute(
        lambda o: (o.call.confidentiality_terms.aggregate(v=Max("version"))["v"] or 0) + 1
    )
    text_en = factory.LazyAttribute(lambda o: f"Keep it all confidential (version {o.version}).")
    text_fr = factory.LazyAttribute(lambda o: f"Gardez tout confidentiel (version {o.version}).")


def reviewer_of(call: Call, *, user=None, accept_terms: bool = False) -> Invitation:
    """An accepted invitation to ``call`` linked to an account (``user`` or a new one); with
    ``accept_terms`` the reviewer accepted the call's current terms (published if none)."""
    user = user or UserFactory()
    expert = ExpertFactory(email=user.email, full_name=user.full_name, user=user)
    invitation = InvitationFactory(call=call, expert=expert)
    if accept_terms:
        terms = ConfidentialityTerms.objects.filter(call=call).order_by(
            "-version"
        ).first() or ConfidentialityTermsFactory(call=call)
        ConfidentialityAcceptance.objects.create(invitation=invitation, terms=terms)
    return invitation


# Reviewing: a reviewer with an account assigned to an application.

_reviewer_numbers = __import__("itertools").count(1)


def assigned_reviewer(
    application: Application,
    *,
    user=None,
    accept_terms: bool = True,
    declared: bool = True,
) -> Assignment:
    """Assign ``application`` to ``user`` (a new account by default), a reviewer of its
    call. ``accept_terms``: they accepted the call's current terms (published if none);
    ``declared``: they declared no conflict. The same user may review several calls.
    A new reviewer gets an e-mail domain of their own, so that conflict detection (which
    runs on commit) finds nothing between them and the applicants."""
    if user is None:
        n = next(_reviewer_numbers)
        user = UserFactory(email=f"reviewer{n}@institute{n}.test")
    call = application.call
    invitation = Invitation.objects.filter(call=call, expert__user=user).first()
    if invitation is None:
        expert = Expert.objects.filter(user=user).first() or ExpertFactory(
            email=user.email, full_name=user.full_name, user=user
        )
        invitation = InvitationFactory(call=call, expert=expert)
    if accept_terms:
        terms = ConfidentialityTerms.objects.filter(call=call).order_by(
            "-version"
        ).first() or ConfidentialityTermsFactory(call=call)
        ConfidentialityAcceptance.objects.get_or_create(invitation=invitation, terms=terms)
    return AssignmentFactory(
        invitation=invitation,
        application=application,
        coi_declaration=DeclaredConflict.NONE if declared else "",
        coi_declared_at=timezone.now() if declared else None,
    )


# Reports: funding decisions and places on the lists, written directly for the pages that
# read them (in real use the selection services write them).

from reviews.models import FundingDecision, ListEntry, ListMove, MoveKind, RankedList  # noqa: E402
from reviews.selectors.lists import build_board  # noqa: E402
from reviews.services.decisions import fix_lists  # noqa: E402
from reviews.services.lists import Seen  # noqa: E402
from reviews.services.scoreboard_stamp import note_change  # noqa: E402

from .calls import FundingSourceFactory  # noqa: E402


class FundingDecisionFactory(factory.django.DjangoModelFactory):
    """The current decision on an application: funded by a new source of its call."""

    class Meta:
        model = FundingDecision

    application = factory.SubFactory(ApplicationFactory)
    outcome = "funded"
    funding_source = factory.SubFactory(
        FundingSourceFactory, call=factory.SelfAttribute("..application.call")
    )
    is_current = True


def place_on_list(application: Application, *, kind: str, position: int, by=None, reason=""):
    """Put ``application`` on its call's ``kind`` list ("main" or "complementary") at
    ``position`` and record the move; returns the list entry."""
    ranked_list, _ = RankedList.objects.get_or_create(call=application.call, kind=kind)
    entry = ListEntry.objects.create(
        ranked_list=ranked_list, application=application, position=position
    )
    ListMove.objects.create(
        call=application.call,
        application=application,
        kind=MoveKind.MOVED,
        to_list=kind,
        to_position=position,
        reason=reason,
        by=by,
    )
    return entry


# Selection: a call in selection whose applications are shortlisted with known mean scores,
# ready for the panel ranking board.


def shortlisted_call(
    *,
    means: Sequence[int] | None = None,
    scores: Sequence[Sequence[int | None]] | None = None,
    reviewers: int = 3,
    sources: Sequence[int] = (6,),
    **call_fields,
) -> ReviewScenario:
    """A call in selection with one shortlisted application per entry of ``means`` (each
    reviewer gives that score on 0–10, so the mean is exact) or per row of ``scores``, and
    funding sources paying for ``sources`` fellowships, recorded in that order ("Industry
    donation", then "Additional grant 2"…). ``call_fields`` go to the call (fellowships,
    complementary_size, tie_break_order…)."""
    rows = scores if scores is not None else [[mean] * reviewers for mean in means or ()]
    scenario = call_in_review(
        applications=len(rows), reviewers=reviewers, scores=rows, **call_fields
    )
    Call.objects.filter(pk=scenario.call.pk).update(status=CallStatus.SELECTION)
    scenario.call.refresh_from_db()
    Application.objects.filter(pk__in=[a.pk for a in scenario.applications]).update(
        status=ApplicationStatus.SHORTLISTED
    )
    note_change(call_id=scenario.call.pk)  # the statuses above were written in bulk
    for application in scenario.applications:
        application.refresh_from_db()
    for number, fellowships in enumerate(sources, start=1):
        FundingSourceFactory(
            call=scenario.call,
            fellowships=fellowships,
            name="Industry donation" if number == 1 else f"Additional grant {number}",
        )
    return scenario


def fix_as_shown(call: Call, *, by) -> object:
    """Fix the lists as the board shows them now, as staff do once they are ordered."""
    board = build_board(call)
    return fix_lists(
        call=call,
        by=by,
        seen=Seen(board.main_version, board.complementary_version),
        main_ids=board.main_ids,
        complementary_ids=board.complementary_ids,
    )


# Conflicts of interest and assignment.

from reviews.models import Conflict, ConflictSource, ConflictStatus  # noqa: E402


class ConflictFactory(factory.django.DjangoModelFactory):
    """A detected, suspected conflict between a reviewer and an application of its call."""

    class Meta:
        model = Conflict

    invitation = factory.SubFactory(InvitationFactory)
    application = factory.SubFactory(
        ApplicationFactory, call=factory.SelfAttribute("..invitation.call")
    )
    source = ConflictSource.DETECTED
    status = ConflictStatus.SUSPECTED
    rule = "same_email_domain"
    reason = "example.edu"


def eligible_application(call: Call, **fields) -> Application:
    """A submitted application that staff found eligible: ready for reviewers."""
    return submitted_application(
        call=call, status=ApplicationStatus.ELIGIBLE, documents=False, **fields
    )
