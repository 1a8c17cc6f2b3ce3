"""Why a list move, a funding decision or an abandoned fellowship happened, when the
application wrote it.

Staff write their reasons in their own words; those are stored as text. The reasons the
application writes itself ("Main list, position 1.") are stored as facts, a kind and its
parameters (:class:`ReasonKind`, ``reason_params``), and read as a sentence in the
reader's language (:func:`render`).

A :class:`Reason` is also a ``str`` (the English sentence), so it travels unchanged
through code that only passes text along (an audit event's data, a transition's reason).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


class ReasonKind(models.TextChoices):
    MAIN_LIST = "main_list", _("Main list, position …")
    COMPLEMENTARY_LIST = "complementary_list", _("Complementary list, position …")
    NOT_ON_LISTS = "not_on_lists", _("Not on the lists")
    ADDITIONAL_FUNDING = "additional_funding", _("Additional funding")
    FREED_BY_DECLINE = "freed_by_decline", _("Place freed by a decline")
    PLACES_FILLED = "places_filled", _("Free funded places filled")
    COMPLEMENTARY_CLOSED = "complementary_closed", _("Complementary list closed")
    RECUT = "recut", _("Lists re-cut")
    RESET = "reset", _("Reset to the score order")
    SOURCES_CHANGED = "sources_changed", _("Funding sources changed")
    DECISION_CHANGED = "decision_changed", _("Funding decision changed")
    RECRUITMENT_FAILED = "recruitment_failed", _("Recruitment failed")


def _sentence(kind: str, params: dict[str, Any]) -> str:
    """The sentence in the active language; ``KeyError`` for an unknown kind."""
    p = dict(params)
    sentences = {
        ReasonKind.MAIN_LIST: lambda: gettext("Main list, position %(position)d.") % p,
        ReasonKind.COMPLEMENTARY_LIST: lambda: (
            gettext("Complementary list, position %(position)d.") % p
        ),
        ReasonKind.NOT_ON_LISTS: lambda: gettext("Not on the lists."),
        ReasonKind.ADDITIONAL_FUNDING: lambda: (
            ngettext(
                "Additional funding: %(name)s (%(count)d fellowship).",
                "Additional funding: %(name)s (%(count)d fellowships).",
                p["count"],
            )
            % p
        ),
        ReasonKind.FREED_BY_DECLINE: lambda: (
            gettext("Place freed by the decline of %(reference)s.") % p
        ),
        ReasonKind.PLACES_FILLED: lambda: gettext("Free funded places filled."),
        ReasonKind.COMPLEMENTARY_CLOSED: lambda: gettext("The complementary list is closed."),
        ReasonKind.RECUT: lambda: (
            gettext(
                "The lists were re-cut: %(places)s, %(complementary)d on the complementary "
                "list, shortlisted applications only."
            )
            % {
                **p,
                "places": ngettext("%(count)d funded place", "%(count)d funded places", p["main"])
                % {"count": p["main"]},
            }
        ),
        ReasonKind.RESET: lambda: gettext("Reset to the score order."),
        ReasonKind.SOURCES_CHANGED: lambda: gettext("Funding sources changed."),
        ReasonKind.DECISION_CHANGED: lambda: gettext("The funding decision changed."),
        ReasonKind.RECRUITMENT_FAILED: lambda: gettext("Recruitment failed: %(reason)s") % p,
    }
    return sentences[ReasonKind(kind)]()


def render(kind: str, params: dict[str, Any] | None, text: str = "") -> str:
    """The sentence a reader sees: the facts in the active language, else the text."""
    if not kind:
        return text
    try:
        return _sentence(kind, params or {})
    except (KeyError, ValueError, TypeError):
        return text


class Reason(str):
    """A reason the application writes: its facts, and the English sentence as text."""

    kind: str
    params: dict[str, Any]

    def __new__(cls, kind: str, **params: Any) -> Reason:
        with translation.override("en"):
            text = _sentence(kind, params)
        reason = super().__new__(cls, text)
        reason.kind, reason.params = str(ReasonKind(kind).value), params
        return reason

    def __str__(self) -> str:
        return render(self.kind, self.params, str.__str__(self))


def stored_reason(kind: str, params: dict[str, Any] | None, text: str = "") -> str:
    """A stored reason back as what was written: a :class:`Reason` for facts, else text."""
    if kind:
        try:
            return Reason(kind, **(params or {}))
        except (KeyError, ValueError, TypeError):
            pass
    return text


def reason_fields(reason: str) -> dict[str, Any]:
    """The model fields that store ``reason``: facts for a :class:`Reason`, else text."""
    if isinstance(reason, Reason):
        return {"reason": "", "reason_kind": reason.kind, "reason_params": reason.params}
    return {"reason": reason or "", "reason_kind": "", "reason_params": {}}


class StatedReason(models.Model):
    """The reason fields of a history row, read through :attr:`reason_text`."""

    reason = models.TextField(_("reason"), blank=True)
    reason_kind = models.CharField(
        _("kind of reason"), max_length=30, choices=ReasonKind.choices, blank=True
    )
    reason_params = models.JSONField(_("facts of the reason"), default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def reason_text(self) -> str:
        return render(self.reason_kind, self.reason_params, self.reason)
