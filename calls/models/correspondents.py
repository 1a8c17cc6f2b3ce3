"""Institute correspondents: the scientific deputy of a CNRS institute, a role given by staff.

A correspondent reads, without changing anything, the submitted applications in which a
partner takes part under their institute. The role is one row per (person, institute);
revoking it keeps the row (inactive) so that the history stays readable, and granting it
again reactivates the same row. Every change is written to the audit log by
``calls.services.correspondents``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .reference import Institute


class InstituteCorrespondentQuerySet(models.QuerySet):
    def active(self) -> "InstituteCorrespondentQuerySet":
        return self.filter(active=True)


class InstituteCorrespondent(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="institute_correspondences",
    )
    institute = models.ForeignKey(
        Institute,
        verbose_name=_("institute"),
        on_delete=models.PROTECT,
        related_name="correspondents",
    )
    active = models.BooleanField(_("active"), default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InstituteCorrespondentQuerySet.as_manager()

    class Meta:
        verbose_name = _("institute correspondent")
        verbose_name_plural = _("institute correspondents")
        ordering = ["institute__acronym", "user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institute"], name="calls_correspondent_once_per_institute"
            ),
        ]
        indexes = [models.Index(fields=["user", "active"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.institute.acronym}"
