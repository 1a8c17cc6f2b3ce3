"""Selection: the ranked main and complementary lists of a call, their history, the funding
decisions and the milestones of the selection (lists fixed, results published, lists closed).

- A call has two :class:`RankedList` rows (main, complementary). Each holds ordered
  :class:`ListEntry` rows: one position per list (1, 2, …), one list per application. The
  list's ``version`` grows at every write; a write made against an older version is
  refused (two members of staff editing at once).
- :class:`ListMove` is the history of the lists: who moved which application from where to
  where, when and why (promotions and declines included).
- :class:`FundingDecision` rows are kept over time; the current one of an application has
  ``is_current`` set (at most one per application, enforced by the database).

Every write goes through ``reviews.services.lists`` and ``reviews.services.decisions``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aissai.status import status_flags
from calls.models import Application, Call, FundingSource
from reviews.reasons import StatedReason


class ListKind(models.TextChoices):
    MAIN = "main", _("Main list")
    COMPLEMENTARY = "complementary", _("Complementary list")


class RankedList(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="ranked_lists")
    kind = models.CharField(_("list"), max_length=15, choices=ListKind.choices)
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("ranked list")
        verbose_name_plural = _("ranked lists")
        ordering = ["call", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["call", "kind"], name="reviews_rankedlist_once"),
        ]

    def __str__(self) -> str:
        return f"{self.call} · {self.get_kind_display()}"


class ListEntry(models.Model):
    ranked_list = models.ForeignKey(RankedList, on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="list_entries"
    )
    position = models.PositiveIntegerField(_("position"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["ranked_list", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["ranked_list", "position"], name="reviews_listentry_position_unique"
            ),
            # An application belongs to one call: unique here means one list of its call.
            models.UniqueConstraint(
                fields=["application"], name="reviews_listentry_one_list_per_application"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="reviews_listentry_position_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ranked_list.get_kind_display()} #{self.position}: {self.application}"


class MoveKind(models.TextChoices):
    MOVED = "moved", _("Moved by staff")
    SHIFTED = "shifted", _("Changed list because of another move")
    PROMOTED = "promoted", _("Promoted to a funded place")
    DECLINED = "declined", _("Left the list: declined by the applicants")
    REMOVED = "removed", _("Left the lists")


class ListMove(StatedReason):
    """One change of one application's place in the lists (``None`` list: not on a list)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="list_moves")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="list_moves"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MoveKind.choices)
    from_list = models.CharField(
        _("from list"), max_length=15, choices=ListKind.choices, blank=True
    )
    from_position = models.PositiveIntegerField(_("from position"), null=True, blank=True)
    to_list = models.CharField(_("to list"), max_length=15, choices=ListKind.choices, blank=True)
    to_position = models.PositiveIntegerField(_("to position"), null=True, blank=True)
    against_score_order = models.BooleanField(_("against the score order"), default=False)
    funding_source = models.ForeignKey(
        FundingSource,
        verbose_name=_("funding source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    caused_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="consequences"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    kind_is = status_flags(MoveKind, field="kind")

    class Meta:
        verbose_name = _("list move")
        verbose_name_plural = _("list moves")
        ordering = ["call", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.application}: {self.get_kind_display()}"


class FundingOutcome(models.TextChoices):
    FUNDED = "funded", _("Funded")
    NOT_FUNDED = "not_funded", _("Not funded")
    DECLINED = "declined", _("Declined by the applicants")


class FundingDecision(StatedReason):
    """A decision on one application; the history is kept, the current row is flagged."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="funding_decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=FundingOutcome.choices)
    funding_source = models.ForeignKey(
        FundingSource,
        verbose_name=_("funding source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    is_current = models.BooleanField(_("current"), default=True)
    promoted = models.BooleanField(_("promoted from the complementary list"), default=False)
    effective_on = models.DateField(_("effective date"), default=timezone.localdate)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("funding decision")
        verbose_name_plural = _("funding decisions")
        ordering = ["application", "decided_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(is_current=True),
                name="reviews_fundingdecision_one_current",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="funded") | Q(funding_source__isnull=False),
                name="reviews_fundingdecision_funded_has_source",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="not_funded") | Q(funding_source__isnull=True),
                name="reviews_fundingdecision_not_funded_has_no_source",
            ),
        ]
        indexes = [models.Index(fields=["funding_source", "is_current", "outcome"])]

    def __str__(self) -> str:
        return f"{self.application}: {self.get_outcome_display()}"


class Selection(models.Model):
    """The milestones of a call's selection (one row per call, made at the first write)."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="selection")
    fixed_at = models.DateTimeField(_("lists fixed at"), null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comments_attached = models.BooleanField(
        _("reviewers' comments attached to the results"), default=True
    )
    closed_at = models.DateTimeField(_("complementary list closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")

    def __str__(self) -> str:
        return str(self.call)

    @property
    def is_fixed(self) -> bool:
        return self.fixed_at is not None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None
