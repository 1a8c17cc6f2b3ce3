"""Reads of the reviewer pool: the staff's pool page, invitation links, reviewer roles and
the confidentiality terms.

Staff pages fetch their call through ``calls.selectors.calls.staff_call_or_404`` (programme
staff only, 404 for everyone else). Reviewer pages use :func:`reviewer_invitation` (an accepted
invitation of this person for this call) and :func:`has_accepted_current_terms`: no
application of a call may be shown to a reviewer until both hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aissai.accounts.models import User
from calls.models import Call, Unit
from reviews.conflicts.matching import unit_acronym_key, unit_mentions
from reviews.models import (
    ConfidentialityAcceptance,
    ConfidentialityTerms,
    Expert,
    Invitation,
    InvitationStatus,
    Publication,
)

# The statuses the pool page filters on. "expired" is computed: a pending invitation whose
# expiry date has passed (nothing writes it, so a link that expires changes no row).
EXPIRED = "expired"
POOL_STATUSES: list[tuple[str, Any]] = [
    (InvitationStatus.PENDING.value, _("Invited, waiting for an answer")),
    (EXPIRED, _("Expired")),
    (InvitationStatus.ACCEPTED.value, _("Accepted")),
    (InvitationStatus.DECLINED.value, _("Declined")),
    (InvitationStatus.WITHDRAWN.value, _("Withdrawn by staff")),
]


def _status_q(status: str, now) -> Q:
    expired = Q(status=InvitationStatus.EXPIRED) | Q(
        status=InvitationStatus.PENDING, expires_at__lte=now
    )
    if status == EXPIRED:
        return expired
    if status == InvitationStatus.PENDING:
        return Q(status=InvitationStatus.PENDING, expires_at__gt=now)
    return Q(status=status)


def with_effective_status(queryset: QuerySet[Invitation], now=None) -> QuerySet[Invitation]:
    """Annotate ``effective_status``: the stored status, or "expired" once a pending
    invitation's expiry date has passed."""
    now = now or timezone.now()
    return queryset.annotate(
        effective_status=Case(
            When(_status_q(EXPIRED, now), then=Value(EXPIRED)),
            default=F("status"),
            output_field=CharField(),
        )
    )


def current_terms(call: Call | int) -> ConfidentialityTerms | None:
    """The latest version of the call's confidentiality terms (None before the first)."""
    call_id = call if isinstance(call, int) else call.pk
    return ConfidentialityTerms.objects.filter(call_id=call_id).order_by("-version").first()


def terms_history(call: Call) -> QuerySet[ConfidentialityTerms]:
    """Every version, newest first, with how many reviewers accepted each."""
    return (
        ConfidentialityTerms.objects.filter(call=call)
        .annotate(acceptances_count=Count("acceptances"))
        .order_by("-version")
    )


def pool_invitations(
    *, call: Call, status: str = "", q: str = "", terms: ConfidentialityTerms | None = None
) -> QuerySet[Invitation]:
    """The invitations of a call with their expert, for the pool page (one query).

    Each row has ``effective_status`` and ``accepted_current_terms`` (whether the reviewer
    accepted ``terms``, the call's current terms, passed in to save a query per page).
    """
    now = timezone.now()
    queryset = with_effective_status(
        Invitation.objects.filter(call=call).select_related("expert", "expert__unit", "invited_by"),
        now,
    )
    if terms is not None:
        accepted = ConfidentialityAcceptance.objects.filter(invitation=OuterRef("pk"), terms=terms)
        queryset = queryset.annotate(accepted_current_terms=Exists(accepted))
    else:
        queryset = queryset.annotate(accepted_current_terms=Value(False))
    if status in dict(POOL_STATUSES):
        queryset = queryset.filter(_status_q(status, now))
    words = q.split()[:6]
    if words:
        queryset = queryset.annotate(keywords_text=Cast("expert__keywords", TextField()))
        for word in words:
            queryset = queryset.filter(
                Q(expert__full_name__icontains=word)
                | Q(expert__email__icontains=word)
                | Q(expert__institution__icontains=word)
                | Q(expert__country__icontains=word)
                | Q(expert__statement__icontains=word)
                | Q(expert__unit__label__icontains=word)
                | Q(keywords_text__icontains=word)
            )
    return queryset.order_by("expert__full_name", "pk")


def pool_status_counts(call: Call) -> dict[str, int]:
    """How many invitations of the call are in each pool status, and in all (one query)."""
    now = timezone.now()
    aggregates = {key: Count("pk", filter=_status_q(key, now)) for key, _label in POOL_STATUSES}
    counts = Invitation.objects.filter(call=call).aggregate(all=Count("pk"), **aggregates)
    return counts


def invitation_for_staff_or_404(*, call: Call, pk: int) -> Invitation:
    try:
        return Invitation.objects.select_related("expert", "call").get(call=call, pk=pk)
    except Invitation.DoesNotExist as exc:
        raise Http404 from exc


def invited_emails(call: Call) -> set[str]:
    """The (lower-case) addresses of the experts already invited to the call."""
    return set(Invitation.objects.filter(call=call).values_list("expert__email", flat=True))


# Invitation links


def invitation_by_token_or_404(token) -> Invitation:
    """The invitation of a personal link, whatever its state (the page explains it)."""
    queryset = Invitation.objects.select_related("call", "expert", "expert__user", "invited_by")
    try:
        return queryset.get(token=token)
    except Invitation.DoesNotExist as exc:
        raise Http404 from exc


