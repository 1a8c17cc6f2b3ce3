"""The call's confidentiality terms: staff publish versions, reviewers accept the current one.

Each edit is a new version (earlier ones are kept, with who accepted them); a reviewer who
accepted an earlier version must accept the new one before seeing applications again.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from calls.models import Call
from reviews.models import (
    ConfidentialityAcceptance,
    ConfidentialityTerms,
    Invitation,
    InvitationStatus,
)
from reviews.selectors.pool import current_terms


class TermsError(Exception):
    """The terms cannot be published or accepted; the message says why."""


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def publish_terms(*, call: Call, by: Any, text_en: str, text_fr: str) -> ConfidentialityTerms:
    """Publish a new version of the terms (version numbers follow each other per call)."""
    text_en, text_fr = _tidy(text_en), _tidy(text_fr)
    if not text_en or not text_fr:
        raise TermsError(_("Write the terms in English and in French."))
    with transaction.atomic():
        # One publisher at a time per call, so that two edits get two version numbers.
        Call.objects.select_for_update().filter(pk=call.pk).first()
        latest = current_terms(call)
        if latest is not None and (latest.text_en, latest.text_fr) == (text_en, text_fr):
            raise TermsError(
                _("The text is the same as version %(version)s: nothing was published.")
                % {"version": latest.version}
            )
        terms = ConfidentialityTerms.objects.create(
            call=call,
            version=(latest.version + 1) if latest else 1,
            text_en=text_en,
            text_fr=text_fr,
            published_at=timezone.now(),
        )
        record_event(
            actor=by,
            verb="reviews.terms_published",
            target=terms,
            data={"call": call.slug, "version": terms.version},
        )
    return terms


def accept_terms(*, invitation: Invitation, user: Any, version: int) -> ConfidentialityAcceptance:
    """The reviewer accepts the version they read; it must still be the current one."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("expert", "call")
            .get(pk=invitation.pk)
        )
        if invitation.status != InvitationStatus.ACCEPTED or invitation.expert.user_id != getattr(
            user, "pk", None
        ):
            raise TermsError(_("Only a reviewer of this call can accept its terms."))
        terms = current_terms(invitation.call_id)
        if terms is None:
            raise TermsError(_("The terms of this call are not published yet."))
        if terms.version != version:
            raise TermsError(
                _("The terms changed while you were reading them: read version %(version)s.")
                % {"version": terms.version}
            )
        acceptance, created = ConfidentialityAcceptance.objects.get_or_create(
            invitation=invitation, terms=terms, defaults={"accepted_at": timezone.now()}
        )
        if created:
            record_event(
                actor=user,
                verb="reviews.terms_accepted",
                target=acceptance,
                data={"call": invitation.call.slug, "version": terms.version},
            )
    return acceptance
