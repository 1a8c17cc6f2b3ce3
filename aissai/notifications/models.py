import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aissai.status import status_flags

from .links import withhold, withhold_html


class OutboxStatus(models.TextChoices):
    HELD = "held", _("Held for release")
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    DISCARDED = "discarded", _("Discarded")


class MailEvent(models.TextChoices):
    """What a mail is about, as people read it in the outbox (the event is stored as its
    code: one template folder per event under ``templates/notifications/``)."""

    ACCOUNT_EXISTS = "account_exists", _("Account already exists")
    ACCOUNT_VERIFY = "account_verify", _("Address confirmation")
    APPLICATION_WITHDRAWN = "application_withdrawn", _("Application withdrawn")
    AWARD_EVENT_INVITATION = "award_event_invitation", _("Invitation to a programme event")
    AWARD_EVENT_REMINDER = "award_event_reminder", _("Programme event reminder")
    AWARD_FELLOW_INVITATION = "award_fellow_invitation", _("Invitation to the fellow")
    AWARD_RECRUITMENT_REMINDER = "award_recruitment_reminder", _("Recruitment reminder")
    AWARD_REPORT_REMINDER = "award_report_reminder", _("Report reminder")
    CONFLICT_DECLARED = "conflict_declared", _("Conflict of interest declared")
    DRAFT_REMINDER = "draft_reminder", _("Unsubmitted draft reminder")
    ELIGIBILITY_OUTCOME = "eligibility_outcome", _("Eligibility outcome")
    FUNDING_DECISION = "funding_decision", _("Funding decision")
    INVITATION_DECLINED = "invitation_declined", _("Invitation declined")
    PARTNER_CONFIRMATION = "partner_confirmation", _("Partner confirmation request")
    PASSWORD_RESET = "password_reset", _("Password reset")
    PROMOTION = "promotion", _("Promotion from the complementary list")
    RESULTS = "results", _("Selection results")
    REVIEW_ASSIGNMENT = "review_assignment", _("Review assignment")
    REVIEW_REMINDER = "review_reminder", _("Review reminder")
    REVIEWER_INVITATION = "reviewer_invitation", _("Reviewer invitation")
    SHORTLIST_OUTCOME = "shortlist_outcome", _("Shortlist outcome")
    SUBMISSION_RECEIPT = "submission_receipt", _("Submission receipt")
    TEST = "test", _("Test e-mail")

    @classmethod
    def label_of(cls, event: str) -> str:
        """The label of ``event``; an unknown code is shown as it is."""
        try:
            return str(cls(event).label)
        except ValueError:
            return event


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


class OutboxMessage(models.Model):
    """One e-mail to one recipient, written in the transaction of the change that caused it."""

    event = models.CharField(_("event"), max_length=80, db_index=True)  # a MailEvent
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    to_email = models.EmailField(_("recipient e-mail"))
    to_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=2, default="en")
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    # Links that grant access, as [{"kind": ..., "ref": ...}]: the bodies hold placeholders
    # and the URL is made at delivery only (aissai.notifications.links).
    links = models.JSONField(_("withheld links"), default=list, blank=True, editable=False)
    message_id = models.CharField(
        _("Message-ID"), max_length=200, unique=True, default=new_message_id, editable=False
    )
    related_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    related_id = models.CharField(max_length=64, blank=True)
    # Groups the mails that replace one another (a held decision mail, say).
    replace_key = models.CharField(max_length=120, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When a delivery task was last handed to the broker; the relay re-queues a pending row
    # whose task never ran (lost, or never queued because the broker was down).
    queued_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    # The broker task that holds the "sending" claim. The broker hands a task out again
    # (same id) only when the worker running it was lost: that task may take the claim
    # over at once instead of waiting for the relay.
    claimed_by = models.CharField(max_length=64, blank=True, default="")
    # Held by a restore: it was waiting to be sent when the backup was taken, so it may
    # have gone out since. Staff release or drop these in one action (the outbox page).
    held_after_restore = models.BooleanField(_("held after a restore"), default=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    status_is = status_flags(OutboxStatus)  # templates: {% if x.status_is.<choice> %}

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["related_type", "related_id"]),
            # The default ordering: a page of the admin list walks it and stops.
            models.Index(fields=["created_at", "id"], name="notif_outbox_created_id"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"

    @property
    def event_label(self) -> str:
        return MailEvent.label_of(self.event)

    @property
    def shown_body_text(self) -> str:
        """The text as any page may show it: secret links withheld."""
        return withhold(self.body_text)

    @property
    def shown_body_html(self) -> str:
        return withhold_html(self.body_html)

    # What staff may do in each state; services re-check it in the database.
    EDITABLE = frozenset({OutboxStatus.HELD})
    RELEASABLE = frozenset({OutboxStatus.HELD})
    DISCARDABLE = frozenset({OutboxStatus.HELD, OutboxStatus.PENDING, OutboxStatus.FAILED})
    RETRYABLE = frozenset({OutboxStatus.FAILED})

    @property
    def can_edit(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def can_release(self) -> bool:
        return self.status in self.RELEASABLE

    @property
    def can_discard(self) -> bool:
        return self.status in self.DISCARDABLE

    @property
    def can_retry(self) -> bool:
        return self.status in self.RETRYABLE


class DevMailboxMessage(models.Model):
    """What the embedded mode 'sent', shown on the dev mailbox page; it never leaves the machine."""

    created_at = models.DateTimeField(auto_now_add=True)
    message_id = models.CharField(max_length=200, blank=True, db_index=True)
    from_email = models.CharField(max_length=300)
    to = models.TextField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dev mailbox message")
        verbose_name_plural = _("dev mailbox messages")

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
