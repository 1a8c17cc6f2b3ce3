"""Reports, outputs and the donor's contact people.

- Staff set a call's report milestones (``add_milestone``, ``remove_milestone``) and the
  donor's contact people of a funding source (``add_donor_contact``).
- The coordinator or the fellow submits the report of a milestone (``submit_report``):
  the short form, the outputs (each with a DOI or a URL, checked for form), the
  collaborations with the donor's contact people, and a PDF checked like the
  applications' documents (``calls.services.pdf_check``). Submitting again corrects it.

Each function is one transaction with its audit event; a PDF written for a transaction
that fails is removed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from awards.models import (
    REPORTING_STATES,
    DonorContact,
    Fellowship,
    Output,
    OutputKind,
    Report,
    ReportMilestone,
)
from awards.models.reports import report_upload_to
from awards.selectors.reports import due_on as milestone_due  # noqa: F401 - re-exported
from calls.models import Call, FundingSource
from calls.services.documents import clean_file_name
from calls.services.pdf_check import check_pdf

from .errors import AwardError
from .fellowships import COORDINATOR, STAFF, role_of

FELLOW = "fellow"
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")
TEXT_MAX_CHARS = 5000


# --- Milestones ------------------------------------------------------------------------


def _require_staff(by: Any) -> None:
    if not getattr(by, "is_programme_staff", False):
        raise AwardError(_("Only programme staff can do this."))


def add_milestone(
    *, call: Call, by: Any, name_en: str, name_fr: str, month: int | None
) -> ReportMilestone:
    _require_staff(by)
    name_en, name_fr = (name_en or "").strip()[:120], (name_fr or "").strip()[:120]
    if not name_en or not name_fr:
        raise AwardError(_("Name the milestone in English and in French."))
    if month is not None and not 1 <= int(month) <= call.fellowship_months:
        raise AwardError(
            _("The month must be between 1 and the fellowship's length (%(months)d).")
            % {"months": call.fellowship_months}
        )
    with transaction.atomic():
        if ReportMilestone.objects.filter(call=call, month=month).exists():
            raise AwardError(_("This call already has a report at that time."))
        milestone = ReportMilestone.objects.create(
            call=call, name_en=name_en, name_fr=name_fr, month=month
        )
        record_event(
            actor=by,
            verb="call.report_milestone_added",
            target=call,
            data={"milestone": milestone.pk, "name": name_en, "month": month},
        )
    return milestone


def remove_milestone(*, milestone: ReportMilestone, by: Any) -> None:
    _require_staff(by)
    with transaction.atomic():
        if milestone.reports.exists():
            raise AwardError(_("Reports were submitted for this milestone: it stays."))
        record_event(
            actor=by,
            verb="call.report_milestone_removed",
            target=milestone.call,
            data={"name": milestone.name_en, "month": milestone.month},
        )
        milestone.delete()


# --- Donor contacts --------------------------------------------------------------------


def add_donor_contact(
    *, funding_source: FundingSource, by: Any, full_name: str, email: str = "", team: str = ""
) -> DonorContact:
    _require_staff(by)
    full_name = " ".join((full_name or "").split())[:200]
    if not full_name:
        raise AwardError(_("Give the contact's name."))
    with transaction.atomic():
        contact = DonorContact.objects.create(
            funding_source=funding_source,
            full_name=full_name,
            email=(email or "").strip().lower(),
            team=(team or "").strip()[:200],
        )
        record_event(
            actor=by,
            verb="funding_source.donor_contact_added",
            target=funding_source,
            data={"contact": contact.pk, "name": full_name},
        )
    return contact


# --- Outputs ---------------------------------------------------------------------------


@dataclass
class OutputData:
    kind: str
    title: str
    doi: str = ""
    url: str = ""


def normalise_doi(value: str) -> str:
    """A DOI as ``10.xxxx/…`` (a doi.org link or a ``doi:`` prefix is taken off); raises
    ValidationError when it is not one."""
    doi = (value or "").strip()
    for prefix in DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
            break
    if doi and not DOI_RE.match(doi):
        raise ValidationError(
            _("“%(value)s” is not a DOI (it looks like 10.1234/abc).") % {"value": value},
            code="doi",
        )
    return doi


def check_output(data: OutputData) -> OutputData:
    if data.kind not in OutputKind.values:
        raise ValidationError(_("Choose the kind of output."), code="kind")
    title = " ".join((data.title or "").split())[:500]
    if not title:
        raise ValidationError(_("Give the output's title."), code="title")
    doi = normalise_doi(data.doi)
    url = (data.url or "").strip()
    if url:
        URLValidator(schemes=["http", "https"])(url)
    if not doi and not url:
        raise ValidationError(_("Give a DOI or a URL for “%(title)s”.") % {"title": title})
    return OutputData(kind=data.kind, title=title, doi=doi, url=url)


# --- Reports ---------------------------------------------------------------------------


def reporter_role(user: Any, fellowship: Fellowship) -> str | None:
    """The coordinator and the fellow report (staff too, for them)."""
    role = role_of(user, fellowship)
    if role is None and fellowship.fellow_id and fellowship.fellow_id == user.pk:
        return FELLOW
    return role


def _read_pdf(upload: UploadedFile) -> bytes:
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("This file is %(size)s; it may be at most %(limit)s.")
            % {"size": filesizeformat(upload.size or 0), "limit": filesizeformat(limit)},
            code="too_large",
        )
    data = b"".join(upload.chunks())
    if not data:
        raise ValidationError(_("This file is empty."), code="empty")
    check_pdf(data)
    return data


def _check_reporter(by: Any, fellowship: Fellowship, milestone: ReportMilestone) -> str:
    """The role ``by`` reports in, or AwardError."""
    role = reporter_role(by, fellowship)
    if role not in (STAFF, COORDINATOR, FELLOW):
        raise AwardError(_("You may not report on this fellowship."))
    if milestone.call_id != fellowship.application.call_id:
        raise AwardError(_("This milestone belongs to another call."))
    return role


def _check_donor_contacts(fellowship: Fellowship, donor_contacts: Sequence[DonorContact]) -> None:
    allowed_contacts = set(
        DonorContact.objects.filter(funding_source=fellowship.funding_source_id).values_list(
            "pk", flat=True
        )
    )
    if any(contact.pk not in allowed_contacts for contact in donor_contacts):
        raise AwardError(_("Name only the contact people of the fellowship's funding source."))


def _store_pdf(report: Report, upload: UploadedFile, data: bytes, storage) -> str:
    """Store the report's new PDF and return its name; the earlier PDF goes once the new
    one is saved for good."""
    replaced = report.file.name if report.file else ""
    if replaced:
        transaction.on_commit(lambda: storage.delete(replaced))
    # Named and hashed first: once stored, nothing here may fail before the caller has
    # the name to delete the file by if the transaction does not commit.
    original_name = clean_file_name(upload.name)
    sha256 = hashlib.sha256(data).hexdigest()
    stored_name = storage.save(report_upload_to(report, ""), ContentFile(data))
    report.file = stored_name
    report.original_name = original_name
    report.sha256 = sha256
    return stored_name


def _replace_outputs(report: Report, checked: list[OutputData]) -> None:
    report.outputs.all().delete()
    Output.objects.bulk_create(
        Output(report=report, position=i, **vars(output)) for i, output in enumerate(checked)
    )


def submit_report(
    *,
    fellowship: Fellowship,
    milestone: ReportMilestone,
    by: Any,
    progress: str,
    collaborations: str = "",
    difficulties: str = "",
    donor_contacts: Sequence[DonorContact] = (),
    outputs: Sequence[OutputData] = (),
    upload: UploadedFile | None = None,
) -> Report:
    """Submit (or correct) the report of ``milestone``. Raises AwardError for what the
    person may not do, ValidationError for what they typed."""
    role = _check_reporter(by, fellowship, milestone)
    progress = (progress or "").strip()[:TEXT_MAX_CHARS]
    if not progress:
        raise ValidationError(_("Describe the progress of the project."), code="progress")
    checked = [check_output(output) for output in outputs]
    _check_donor_contacts(fellowship, donor_contacts)
    data = _read_pdf(upload) if upload is not None else None
    storage = Report._meta.get_field("file").storage
    stored_name = None
    try:
        with transaction.atomic():
            locked = Fellowship.objects.select_for_update().get(pk=fellowship.pk)
            if locked.state not in REPORTING_STATES:
                raise AwardError(_("Reports open once the fellow is recruited."))
            report = Report.objects.filter(fellowship=locked, milestone=milestone).first()
            created = report is None
            report = report or Report(fellowship=locked, milestone=milestone)
            report.progress = progress
            report.collaborations = (collaborations or "").strip()[:TEXT_MAX_CHARS]
            report.difficulties = (difficulties or "").strip()[:TEXT_MAX_CHARS]
            report.submitted_at = timezone.now()
            report.submitted_by = by
            if data is not None:
                stored_name = _store_pdf(report, upload, data, storage)
            report.save()
            report.donor_contacts.set(donor_contacts)
            _replace_outputs(report, checked)
            record_event(
                actor=by,
                verb="fellowship.report_submitted" if created else "fellowship.report_corrected",
                target=locked,
                data={
                    "milestone": milestone.pk,
                    "role": role,
                    "outputs": len(checked),
                    "donor_contacts": [c.pk for c in donor_contacts],
                    "sha256": report.sha256,
                },
            )
    except BaseException:
        if stored_name:
            storage.delete(stored_name)
        raise
    return report


def record_report_download(*, report: Report, by: Any) -> None:
    record_event(
        actor=by,
        verb="fellowship.report_downloaded",
        target=report.fellowship,
        data={"report": report.pk},
    )


def record_outputs_export(
    *, call: Call, by: Any, source: FundingSource | None, file_format: str
) -> None:
    """Exports take data out of the site: each leaves an audit event on the call."""
    with transaction.atomic():
        record_event(
            actor=by,
            verb="call.exported",
            target=call,
            data={
                "export": "outputs",
                "format": file_format,
                "source": source.pk if source is not None else None,
            },
        )


def record_donor_report(*, source: FundingSource, by: Any, file_format: str, language: str) -> None:
    """The donor's report takes the projects' data out of the site: one audit event."""
    with transaction.atomic():
        record_event(
            actor=by,
            verb="call.exported",
            target=source.call,
            data={
                "export": "donor_report",
                "source": source.pk,
                "format": file_format,
                "language": language,
            },
        )
