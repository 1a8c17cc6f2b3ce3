"""The reviewer pool: experts, their invitations to a call, and the confidentiality terms."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aissai.accounts.validators import validate_orcid
from aissai.status import status_flags
from calls.models import Call, Unit


class Expert(models.Model):
    """A person who may review, across calls. Often abroad, often without a CNRS account."""

    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail"), unique=True)
    institution = models.CharField(_("institution"), max_length=250)
    country = models.CharField(_("country"), max_length=80, blank=True)
    keywords = models.JSONField(_("expertise keywords"), default=list, blank=True)
    statement = models.TextField(_("expertise statement"), blank=True)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True, validators=[validate_orcid])
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("CNRS unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="en"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.institution})"

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class Publication(models.Model):
    """One of an expert's recent publications, imported from a list they or staff gave
    (BibTeX, as HAL, ORCID and most tools export it): its co-authors may be in conflict."""

    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.CASCADE, related_name="publications"
    )
    title = models.CharField(_("title"), max_length=500)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    authors = models.JSONField(_("co-authors"), default=list, blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-year", "title"]
        indexes = [models.Index(fields=["expert", "year"], name="reviews_publication_recent")]

    def __str__(self) -> str:
        return f"{self.title} ({self.year or '—'})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn by staff")


def default_invitation_expiry():
    return timezone.now() + timedelta(days=21)


class Invitation(models.Model):
    """An expert invited to review for one call. An accepted invitation makes a reviewer."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="invitations")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="invitations")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    max_load = models.PositiveSmallIntegerField(
        _("maximum number of applications"), default=8, validators=[MinValueValidator(1)]
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), default=default_invitation_expiry)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    suggested_colleague = models.CharField(_("suggested colleague"), max_length=300, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The reviewer's live assignments in the call and those with a submitted review: kept
    # by ``reviews.services.review_counts`` in the transaction of every change.
    reviews_assigned = models.PositiveIntegerField(_("reviews assigned"), default=0, editable=False)
    reviews_done = models.PositiveIntegerField(_("reviews submitted"), default=0, editable=False)

    status_is = status_flags(InvitationStatus)  # templates: {% if x.status_is.<choice> %}
    effective_status_is = status_flags(InvitationStatus, field="effective_status")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["call", "expert__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "expert"], name="reviews_invitation_once_per_call"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.call}"

    @property
    def is_expired(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now()


class ConfidentialityTerms(models.Model):
    """A versioned text every reviewer accepts before seeing any application of a call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="confidentiality_terms")
    version = models.PositiveSmallIntegerField(_("version"))
    text_en = models.TextField(_("text (English)"))
    text_fr = models.TextField(_("text (French)"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("confidentiality terms")
        verbose_name_plural = _("confidentiality terms")
        ordering = ["call", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "version"], name="reviews_terms_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} v{self.version}"


class ConfidentialityAcceptance(models.Model):
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="acceptances")
    terms = models.ForeignKey(
        ConfidentialityTerms, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)

    class Meta:
        verbose_name = _("confidentiality acceptance")
        verbose_name_plural = _("confidentiality acceptances")
        constraints = [
            models.UniqueConstraint(fields=["invitation", "terms"], name="reviews_acceptance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invitation} accepted v{self.terms.version}"


__all__ = [
    "ConfidentialityAcceptance",
    "ConfidentialityTerms",
    "Expert",
    "Invitation",
    "InvitationStatus",
]
