"""Submitting, reopening and withdrawing an application.

The server decides whether a submission is on time, at the moment it commits: the
application's row is locked, the clock is read inside the transaction, and a second
submit of the same draft (two tabs, a double click) finds it submitted and returns it.
"""

from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.formatting import long_datetime
from calls.models import Application, ApplicationStatus, ApplicationVersion, Call, Document
from calls.models.application import WITHDRAWAL_REASON_MAX_CHARS
from calls.selectors.applications import with_content
from calls.services.applications import ApplicationError
from calls.services.completeness import missing_items
from calls.transitions import APPLICANT, Mail, TransitionError, can_transition, transition

PARIS = ZoneInfo("Europe/Paris")
S = ApplicationStatus


class SubmissionError(ApplicationError):
    """Submission refused; ``problems`` lists what to fix. The draft is left as it was."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


def paris_time(moment) -> str:
    return long_datetime(timezone.localtime(moment, PARIS))


def _deadline_passed_message(call: Call) -> str:
    return _(
        "The deadline passed on %(deadline)s (Paris time): the application was not submitted. "
        "Your draft is kept as it was."
    ) % {"deadline": paris_time(call.closes_at)}


def _allocate_reference(application: Application) -> str:
    """The next number of the call's counter; made once, at the first submission."""
    if application.reference:
        return application.reference
    call = Call.objects.select_for_update().get(pk=application.call_id)
    number = call.next_reference_number
    # Calls never share a prefix and a year (a constraint), but a reference typed in by
    # hand or left by an older call may still hold the number: skip it, never fail.
    while Application.objects.filter(reference=_reference(call, number)).exists():
        number += 1
    Call.objects.filter(pk=call.pk).update(next_reference_number=number + 1)
    return _reference(call, number)


def _reference(call: Call, number: int) -> str:
    return f"{call.reference_prefix}-{call.edition_year}-{number:03d}"


def _snapshot(application: Application, documents: list[Document]) -> dict[str, Any]:
    return {
        "title": application.title,
        "acronym": application.acronym,
        "abstract": application.abstract,
        "keywords": list(application.keywords),
        "disciplines": [{"id": d.pk, "name_en": d.name_en} for d in application.disciplines.all()],
        "ai_side": application.ai_side,
        "science_side": application.science_side,
        "postdoc_profile": application.postdoc_profile,
        "planned_start": application.planned_start.isoformat()
        if application.planned_start
        else None,
        "industry_interest": application.industry_interest,
        "excluded_reviewers": [
            {"name": e.name, "institution": e.institution, "email": e.email, "reason": e.reason}
            for e in application.excluded_reviewers.all()
        ],
        "partners": [
            {
                "unit_id": p.unit_id,
                "unit": p.unit.label,
                "unit_name": p.unit.name,
                "institute": p.institute.acronym,
                "lead_name": p.lead_name,
                "lead_email": p.lead_email,
                "is_coordinating": p.is_coordinating,
                "confirmed_at": p.confirmed_at.isoformat() if p.confirmed_at else None,
            }
            for p in application.partners.all()
        ],
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "original_name": d.original_name,
                "size": d.size,
                "sha256": d.sha256,
                "file": d.file.name,
            }
            for d in documents
        ],
    }


def _refuse_unless_submittable(locked: Application, now) -> None:
    """Raise a :class:`SubmissionError` unless the draft may be submitted at ``now``."""
    if locked.status != S.DRAFT:
        raise SubmissionError(_("This application can no longer be submitted."))
    call = locked.call
    if call.deadline_passed(now):
        raise SubmissionError(_deadline_passed_message(call))
    if not call.accepts_submissions(now):
        raise SubmissionError(_("This call is not open for submissions."))
    problems = missing_items(locked)
    if problems:
        raise SubmissionError(
            _("The application is not complete yet, so it was not submitted."), problems
        )


def _receipt_documents(call, documents) -> list[dict]:
    """The documents as the receipt lists them, each with its required-document line."""
    names = {r.kind: r for r in call.required_documents.all()}
    return [
        {
            "required": names.get(d.kind),
            "kind": d.kind,
            "name": d.original_name,
            "size": d.size,
            "sha256": d.sha256,
        }
        for d in documents
    ]


def submit_application(*, application: Application, by: Any) -> Application:
    """Submit the coordinator's draft: complete, eligible and on time, or refused with a
    :class:`SubmissionError` and nothing changed. Submitting again returns the submission."""
    with transaction.atomic():
        locked = with_content(Application.objects.select_for_update(of=("self",))).get(
            pk=application.pk
        )
        if by is None or locked.coordinator_id != by.pk:
            raise SubmissionError(_("Only the coordinator of this application may submit it."))
        if locked.status == S.SUBMITTED:
            return locked  # the other tab or the first click already did it
        now = timezone.now()
        _refuse_unless_submittable(locked, now)
        call = locked.call
        reference = _allocate_reference(locked)
        number = locked.version + 1
        order = {r.kind: i for i, r in enumerate(call.required_documents.all())}
        documents = sorted(
            locked.current_documents, key=lambda d: (order.get(d.kind, len(order)), d.kind)
        )
        ApplicationVersion.objects.create(
            application=locked,
            number=number,
            submitted_at=now,
            submitted_by=by,
            snapshot=_snapshot(locked, documents),
        )
        transition(
            application=locked,
            to=S.SUBMITTED,
            by=by,
            as_role=APPLICANT,
            data={"reference": reference, "version": number},
            mail=Mail(
                event="submission_receipt",
                context={
                    "reference": reference,
                    "submitted_at": now,
                    "version": number,
                    "documents": _receipt_documents(call, documents),
                    "call_title_en": call.title_en,
                    "call_title_fr": call.title_fr,
                },
            ),
            update_fields={"submitted_at": now, "version": number, "reference": reference},
        )
    application.refresh_from_db()
    return application


def reopen_application(*, application: Application, by: Any) -> Application:
    """Back to draft before the deadline; it must be submitted again (the version stays)."""
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        )
        if locked.status == S.DRAFT:
            return locked
        if locked.status != S.SUBMITTED:
            raise ApplicationError(_("Only a submitted application can be reopened."))
        if not locked.call.accepts_submissions():
            raise ApplicationError(
                _("The deadline has passed: the submitted application can no longer be reopened.")
            )
        try:
            transition(application=locked, to=S.DRAFT, by=by, as_role=APPLICANT, reason="reopened")
        except TransitionError as exc:
            raise ApplicationError(str(exc)) from exc
    application.refresh_from_db()
    return application


def withdraw_application(*, application: Application, by: Any, reason: str) -> Application:
    """Withdraw at any time before a decision, with a reason; the coordinator is told by mail."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the application is withdrawn."))
    if len(reason) > WITHDRAWAL_REASON_MAX_CHARS:
        raise ApplicationError(
            _("The reason may be at most %(limit)d characters.")
            % {"limit": WITHDRAWAL_REASON_MAX_CHARS}
        )
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status == S.WITHDRAWN:
            return locked
        if not can_transition(locked, S.WITHDRAWN, APPLICANT):
            raise ApplicationError(
                _("A decision was made: the application can no longer be withdrawn.")
            )
        try:
            transition(
                application=locked,
                to=S.WITHDRAWN,
                by=by,
                as_role=APPLICANT,
                reason=reason,
                mail=Mail(event="application_withdrawn", context={"reason": reason}),
                update_fields={"withdrawal_reason": reason},
            )
        except TransitionError as exc:
            raise ApplicationError(str(exc)) from exc
    application.refresh_from_db()
    return application
