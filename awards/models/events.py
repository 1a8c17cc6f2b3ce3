"""Events of a call's fellowships (the kick-off, a mid-term day…) and who is invited.

Each :class:`EventInvitation` is one person (a fellow, a coordinator, an institute
correspondent of a funded project) with one answer, given through a signed link in the
invitation mail without signing in, and changeable until the event's ``answers_until``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from calls.models import Call


class Event(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="award_events")
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), max_length=500, blank=True)
    programme_en = models.TextField(_("programme (English)"), blank=True)
    programme_fr = models.TextField(_("programme (French)"), blank=True)
    answers_until = models.DateTimeField(_("answers accepted until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["call", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(video_url=""), name="awards_event_place_or_link"
            ),
            models.CheckConstraint(
                condition=Q(answers_until__lte=models.F("starts_at")),
                name="awards_event_answers_before_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def _in_language(self, field: str) -> str:
        french = (get_language() or "").startswith("fr")
        return getattr(self, f"{field}_fr" if french else f"{field}_en") or getattr(
            self, f"{field}_en"
        )

    @property
    def title(self) -> str:
        return self._in_language("title")

    @property
    def programme(self) -> str:
        return self._in_language("programme")


class InviteeRole(models.TextChoices):
    FELLOW = "fellow", _("Fellow")
    COORDINATOR = "coordinator", _("Coordinator")
    CORRESPONDENT = "correspondent", _("Institute correspondent")


class Answer(models.TextChoices):
    PENDING = "pending", _("No answer yet")
    YES = "yes", _("Attends")
    NO = "no", _("Does not attend")


class EventInvitation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_invitations"
    )
    role = models.CharField(_("role"), max_length=15, choices=InviteeRole.choices)
    project = models.CharField(_("project"), max_length=300, blank=True)
    answer = models.CharField(
        _("answer"), max_length=8, choices=Answer.choices, default=Answer.PENDING
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    invited_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event invitation")
        verbose_name_plural = _("event invitations")
        ordering = ["event", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="awards_invitation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.person}"
