"""Reports and outputs of the fellowships, and the donor's contact people.

- :class:`ReportMilestone`: when a call's fellowships report (month 9, the end…). A
  milestone ``at_end`` is due on the fellowship's end date; another is due ``month``
  months after the start, moved by the suspensions that began before it.
- :class:`Report`: one per fellowship and milestone, filled in by the coordinator or the
  fellow (progress, collaborations, difficulties, a PDF), submitted once and then
  corrected if needed; it may name collaborations with the donor's contact people.
- :class:`Output`: a publication, preprint, software or data set declared in a report,
  with a DOI or a URL (checked for form).
- :class:`DonorContact`: the donor's researchers a funding source's projects may work
  with, recorded by staff.
"""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from calls.models import Call, FundingSource

from .fellowships import Fellowship


class ReportMilestone(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="report_milestones")
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Months after the start; leave empty for the end of the fellowship."),
    )

    class Meta:
        verbose_name = _("report milestone")
        verbose_name_plural = _("report milestones")
        ordering = ["call", models.F("month").asc(nulls_last=True), "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "month"], name="awards_milestone_month_once_per_call"
            ),
            models.UniqueConstraint(
                fields=["call"], condition=Q(month__isnull=True), name="awards_milestone_one_end"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if (get_language() or "").startswith("fr") else self.name_en

    @property
    def at_end(self) -> bool:
        return self.month is None


class DonorContact(models.Model):
    funding_source = models.ForeignKey(
        FundingSource, on_delete=models.CASCADE, related_name="donor_contacts"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail address"), blank=True)
    team = models.CharField(_("team or department"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("donor contact")
        verbose_name_plural = _("donor contacts")
        ordering = ["funding_source", "full_name", "pk"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.team})" if self.team else self.full_name


def report_upload_to(instance: "Report", filename: str) -> str:
    # Generated names only: nothing of the uploaded file name reaches the disk.
    return f"awards/{instance.fellowship_id}/{uuid.uuid4().hex}.pdf"


class Report(models.Model):
    fellowship = models.ForeignKey(Fellowship, on_delete=models.CASCADE, related_name="reports")
    milestone = models.ForeignKey(ReportMilestone, on_delete=models.PROTECT, related_name="reports")
    progress = models.TextField(_("progress"))
    collaborations = models.TextField(_("collaborations"), blank=True)
    difficulties = models.TextField(_("difficulties"), blank=True)
    donor_contacts = models.ManyToManyField(
        DonorContact,
        verbose_name=_("collaborations with the donor's researchers"),
        blank=True,
        related_name="reports",
    )
    file = models.FileField(upload_to=report_upload_to, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["fellowship", "milestone", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["fellowship", "milestone"], name="awards_report_once_per_milestone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fellowship.application} · {self.milestone}"


class OutputKind(models.TextChoices):
    PUBLICATION = "publication", _("Publication")
    PREPRINT = "preprint", _("Preprint")
    SOFTWARE = "software", _("Software")
    DATASET = "dataset", _("Data set")


class Output(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="outputs")
    kind = models.CharField(_("kind"), max_length=12, choices=OutputKind.choices)
    title = models.CharField(_("title"), max_length=500)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("output")
        verbose_name_plural = _("outputs")
        ordering = ["report", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(doi="") | ~Q(url=""), name="awards_output_has_doi_or_url"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def link(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else self.url
