"""Forms of the staff pages: the applications table filters and eligibility rulings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aissai.forms import FetchedModelChoiceField
from calls.models import Application, ApplicationStatus, Call, Discipline, Institute, Unit
from calls.selectors.staff import (
    DEFAULT_SORT,
    SORTS,
    ApplicationFilters,
    AutomaticChecks,
    units_in_call,
)
from calls.selectors.staff_conflicts import evaluation_visible_to
from calls.services.eligibility import ruling_problem
from calls.transitions import STAFF, allowed_targets

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 25


def _sort_choices() -> list[tuple[str, str]]:
    choices = []
    for key, label in SORTS.items():
        choices.append((key, label))
        choices.append((f"-{key}", _("%(column)s (descending)") % {"column": label}))
    return choices


class ApplicationFilterForm(forms.Form):
    """GET filters of the applications table. Invalid values are reported and ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Reference, title, acronym, coordinator name or e-mail, keyword."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *ApplicationStatus.choices],
    )
    institute = FetchedModelChoiceField(
        label=_("Institute"),
        required=False,
        queryset=Institute.objects.order_by("acronym"),
        empty_label=_("Any institute"),
    )
    unit = FetchedModelChoiceField(
        label=_("Unit"), required=False, queryset=Unit.objects.none(), empty_label=_("Any unit")
    )
    discipline = FetchedModelChoiceField(
        label=_("Discipline"),
        required=False,
        queryset=Discipline.objects.order_by("name_en"),
        empty_label=_("Any discipline"),
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=_sort_choices)
    per_page = forms.TypedChoiceField(
        label=_("Rows per page"),
        required=False,
        coerce=int,
        choices=[(size, size) for size in PAGE_SIZES],
        empty_value=DEFAULT_PAGE_SIZE,
    )

    def __init__(self, data: Any = None, *, call: Call, **kwargs: Any) -> None:
        if data is not None and not data.get("per_page"):
            data = data.copy()  # show the page size in use, so that "Apply" keeps it
            data["per_page"] = str(DEFAULT_PAGE_SIZE)
        super().__init__(data, **kwargs)
        self.fields["unit"].queryset = units_in_call(call)
        name = "name_fr" if (get_language() or "").startswith("fr") else "name_en"
        self.fields["discipline"].queryset = Discipline.objects.order_by(name)
        self.fields["institute"].label_from_instance = lambda obj: f"{obj.acronym} · {obj.name}"

    def filters(self) -> ApplicationFilters:
        """The valid filters (a bad value is left out, its error shown on the form)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ApplicationFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            institute=data.get("institute"),
            unit=data.get("unit"),
            discipline=data.get("discipline"),
            sort=data.get("sort") or DEFAULT_SORT,
        )

    def page_size(self) -> int:
        return self.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE


class EligibilityRulingForm(forms.Form):
    """A staff ruling on one application. A reason is required to rule ineligible and to
    overrule a failed automatic check."""

    decision = forms.ChoiceField(label=_("Ruling"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Required to rule an application ineligible, or eligible when an automatic check "
            "failed. The reason for ineligibility is sent to the applicants."
        ),
    )

    def __init__(
        self, *args: Any, application: Application, checks: AutomaticChecks, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.checks = checks
        labels = {
            ApplicationStatus.ELIGIBLE: _("Eligible"),
            ApplicationStatus.INELIGIBLE: _("Ineligible"),
        }
        targets = allowed_targets(application.status, STAFF)
        self.fields["decision"].choices = [
            (value, label) for value, label in labels.items() if value in targets
        ]
        self.fields["decision"].error_messages["invalid_choice"] = _(
            "This ruling is no longer possible: the application is now “%(status)s”."
        ) % {"status": application.get_status_display()}

    @property
    def can_rule(self) -> bool:
        return bool(self.fields["decision"].choices)

    @property
    def eligible(self) -> bool:
        return self.cleaned_data["decision"] == ApplicationStatus.ELIGIBLE

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        decision = data.get("decision")
        if decision:
            problem = ruling_problem(
                eligible=decision == ApplicationStatus.ELIGIBLE,
                reason=data.get("reason", ""),
                checks=self.checks,
            )
            if problem:
                self.add_error("reason", problem)
        return data


class BulkEligibleForm(forms.Form):
    """Submitted applications to rule eligible at once (those whose checks all pass)."""

    applications = forms.ModelMultipleChoiceField(
        label=_("Applications"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one application.")},
    )

    def __init__(self, *args: Any, call: Call, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Never one the person takes part in (it is not on their screening page either).
        self.fields["applications"].queryset = (
            evaluation_visible_to(user)
            .filter(call=call, status=ApplicationStatus.SUBMITTED)
            .order_by("pk")
        )
