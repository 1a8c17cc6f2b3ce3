"""A funding call: its dates, rules, documents, review criteria and funding sources."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aissai.status import status_flags
from calls.hooks import criteria_in_use

REFERENCE_TAKEN_MESSAGE = _(
    "Another call of this edition year already uses this reference prefix: its references "
    "would clash. Choose another prefix."
)
SCORED_CRITERIA_MESSAGE = _(
    "Reviews were already scored against this call's criteria: weights and scales can no "
    "longer change, or the stored review totals would no longer match them."
)


def _localised(obj, field: str) -> str:
    lang = (get_language() or "en")[:2]
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_en", "")


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    IN_REVIEW = "in_review", _("In review")
    SELECTION = "selection", _("Selection")
    DECIDED = "decided", _("Decided")
    ARCHIVED = "archived", _("Archived")


class TieBreakRule(models.TextChoices):
    """Rules that order applications with equal scores at the funding line."""

    CRITERION_PREFIX = "criterion", _("Higher score on a criterion")
    INSTITUTES = "institutes", _("Wider institute coverage")
    UNITS = "units", _("More partner units")
    CALIBRATED = "calibrated", _("Higher calibrated score")
    MEDIAN = "median", _("Higher median score")
    SUBMITTED_AT = "submitted_at", _("Earlier submission")


class CallQuerySet(models.QuerySet):
    def published(self) -> "CallQuerySet":
        """Every call the public may read about: all but drafts."""
        return self.exclude(status=CallStatus.DRAFT)

    def listed(self, now: datetime | None = None) -> "CallQuerySet":
        """Open and upcoming calls: opened by staff and their deadline still ahead."""
        return self.filter(status=CallStatus.OPEN, closes_at__gt=now or timezone.now())


class Call(models.Model):
    edition_year = models.PositiveSmallIntegerField(
        _("edition year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    slug = models.SlugField(_("short name in addresses"), max_length=80, unique=True)
    reference_prefix = models.CharField(
        _("reference prefix"),
        max_length=20,
        default="AISSAI",
        help_text=_("AISSAI gives AISSAI-2025-007."),
    )
    title_en = models.CharField(_("title (English)"), max_length=250)
    title_fr = models.CharField(_("title (French)"), max_length=250)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    summary_fr = models.TextField(_("summary (French)"), blank=True)
    rules_en = models.TextField(_("rules (English)"), blank=True)
    rules_fr = models.TextField(_("rules (French)"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CallStatus.choices,
        default=CallStatus.DRAFT,
        db_index=True,
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("submission deadline"))
    review_deadline = models.DateTimeField(_("review deadline"))
    fellowships = models.PositiveSmallIntegerField(
        _("number of fellowships"), default=6, validators=[MinValueValidator(1)]
    )
    complementary_size = models.PositiveSmallIntegerField(_("complementary list size"), default=3)
    fellowship_months = models.PositiveSmallIntegerField(
        _("fellowship length (months)"), default=18, validators=[MinValueValidator(1)]
    )
    min_institutes = models.PositiveSmallIntegerField(
        _("minimum CNRS institutes"), default=2, validators=[MinValueValidator(1)]
    )
    min_units = models.PositiveSmallIntegerField(
        _("minimum research units"), default=2, validators=[MinValueValidator(1)]
    )
    reviews_per_application = models.PositiveSmallIntegerField(
        _("reviews per application"), default=3, validators=[MinValueValidator(1)]
    )
    coauthorship_years = models.PositiveSmallIntegerField(
        _("co-authorship window (years)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_(
            "An expert who published with a member of an application’s team within this "
            "many calendar years (the current one included) has a suspected conflict."
        ),
    )
    partner_confirmation_required = models.BooleanField(
        _("partner confirmation required before submission"), default=False
    )
    abstract_max_chars = models.PositiveIntegerField(
        _("abstract length limit (characters)"), default=3000
    )
    tie_break_order = models.JSONField(
        _("tie-break order"),
        default=list,
        blank=True,
        help_text=_(
            "Applied in order to applications with equal scores at the funding line: the "
            "first rule that separates them decides."
        ),
    )
    next_reference_number = models.PositiveIntegerField(default=1, editable=False)
    cloned_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cloned from"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised at each save through the edit form's service: a form loaded at an older
    # revision is merged field by field, never saved over what changed since.
    revision = models.PositiveIntegerField(_("edit revision"), default=0, editable=False)

    objects = CallQuerySet.as_manager()

    status_is = status_flags(CallStatus)  # templates: {% if x.status_is.<choice> %}

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-edition_year", "-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")) & Q(closes_at__lt=F("review_deadline")),
                name="calls_call_dates_in_order",
            ),
            # References are PREFIX-YEAR-NNN: two calls with the same prefix and year would
            # hand out the same references.
            models.UniqueConstraint(
                Lower("reference_prefix"),
                "edition_year",
                name="calls_call_reference_prefix_year_unique",
                violation_error_code="reference_prefix_taken",
                violation_error_message=REFERENCE_TAKEN_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The submission deadline must come after the opening.")
        if self.closes_at and self.review_deadline and self.review_deadline <= self.closes_at:
            errors["review_deadline"] = _(
                "The review deadline must come after the submission deadline."
            )
        if errors:
            raise ValidationError(errors)

    def is_upcoming(self, now: datetime | None = None) -> bool:
        """Published but not yet taking applications."""
        return self.status == CallStatus.OPEN and (now or timezone.now()) < self.opens_at

    def accepts_submissions(self, now: datetime | None = None) -> bool:
        """Open, and ``now`` from the opening up to, not including, the deadline (the
        server's clock). The one definition: the public page, ``calls.rules.call_is_open``
        and the submission service all ask this."""
        now = now or timezone.now()
        return self.status == CallStatus.OPEN and self.opens_at <= now < self.closes_at

    def deadline_passed(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    @property
    def title(self) -> str:
        return _localised(self, "title")

    @property
    def summary(self) -> str:
        return _localised(self, "summary")

    @property
    def rules_text(self) -> str:
        return _localised(self, "rules")


class NameAndDescriptionInBothLanguages:
    """``name`` and ``description`` in the active language, from the ``_en``/``_fr`` fields."""

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")

    @property
    def description(self) -> str:
        return _localised(self, "description")


class RequiredDocument(NameAndDescriptionInBothLanguages, models.Model):
    """A PDF the applicants must (or may) upload."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="required_documents")
    kind = models.SlugField(_("kind"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=150)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    max_bytes = models.PositiveIntegerField(_("maximum size (bytes)"), default=10 * 1024 * 1024)
    is_required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["call", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "kind"], name="calls_requireddocument_kind_unique"
            ),
        ]


