"""Conflicts of interest of programme staff: a staff member × application row.

A staff member who coordinates an application, or leads one of its partner units and has
confirmed it, is in conflict with it by construction (``calls.selectors.staff_conflicts``
derives that from the application itself). This table holds the rest:

- a staff member's own declaration (source "declared", confirmed at once);
- an application that names a staff member as a partner lead who has not confirmed: an
  applicant types that address, so naming someone must never hide an application from
  them on its own. The call's managers rule on it: confirmed (the conflict takes effect)
  or cleared (the staff member keeps their rights on it).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .application import Application


class StaffConflictSource(models.TextChoices):
    DECLARED = "declared", _("Declared by the staff member")
    NAMED = "named", _("Named as a partner lead, not confirmed")


class StaffConflictStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    CLEARED = "cleared", _("Cleared")


class StaffConflict(models.Model):
    """A declared or ruled conflict of one staff member with one application."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="staff_conflicts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="staff_conflicts",
    )
    source = models.CharField(_("source"), max_length=10, choices=StaffConflictSource.choices)
    status = models.CharField(_("status"), max_length=10, choices=StaffConflictStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("staff conflict of interest")
        verbose_name_plural = _("staff conflicts of interest")
        ordering = ["application", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "user"], name="calls_staff_conflict_once"
            ),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user} × {self.application} ({self.get_status_display()})"
