"""Anonymising a person once the retention period is over.

Every row is kept and rewritten, never deleted, so counts, statuses, scores, decisions
and statistics do not move. What identifies the person is replaced: name, e-mail and
ORCID become placeholders, free text they wrote or that is about them is blanked, the
account is deactivated (unusable password: every open session ends) and mails still
waiting for them are discarded. The uploaded PDFs and the project texts are the record
of the projects and stay. The audit log is append-only and keeps its history; the event
written for the anonymisation names no one.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.accounts.models import User
from aissai.audit.services import record_event
from aissai.notifications.models import DevMailboxMessage, OutboxMessage, OutboxStatus

from .common import PLACEHOLDER_DOMAIN, PLACEHOLDER_NAME, by_email, experts_of, model
from .retention import retention_status


class AnonymisationRefused(Exception):
    """Not allowed (yet); the message says why."""


@dataclass(frozen=True)
class AnonymisationReport:
    token: str  # in the placeholders and the audit event; links the two, names no one
    forced: bool
    changed: dict[str, int]


def placeholder_email(token: str, kind: str = "") -> str:
    return f"anonymised-{kind}{token}@{PLACEHOLDER_DOMAIN}"


def _scrub_snapshot(snapshot: dict[str, Any], email: str, token: str) -> bool:
    """Replace the person in a submitted version's frozen content; True if it changed."""
    changed = False
    for partner in snapshot.get("partners", []):
        if (partner.get("lead_email") or "").lower() == email:
            partner.update(
                lead_name=PLACEHOLDER_NAME, lead_email=placeholder_email(token, "partner-")
            )
            changed = True
    for excluded in snapshot.get("excluded_reviewers", []):
        if (excluded.get("email") or "").lower() == email:
            excluded.update(name=PLACEHOLDER_NAME, email="", institution="", reason="")
            changed = True
    return changed


def _applications(*, email: str, user: User | None, token: str) -> dict[str, int]:
    partners = model("calls.Partner").objects.filter(by_email("lead_email", email))
    excluded = model("calls.ExcludedReviewer").objects.filter(by_email("email", email))
    touched = set(partners.values_list("application_id", flat=True))
    touched |= set(excluded.values_list("application_id", flat=True))
    changed = {
        "partner_entries": partners.update(
            lead_name=PLACEHOLDER_NAME, lead_email=placeholder_email(token, "partner-")
        ),
        "excluded_reviewer_entries": excluded.update(
            name=PLACEHOLDER_NAME, email="", institution="", reason=""
        ),
        "submitted_versions": 0,
        "withdrawal_reasons": 0,
    }
    versions = model("calls.ApplicationVersion").objects.filter(application_id__in=touched)
    for version in versions.select_for_update():
        if _scrub_snapshot(version.snapshot, email, token):
            version.save(update_fields=["snapshot"])
            changed["submitted_versions"] += 1
    if user is not None:
        coordinated = model("calls.Application").objects.filter(coordinator=user)
        changed["withdrawal_reasons"] = coordinated.exclude(withdrawal_reason="").update(
            withdrawal_reason=""
        )
    return changed


def _reviewing(*, email: str, user: User | None, token: str) -> dict[str, int]:
    experts = experts_of(user, email)
    invitations = model("reviews.Invitation").objects.filter(expert__in=experts)
    assignments = model("reviews.Assignment").objects.filter(invitation__in=invitations)
    reviews = model("reviews.Review").objects.filter(assignment__in=assignments)
    changed = {
        "review_comments": reviews.update(comments_for_applicants="", comments_for_staff=""),
        "criterion_comments": model("reviews.CriterionScore")
        .objects.filter(review__in=reviews)
        .exclude(comment="")
        .update(comment=""),
        "expert_profiles": 0,
    }
    assignments.exclude(end_reason="").update(end_reason="")
    model("reviews.Conflict").objects.filter(invitation__in=invitations, source="declared").update(
        reason=""
    )
    invitations.update(decline_reason="", suggested_colleague="")
    for expert in experts.select_for_update():
        expert.full_name = PLACEHOLDER_NAME
        expert.email = placeholder_email(token, "expert-")
        expert.institution = expert.statement = expert.orcid = ""
        expert.keywords = []
        expert.save(
            update_fields=["full_name", "email", "institution", "statement", "orcid", "keywords"]
        )
        changed["expert_profiles"] += 1
    return changed