class Criterion(NameAndDescriptionInBothLanguages, models.Model):
    """A review criterion of a call, scored on an integer scale (or N/A where allowed)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name_en = models.CharField(_("name (English)"), max_length=150)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    scale_min = models.SmallIntegerField(_("lowest score"), default=0)
    scale_max = models.SmallIntegerField(_("highest score"), default=5)
    allow_na = models.BooleanField(_("“not applicable” allowed"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    SCORING_FIELDS = ("weight", "scale_min", "scale_max")

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["call", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0), name="calls_criterion_weight_positive"
            ),
            models.CheckConstraint(
                condition=Q(scale_max__gt=F("scale_min")), name="calls_criterion_scale_ordered"
            ),
        ]

    def clean(self) -> None:
        """Weights and scales are fixed once a review was scored against the call's
        criteria: the stored review totals were computed with them."""
        super().clean()
        if self.pk is None or self.call_id is None:
            return
        stored = Criterion.objects.filter(pk=self.pk).values(*self.SCORING_FIELDS).first()
        if stored is None:
            return
        changed = [name for name in self.SCORING_FIELDS if stored[name] != getattr(self, name)]
        if changed and criteria_in_use(self.call):
            raise ValidationError(
                dict.fromkeys(changed, SCORED_CRITERIA_MESSAGE),
            )


class FundingSource(models.Model):
    """Who pays for how many fellowships (a donation, an additional grant)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="funding_sources")
    name = models.CharField(_("name"), max_length=200)
    fellowships = models.PositiveSmallIntegerField(
        _("fellowships"), validators=[MinValueValidator(1)]
    )
    amount = models.DecimalField(
        _("amount (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    granted_on = models.DateField(_("date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["call", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.fellowships})"


class Discipline(models.Model):
    """A scientific discipline an application may declare (a list staff can edit)."""

    name_en = models.CharField(_("name (English)"), max_length=120, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")
