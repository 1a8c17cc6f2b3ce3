"""After the decision: the fellowship each funded project opens, its suspensions and the
reminders sent about it, and the award settings of a call.

- :class:`AwardSettings` holds what the awards need from a call (the recruitment
  deadline), one row per call, beside the call rather than in it.
- :class:`Fellowship` is the place a funded decision gives a project: its funding source,
  the committed amount, the planned duration, the recruited postdoc and the state
  (recruiting → recruited → running → ended, or abandoned with a reason). At most one
  fellowship of an application is not abandoned (enforced by the database).
- :class:`Suspension` rows (parental leave, illness) push the end date back.
- :class:`AwardReminder` rows record each automatic reminder: at most one per fellowship
  and kind (enforced by the database).

Every write goes through ``awards.services``; states change only through
``awards.services.fellowships.move`` and its transition table.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from calls.models import Application, Call, FundingSource, Unit
from reviews.models import FundingDecision
from reviews.reasons import ReasonKind
from reviews.reasons import render as render_reason


class AwardSettings(models.Model):
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="award_settings")
    recruitment_deadline = models.DateField(
        _("recruitment deadline"),
        null=True,
        blank=True,
        help_text=_("The date by which each funded project should have recruited its postdoc."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("award settings")
        verbose_name_plural = _("award settings")

    def __str__(self) -> str:
        return str(self.call)


class FellowshipState(models.TextChoices):
    RECRUITING = "recruiting", _("Recruiting")
    RECRUITED = "recruited", _("Recruited")
    RUNNING = "running", _("Running")
    ENDED = "ended", _("Ended")
    ABANDONED = "abandoned", _("Abandoned")


OPEN_STATES = (FellowshipState.RECRUITING, FellowshipState.RECRUITED, FellowshipState.RUNNING)
# A fellowship reports once its fellow is recruited.
REPORTING_STATES = (FellowshipState.RECRUITED, FellowshipState.RUNNING, FellowshipState.ENDED)


class Fellowship(models.Model):
    application = models.ForeignKey(
        Application,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="fellowships",
    )
    decision = models.ForeignKey(
        FundingDecision,
        verbose_name=_("funding decision"),
        # RESTRICT, not PROTECT: deleting the project (or its call) deletes its
        # fellowships with its decisions; nothing else may delete a decision under one.
        on_delete=models.RESTRICT,
        related_name="+",
    )
    funding_source = models.ForeignKey(
        FundingSource,
        verbose_name=_("funding source"),
        on_delete=models.RESTRICT,
        related_name="awarded_fellowships",
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=FellowshipState.choices,
        default=FellowshipState.RECRUITING,
        db_index=True,
    )
    committed_amount = models.DecimalField(
        _("committed amount (EUR)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    released_amount = models.DecimalField(
        _("released amount (EUR)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    planned_months = models.PositiveSmallIntegerField(
        _("planned duration (months)"), validators=[MinValueValidator(1)]
    )
    # The recruited postdoc.
    fellow = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fellow's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fellowships",
    )
    fellow_name = models.CharField(_("fellow's name"), max_length=200, blank=True)
    fellow_email = models.EmailField(_("fellow's e-mail"), blank=True)
    phd_date = models.DateField(_("PhD date"), null=True, blank=True)
    hosting_unit = models.ForeignKey(
        Unit,
        verbose_name=_("hosting unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # Staff's words as text; a reason the application wrote as facts (reviews.reasons).
    abandon_reason = models.TextField(_("reason for abandoning"), blank=True)
    abandon_reason_kind = models.CharField(
        _("kind of reason for abandoning"), max_length=30, choices=ReasonKind.choices, blank=True
    )
    abandon_reason_params = models.JSONField(
        _("facts of the reason for abandoning"), default=dict, blank=True
    )
    recruited_at = models.DateTimeField(_("recruitment recorded at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("fellowship")
        verbose_name_plural = _("fellowships")
        ordering = ["application__call", "application__reference", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=~Q(state="abandoned"),
                name="awards_fellowship_one_live_per_application",
            ),
            models.CheckConstraint(
                condition=Q(committed_amount__isnull=True)
                | Q(released_amount__lte=F("committed_amount")),
                name="awards_fellowship_released_within_committed",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=False, end_date__gt=F("start_date")),
                name="awards_fellowship_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_state_display()}"

    @property
    def abandon_reason_text(self) -> str:
        """Why it was abandoned, in the reader's language."""
        return render_reason(
            self.abandon_reason_kind, self.abandon_reason_params, self.abandon_reason
        )


class Suspension(models.Model):
    """A pause of a fellowship (parental leave, illness): the end date moves by its days."""

    fellowship = models.ForeignKey(Fellowship, on_delete=models.CASCADE, related_name="suspensions")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["fellowship", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="awards_suspension_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fellowship}: {self.starts_on} → {self.ends_on}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class ReminderKind(models.TextChoices):
    RECRUITMENT_BEFORE = "recruitment_before", _("Before the recruitment deadline")
    RECRUITMENT_AFTER = "recruitment_after", _("After the recruitment deadline")
    REPORT_BEFORE = "report_before", _("Before a report is due")


class AwardReminder(models.Model):
    fellowship = models.ForeignKey(Fellowship, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=30, choices=ReminderKind.choices)
    # Reminders of a report name its milestone; recruitment reminders have none.
    milestone = models.ForeignKey(
        "awards.ReportMilestone", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("award reminder")
        verbose_name_plural = _("award reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["fellowship", "kind"],
                condition=Q(milestone__isnull=True),
                name="awards_reminder_once",
            ),
            models.UniqueConstraint(
                fields=["fellowship", "kind", "milestone"],
                condition=Q(milestone__isnull=False),
                name="awards_reminder_once_per_milestone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fellowship}: {self.get_kind_display()}"