def closed_reason(invitation: Invitation, now=None) -> str:
    """Why a link can no longer be answered: "expired", "accepted", "declined",
    "withdrawn"; "" when it is open."""
    if invitation.status == InvitationStatus.PENDING:
        return EXPIRED if invitation.expires_at <= (now or timezone.now()) else ""
    return invitation.status


def account_for_invitation(invitation: Invitation) -> User | None:
    """The account an invitation belongs to: the expert's linked account, else the account
    with the expert's e-mail address (case-insensitive), else None."""
    expert = invitation.expert
    if expert.user_id:
        return expert.user
    return User.objects.filter(email__iexact=expert.email).first()


def is_invitation_account(invitation: Invitation, user: Any) -> bool:
    """Whether ``user`` is the person the invitation was sent to."""
    if not getattr(user, "is_authenticated", False):
        return False
    expert = invitation.expert
    if expert.user_id:
        return expert.user_id == user.pk
    return user.email.lower() == expert.email.lower()


def programme_staff_recipients() -> QuerySet[User]:
    return User.objects.filter(is_programme_staff=True, is_active=True).order_by("pk")


# Reviewer role


def reviewer_invitation(user: Any, call: Call | int) -> Invitation | None:
    """The accepted invitation that makes ``user`` a reviewer of ``call``, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    call_id = call if isinstance(call, int) else call.pk
    return (
        Invitation.objects.select_related("call", "expert")
        .filter(call_id=call_id, expert__user=user, status=InvitationStatus.ACCEPTED)
        .first()
    )


def has_accepted_current_terms(invitation: Invitation) -> bool:
    """Whether the reviewer accepted the latest version of the call's terms (one query).

    No terms published yet means nothing was accepted: a reviewer sees no application of
    a call before staff publish its terms and the reviewer accepts them.
    """
    latest = (
        ConfidentialityTerms.objects.filter(call_id=invitation.call_id)
        .order_by("-version")
        .values("pk")[:1]
    )
    return ConfidentialityAcceptance.objects.filter(
        invitation=invitation, terms_id__in=latest
    ).exists()


def acceptance_of(invitation: Invitation, terms: ConfidentialityTerms | None):
    if terms is None:
        return None
    return ConfidentialityAcceptance.objects.filter(invitation=invitation, terms=terms).first()


def accepted_invitations(user: Any) -> QuerySet[Invitation]:
    """The calls ``user`` reviews for, through their accepted invitations."""
    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    return Invitation.objects.filter(expert__user=user, status=InvitationStatus.ACCEPTED)


@dataclass(frozen=True)
class ReviewerCall:
    invitation: Invitation
    call: Call
    terms: ConfidentialityTerms | None
    accepted_terms: bool


def reviewer_calls(user: Any) -> list[ReviewerCall]:
    """The reviewer home: each call with the current terms and whether they are accepted
    (three queries whatever the number of calls)."""
    invitations = list(
        accepted_invitations(user).select_related("call").order_by("call__review_deadline", "pk")
    )
    call_ids = {inv.call_id for inv in invitations}
    latest: dict[int, ConfidentialityTerms] = {}
    accepted_terms: set[tuple[int, int]] = set()
    if call_ids:
        for terms in ConfidentialityTerms.objects.filter(call_id__in=call_ids).order_by(
            "call_id", "version"
        ):
            latest[terms.call_id] = terms  # the highest version of each call wins
        accepted_terms = set(
            ConfidentialityAcceptance.objects.filter(
                invitation__in=invitations, terms__in=list(latest.values())
            ).values_list("invitation_id", "terms_id")
        )
    return [
        ReviewerCall(
            invitation=inv,
            call=inv.call,
            terms=latest.get(inv.call_id),
            accepted_terms=(inv.pk, getattr(latest.get(inv.call_id), "pk", None)) in accepted_terms,
        )
        for inv in invitations
    ]


def units_named_in(text: str, *, limit: int = 5) -> list[Unit]:
    """The active units of the referential that free text such as "IRIT, UMR 5505,
    Toulouse" names: by code, RNSR identifier or acronym ("CNRS" alone names none). Two
    queries whatever the text; the referential's acronyms are compared in Python (accents,
    case and spacing folded the way conflict detection folds them)."""
    mentions = unit_mentions(text[:300])
    if not (mentions.codes or mentions.rnsr or mentions.words):
        return []
    wanted = Q(pk__in=[])
    for unit_type, number in mentions.codes:
        wanted |= Q(unit_type__iexact=unit_type, number__regex=rf"^0*{number}$")
    if mentions.rnsr:
        wanted |= Q(rnsr__in=mentions.rnsr)
    by_acronym = [
        pk
        for pk, acronym in Unit.objects.active().exclude(acronym="").values_list("pk", "acronym")
        if unit_acronym_key(acronym) in mentions.words
    ]
    wanted |= Q(pk__in=by_acronym)
    return list(Unit.objects.active().filter(wanted).order_by("unit_type", "number")[:limit])


def expert_of(user: Any) -> Expert | None:
    """The expert profile of a signed-in person, if they have one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Expert.objects.filter(user=user).first()


def recent_publications(expert: Expert, *, limit: int = 50) -> list[Publication]:
    return list(expert.publications.order_by("-year", "title")[:limit])
