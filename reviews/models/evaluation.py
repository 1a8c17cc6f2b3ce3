"""Conflicts of interest, assignments, reviews and their per-criterion scores."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aissai.status import status_flags
from calls.models import Application, Criterion

from .experts import Invitation


class ConflictSource(models.TextChoices):
    DETECTED = "detected", _("Detected")
    DECLARED = "declared", _("Declared by the reviewer")
    EXCLUDED = "excluded", _("Excluded by the applicants")
    STAFF = "staff", _("Set by staff")


class ConflictStatus(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    CONFIRMED = "confirmed", _("Confirmed")
    CLEARED = "cleared", _("Cleared")


class Conflict(models.Model):
    """A reviewer × application conflict of interest. Confirmed conflicts block everything."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="conflicts")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    source = models.CharField(_("source"), max_length=10, choices=ConflictSource.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.SUSPECTED
    )
    rule = models.CharField(_("rule"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ruling_reason = models.TextField(_("staff ruling reason"), blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    status_is = status_flags(ConflictStatus)  # templates: {% if x.status_is.<choice> %}

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["application", "invitation"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "application"], name="reviews_conflict_once"
            ),
        ]
        indexes = [models.Index(fields=["application", "status"])]

    def __str__(self) -> str:
        return f"{self.invitation.expert} × {self.application} ({self.get_status_display()})"


class DeclaredConflict(models.TextChoices):
    NONE = "none", _("No conflict")
    CONFLICT = "conflict", _("Conflict")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Assignment(models.Model):
    """A reviewer assigned to an application. Ended assignments are kept for the record."""

    invitation = models.ForeignKey(Invitation, on_delete=models.PROTECT, related_name="assignments")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="assignments"
    )
    is_active = models.BooleanField(_("active"), default=True)
    affinity = models.FloatField(_("affinity"), null=True, blank=True)
    shared_terms = models.JSONField(_("shared terms"), default=list, blank=True)
    coi_declaration = models.CharField(
        _("conflict declaration"), max_length=10, choices=DeclaredConflict.choices, blank=True
    )
    coi_declared_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    review_status_is = status_flags(ReviewStatus, field="review_status")  # an annotation

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["application", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "application"],
                condition=Q(is_active=True),
                name="reviews_assignment_active_once",
            ),
        ]
        indexes = [models.Index(fields=["application", "is_active"])]

    def __str__(self) -> str:
        return f"{self.invitation.expert} → {self.application}"


class Recommendation(models.TextChoices):
    STRONG_YES = "strong_yes", _("Fund with high priority")
    YES = "yes", _("Fund")
    MAYBE = "maybe", _("Fund if possible")
    NO = "no", _("Do not fund")


class Review(models.Model):
    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="review")
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    recommendation = models.CharField(
        _("overall recommendation"), max_length=12, choices=Recommendation.choices, blank=True
    )
    confidence = models.PositiveSmallIntegerField(
        _("confidence"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1: outside my field … 5: my own field"),
    )
    comments_for_applicants = models.TextField(_("comments for the applicants"), blank=True)
    comments_for_staff = models.TextField(_("confidential comments for staff"), blank=True)
    # The weighted total, computed by reviews.scoring.weighted and stored at each save.
    total = models.DecimalField(
        _("weighted score"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised at each save through the edit form's service: a form loaded at an older
    # revision is merged field by field, never saved over what changed since.
    revision = models.PositiveIntegerField(_("edit revision"), default=0, editable=False)

    status_is = status_flags(ReviewStatus)  # templates: {% if x.status_is.<choice> %}

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["assignment"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=1, confidence__lte=5),
                name="reviews_review_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Review')} {self.assignment}"


class CriterionScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["review", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="reviews_score_once"),
            models.CheckConstraint(
                condition=~(Q(not_applicable=True) & Q(score__isnull=False)),
                name="reviews_score_na_has_no_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {'N/A' if self.not_applicable else self.score}"


class ReminderKind(models.TextChoices):
    BEFORE_DEADLINE = "before", _("Before the deadline")
    AFTER_DEADLINE = "after", _("After the deadline")
    MANUAL = "manual", _("Sent by staff")


class ReminderSent(models.Model):
    """One reminder of one kind per assignment, at most (manual ones are not limited)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind"],
                condition=~Q(kind="manual"),
                name="reviews_reminder_once_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} {self.kind}"
