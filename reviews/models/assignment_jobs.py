"""Assignment proposals: a job that computes a proposal in the background, the proposal it
produced (pairs, loads, uncovered applications), staff's edits and the confirmation.

The ``result`` JSON is written once by the job and then only edited by staff (a dropped or
replaced pair); it holds ids, never names, so a proposal shows current names and is
rendered in the reader's language. See ``reviews.services.assignment`` for its layout.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aissai.status import status_flags
from calls.models import Call


class ProposalStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Being computed")
    READY = "ready", _("Ready to review")
    FAILED = "failed", _("Failed")
    CONFIRMED = "confirmed", _("Confirmed")
    SUPERSEDED = "superseded", _("Replaced by a newer proposal")


class AssignmentProposal(models.Model):
    """One request for an assignment proposal of a call, and what came of it."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assignment_proposals")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    allow_suspected = models.BooleanField(
        _("suspected conflicts allowed"),
        default=False,
        help_text=_("Pairs with a suspected (not confirmed) conflict may be proposed."),
    )
    # The affinity the proposal may give up to take one review off a reviewer who has two
    # more than another (see reviews.assignment.solver): 0 is fit only, 1 even loads first.
    balance = models.DecimalField(
        _("fit traded for even loads"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.25"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # The state the proposal was computed from (live assignments and conflicts): when it
    # no longer matches, the proposal is stale and each pair is checked again on confirm.
    basis = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)

    status_is = status_flags(ProposalStatus)  # templates: {% if x.status_is.<choice> %}

    class Meta:
        verbose_name = _("assignment proposal")
        verbose_name_plural = _("assignment proposals")
        ordering = ["call", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="reviews_proposal_progress_range"
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0, balance__lte=1), name="reviews_proposal_balance_range"
            ),
        ]
        indexes = [models.Index(fields=["call", "status"])]

    def __str__(self) -> str:
        return f"{self.call} #{self.pk} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status in (ProposalStatus.QUEUED, ProposalStatus.RUNNING)


__all__ = ["AssignmentProposal", "ProposalStatus"]