def _mail_and_logins(*, email: str, user: User | None, token: str) -> dict[str, int]:
    mails = OutboxMessage.objects.filter(
        by_email("to_email", email) | (Q(recipient=user) if user else Q(pk__in=[]))
    )
    # Waiting mails are discarded first (they would name the person), then every mail to
    # the person loses its address and body; the subject and the event stay for counts.
    discarded = mails.filter(status__in=list(OutboxMessage.DISCARDABLE)).update(
        status=OutboxStatus.DISCARDED, updated_at=timezone.now()
    )
    rewritten = mails.update(
        to_email=placeholder_email(token), to_name=PLACEHOLDER_NAME, body_text="", body_html=""
    )
    # The dev mailbox keeps "Name <address>, …": match the whole address, not a part of one.
    address = rf"(^|[<\s,]){re.escape(email)}($|[>\s,])"
    dev = DevMailboxMessage.objects.filter(to__iregex=address).update(
        to=placeholder_email(token), body_text="", body_html=""
    )
    throttling = [apps.get_model("axes", name) for name in ("AccessAttempt", "AccessLog")]
    throttling.append(apps.get_model("axes", "AccessFailureLog"))
    logins = sum(m.objects.filter(username__iexact=email).delete()[0] for m in throttling)
    return {"mails_discarded": discarded, "mails": rewritten, "dev_mailbox": dev, "logins": logins}


def _account(*, user: User, token: str, by: Any) -> int:
    user.email = placeholder_email(token)
    user.full_name = PLACEHOLDER_NAME
    user.orcid = ""
    user.is_active = user.is_staff = user.is_superuser = user.is_programme_staff = False
    user.set_unusable_password()  # the session hash changes: every open session ends
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    model("calls.InstituteCorrespondent").objects.filter(user=user, active=True).update(
        active=False,
        revoked_at=timezone.now(),
        revoked_by=by if getattr(by, "is_authenticated", False) else None,
    )
    return 1


def anonymise_person(
    *, email: str, by: Any, reason: str = "", force: bool = False
) -> AnonymisationReport:
    """Anonymise everything that names the person with this e-mail address (with or
    without an account: partner leads and experts may have none).

    Refused while the retention period runs (``retention_status``) unless ``force`` is
    given with a written ``reason``. One transaction; audited without naming the person.
    """
    email = User.objects.normalize_email(email)
    reason = (reason or "").strip()
    if not email:
        raise AnonymisationRefused(_("Give the e-mail address of the person."))
    if force and not reason:
        raise AnonymisationRefused(
            _("Say why the person is anonymised before the end of the retention period.")
        )
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        status = retention_status(email=email, user=user)
        if status.ends_at is None and not status.ongoing:
            raise AnonymisationRefused(status.refusal())
        if not status.over and not force:
            raise AnonymisationRefused(status.refusal())
        token = uuid.uuid4().hex[:12]
        changed = {
            **_applications(email=email, user=user, token=token),
            **_reviewing(email=email, user=user, token=token),
            **_mail_and_logins(email=email, user=user, token=token),
        }
        if user is not None:
            changed["account"] = _account(user=user, token=token, by=by)
        forced = force and not status.over
        record_event(
            actor=by,
            verb="accounts.person_anonymised",
            target=user,
            data={
                "token": token,
                "forced": forced,
                "reason": reason,
                "retention_ends_at": status.ends_at,
                "ongoing": status.ongoing,
                "changed": changed,
            },
        )
    return AnonymisationReport(token=token, forced=forced, changed=changed)
