"""Applications: the project, its partner units, documents and submitted versions."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from aissai.status import status_flags

from .call import Call, Discipline
from .reference import Institute, Unit

# Limits the forms show and the services enforce (the abstract's limit is a call setting).
TEXT_MAX_CHARS = 5000
KEYWORDS_MAX = 10
KEYWORD_MAX_CHARS = 60
EXCLUDED_REVIEWERS_MAX = 3
WITHDRAWAL_REASON_MAX_CHARS = 2000


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")
    IN_REVIEW = "in_review", _("In review")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    NOT_SHORTLISTED = "not_shortlisted", _("Not shortlisted")
    MAIN_LIST = "main_list", _("Main list")
    COMPLEMENTARY_LIST = "complementary_list", _("Complementary list")
    NOT_SELECTED = "not_selected", _("Not selected")
    FUNDED = "funded", _("Funded")
    DECLINED = "declined", _("Declined by the applicants")
    NOT_FUNDED = "not_funded", _("Not funded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator"),
        on_delete=models.PROTECT,
        related_name="coordinated_applications",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    # Made at first submission from the call's counter; never reused.
    reference = models.CharField(_("reference"), max_length=40, null=True, blank=True, unique=True)
    title = models.CharField(_("title"), max_length=250, blank=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    disciplines = models.ManyToManyField(
        Discipline,
        verbose_name=_("scientific disciplines"),
        blank=True,
        related_name="applications",
    )
    ai_side = models.TextField(_("the AI side of the project"), blank=True)
    science_side = models.TextField(_("the science side of the project"), blank=True)
    postdoc_profile = models.TextField(_("profile of the postdoc sought"), blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    industry_interest = models.BooleanField(
        _("interested in working with the funder's industry researchers"), default=False
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    version = models.PositiveSmallIntegerField(_("submitted version"), default=0)
    eligibility_reason = models.TextField(_("eligibility ruling reason"), blank=True)
    eligibility_overridden = models.BooleanField(
        _("eligibility rule overruled by staff"), default=False
    )
    withdrawal_reason = models.TextField(_("withdrawal reason"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    # Raised at each save through the edit form's service: a form loaded at an older
    # revision is merged field by field, never saved over what changed since.
    revision = models.PositiveIntegerField(_("edit revision"), default=0, editable=False)

    status_is = status_flags(ApplicationStatus)  # templates: {% if x.status_is.<choice> %}

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        # By the column, not the relation: "call" would add the Call's own ordering (a
        # join and a sort of every application). The index serves this order and the
        # staff table's default sort within a call.
        ordering = ["call_id", "reference", "id"]
        indexes = [
            # Counting the call's applications by status, less those a staff member is in
            # conflict with (coordinator), reads this index alone, not the wide rows:
            # PostgreSQL's index-only scan (covering ``INCLUDE`` is ignored elsewhere).
            models.Index(
                fields=["call", "status", "id"],
                include=["coordinator"],
                name="calls_appl_call_status_idx",
            ),
            models.Index(fields=["call", "reference", "id"], name="calls_appl_call_ref_id_idx"),
        ]

    def __str__(self) -> str:
        name = self.acronym or self.title or _("untitled application")
        return f"{self.reference} {name}" if self.reference else str(name)


class ExcludedReviewer(models.Model):
    """Someone the applicants ask not to review their project (at most 3)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="excluded_reviewers"
    )
    name = models.CharField(_("name"), max_length=200)
    institution = models.CharField(_("institution"), max_length=250, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("excluded reviewer")
        verbose_name_plural = _("excluded reviewers")
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    """A research unit taking part in an application, under one of its CNRS institutes."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="partners")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="partnerships"
    )
    institute = models.ForeignKey(
        Institute,
        verbose_name=_("takes part under institute"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead_name = models.CharField(_("lead scientist"), max_length=200)
    lead_email = models.EmailField(_("lead scientist's e-mail"))
    is_coordinating = models.BooleanField(_("coordinating unit"), default=False)
    confirmation_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        ordering = ["application", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "unit"], name="calls_partner_unit_once"),
        ]
        indexes = [
            # Whose conflict is in effect compares lead addresses case-insensitively
            # (``lead_email__iexact``, UPPER on PostgreSQL) on every staff list page.
            models.Index(Upper("lead_email"), name="calls_partner_lead_email_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.label} ({self.lead_name})"


def document_upload_to(instance: "Document", filename: str) -> str:
    # Generated names only: nothing of the uploaded file name reaches the disk.
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.pdf"


class Document(models.Model):
    """An uploaded PDF. Replacing one keeps the old row until the new one is saved."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.SlugField(_("kind"), max_length=40)
    file = models.FileField(upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_current = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["application", "kind", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=Q(is_current=True),
                name="calls_document_one_current_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.original_name}"


class ApplicationVersion(models.Model):
    """What was submitted, each time it was submitted (a frozen snapshot)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    snapshot = models.JSONField(_("content"))

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="calls_version_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} v{self.number}"


class DraftReminder(models.Model):
    """A reminder sent to the coordinator of a draft before the call closes: at most one
    per application and number of days before the deadline (the unique constraint holds it
    even when two runs overlap)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="draft_reminders"
    )
    days_before = models.PositiveSmallIntegerField(_("days before the deadline"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("draft reminder")
        verbose_name_plural = _("draft reminders")
        ordering = ["application", "-days_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "days_before"], name="calls_draftreminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} ({self.days_before})"
