"""The results mails: publishing the results of a call, and the mails of later changes.

``publish_results`` writes each applicant's ``results`` mail, **held** for staff to read and
release from the outbox, with the key ``results:<application id>``, in the applicant's
language, for their outcome (not shortlisted, not selected, complementary list with its
position, funded…), with the reviewers' comments for the applicants when staff attach them
(numbered "Reviewer 1", "Reviewer 2"…, never a name). Publishing moves the call to
*decided*, which is when applicants see their status.

After publication every change of a decision writes a held mail with the same key
(``notify_change``): while the applicant's results mail is still held, it is discarded and
the results mail is written again for the new outcome; once it was released, the change
has its own mail (``promotion`` or ``funding_decision``). Nothing is mailed before the
results are published.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import discard_mails, queue_mail
from calls.models import Application, ApplicationStatus, Call, CallStatus, FundingSource
from calls.services.calls import CallError, change_call_status
from reviews.models import FundingDecision
from reviews.selectors.scoreboard import counted_reviews

from .lists import DecisionError, Locked, lock, require_fixed, require_staff
from .steps import PUBLISH, require_call_status

S = ApplicationStatus
RESULTS_MAIL, PROMOTION_MAIL, DECISION_MAIL = "results", "promotion", "funding_decision"
OUTCOMES = {
    S.NOT_SHORTLISTED: "not_shortlisted",
    S.NOT_SELECTED: "not_selected",
    S.COMPLEMENTARY_LIST: "complementary",
    S.FUNDED: "funded",
    S.NOT_FUNDED: "not_funded",
    S.DECLINED: "declined",
}


def results_key(application_id: int) -> str:
    return f"results:{application_id}"


def applications_by_id(ids) -> dict[int, Application]:
    return {
        a.pk: a
        for a in Application.objects.filter(pk__in=list(ids)).select_related("coordinator", "call")
    }


def reviewer_comments(call: Call, application_ids) -> dict[int, list[dict[str, Any]]]:
    """Comments for the applicants of the counted reviews, numbered per application
    ("Reviewer 1", "Reviewer 2"…): no name, no institution, no review id."""
    comments: dict[int, list[dict[str, Any]]] = {}
    rows = (
        counted_reviews(call)
        .filter(assignment__application_id__in=list(application_ids))
        .exclude(comments_for_applicants="")
        .order_by("assignment__application_id", "pk")
        .values_list("assignment__application_id", "comments_for_applicants")
    )
    for application_id, text in rows:
        numbered = comments.setdefault(application_id, [])
        numbered.append({"number": len(numbered) + 1, "text": text.strip()})
    return comments


def _decline_url(application: Application) -> str:
    return settings.SITE_URL + reverse("reviews:decline_place", args=[application.pk])


def current_sources(application_ids) -> dict[int, FundingSource | None]:
    """The funding source of each application's current decision."""
    return {
        decision.application_id: decision.funding_source
        for decision in FundingDecision.objects.filter(
            application_id__in=list(application_ids), is_current=True
        ).select_related("funding_source")
    }


def mail_context(
    locked: Locked, application: Application, comments=None, sources=None
) -> dict[str, Any]:
    kind_position = locked.stored.get(application.pk)
    if sources is None:
        sources = current_sources([application.pk])
    return {
        "call": locked.call,
        "application": application,
        "outcome": OUTCOMES.get(application.status, ""),
        "position": kind_position[1] if kind_position else None,
        "complementary_size": locked.call.complementary_size,
        "source": sources.get(application.pk),
        "comments": comments or [],
        "decline_url": _decline_url(application),
    }


def _queue(application: Application, event: str, context: dict[str, Any]) -> OutboxMessage:
    coordinator = application.coordinator
    return queue_mail(
        event=event,
        to_email=coordinator.email,
        to_name=coordinator.full_name,
        language=coordinator.language,
        recipient=coordinator,
        related=application,
        held=True,
        replace_key=results_key(application.pk),
        context=context,
    )


def _results_held(application_id: int) -> bool:
    return OutboxMessage.objects.filter(
        replace_key=results_key(application_id), status=OutboxStatus.HELD, event=RESULTS_MAIL
    ).exists()


def notify_change(
    locked: Locked, application: Application, event: str, extra: dict[str, Any]
) -> OutboxMessage | None:
    """After publication: the results mail again while it is held, else ``event``."""
    if not locked.selection.is_published:
        return None
    if _results_held(application.pk):
        comments = None
        if locked.selection.comments_attached:
            comments = reviewer_comments(locked.call, [application.pk]).get(application.pk)
        return _queue(application, RESULTS_MAIL, mail_context(locked, application, comments))
    return _queue(application, event, {**mail_context(locked, application), **extra})


def refresh_held_results(locked: Locked, application_ids: list[int]) -> None:
    """Complementary-list places changed: held results mails are written again."""
    if not locked.selection.is_published:
        return
    for application in applications_by_id(application_ids).values():
        if _results_held(application.pk):
            notify_change(locked, application, RESULTS_MAIL, {})


def decide_call(call: Call, by: Any) -> None:
    """The call is decided once its results are published (unless staff marked it so)."""
    if call.status == CallStatus.DECIDED:
        return
    try:
        change_call_status(call=call, to=CallStatus.DECIDED, by=by, reason=_("Results published."))
    except CallError as error:
        raise DecisionError(str(error)) from error


def publish_results(*, call: Call, by: Any, attach_comments: bool = True) -> list[OutboxMessage]:
    """Write each applicant's results mail, held, for their outcome (not shortlisted, not
    selected, complementary list with position, funded…), in their language, with the
    reviewers' comments for applicants when ``attach_comments``. Held shortlist-outcome
    mails of the same applications are discarded: the results supersede them."""
    require_staff(by)
    with transaction.atomic():
        locked = lock(call)
        require_fixed(locked)
        if locked.selection.is_published:
            raise DecisionError(_("The results are already published."))
        require_call_status(locked.call, PUBLISH, DecisionError)
        decide_call(locked.call, by)
        applications = list(
            Application.objects.filter(call=locked.call, status__in=list(OUTCOMES))
            .select_related("coordinator")
            .order_by("reference", "pk")
        )
        ids = [a.pk for a in applications]
        discard_mails(
            actor=by,
            messages=OutboxMessage.objects.filter(
                replace_key__in=[f"shortlist:{pk}" for pk in ids], status=OutboxStatus.HELD
            ),
        )
        comments = reviewer_comments(locked.call, ids) if attach_comments else {}
        sources = current_sources(ids)
        mails = []
        for application in applications:
            context = mail_context(locked, application, comments.get(application.pk), sources)
            mails.append(_queue(application, RESULTS_MAIL, context))
        selection = locked.selection
        selection.published_at, selection.published_by = timezone.now(), by
        selection.comments_attached = attach_comments
        selection.save(update_fields=["published_at", "published_by", "comments_attached"])
        outcomes: dict[str, int] = {}
        for application in applications:
            outcome = OUTCOMES[application.status]
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        record_event(
            actor=by,
            verb="call.results.published",
            target=locked.call,
            data={"outcomes": outcomes, "comments_attached": attach_comments, "mails": len(ids)},
        )
    return mails
