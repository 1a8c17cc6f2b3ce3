"""What an application still lacks before it can be submitted.

Pure reads over an application loaded with ``calls.selectors.applications.with_content``
(partners, current documents, required documents and disciplines prefetched), so the
dashboard can list what is missing for many applications in a constant number of queries.
"""

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from calls.eligibility import ConsortiumReport, check_consortium
from calls.models import Application, Document, Partner
from calls.models.application import KEYWORDS_MAX, TEXT_MAX_CHARS

REQUIRED_TEXT_FIELDS = (
    "title",
    "acronym",
    "abstract",
    "ai_side",
    "science_side",
    "postdoc_profile",
)


def _partners(application: Application) -> list[Partner]:
    return list(application.partners.all())


def _current_documents(application: Application) -> list[Document]:
    documents = getattr(application, "current_documents", None)
    if documents is None:
        documents = list(application.documents.filter(is_current=True))
    return documents


def consortium_report(application: Application) -> ConsortiumReport:
    call = application.call
    return check_consortium(
        ((p.unit_id, p.institute_id) for p in _partners(application)),
        min_units=call.min_units,
        min_institutes=call.min_institutes,
    )


def missing_items(application: Application) -> list[str]:
    """Sentences saying what must still be done; empty when the application is complete."""
    call = application.call
    missing: list[str] = []
    for name in REQUIRED_TEXT_FIELDS:
        if not (getattr(application, name) or "").strip():
            label = capfirst(Application._meta.get_field(name).verbose_name)
            missing.append(_("Fill in “%(field)s”.") % {"field": label})
    if len(application.abstract or "") > call.abstract_max_chars:
        missing.append(
            _("Shorten the abstract to %(limit)d characters.") % {"limit": call.abstract_max_chars}
        )
    for name in ("ai_side", "science_side", "postdoc_profile"):
        if len(getattr(application, name) or "") > TEXT_MAX_CHARS:
            label = capfirst(Application._meta.get_field(name).verbose_name)
            missing.append(
                _("Shorten “%(field)s” to %(limit)d characters.")
                % {"field": label, "limit": TEXT_MAX_CHARS}
            )
    if not application.keywords:
        missing.append(_("Give at least one keyword."))
    elif len(application.keywords) > KEYWORDS_MAX:
        missing.append(_("Give at most %(n)d keywords.") % {"n": KEYWORDS_MAX})
    if not application.disciplines.all():
        missing.append(_("Choose at least one scientific discipline."))
    if application.planned_start is None:
        missing.append(_("Give the planned start of the postdoc."))

    report = consortium_report(application)
    if not report.is_eligible:
        missing.append(report.message())
    partners = _partners(application)
    for partner in partners:
        if not partner.unit.is_active:
            missing.append(
                _("%(unit)s is no longer an active unit: replace it.")
                % {"unit": partner.unit.label}
            )
    if call.partner_confirmation_required:
        waiting = [p for p in partners if p.confirmed_at is None]
        if waiting:
            missing.append(
                _("Waiting for the confirmation of: %(names)s.")
                % {"names": ", ".join(f"{p.lead_name} ({p.unit.label})" for p in waiting)}
            )

    uploaded = {document.kind for document in _current_documents(application)}
    for required in call.required_documents.all():
        if required.is_required and required.kind not in uploaded:
            missing.append(_("Upload “%(document)s” (PDF).") % {"document": required.name})
    return missing
