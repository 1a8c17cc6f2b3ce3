"""Forms of the correspondent pages: grant the role (staff), filter the institute's list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from calls.models import ApplicationStatus, Institute
from calls.selectors.correspondents import InstituteFilters


class GrantCorrespondentForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of the person"),
        max_length=254,
        help_text=_("The person must already have an account (they sign up themselves)."),
    )
    institute = forms.ModelChoiceField(
        label=_("Institute"),
        queryset=Institute.objects.order_by("acronym"),
        empty_label=_("Choose an institute"),
    )

    def clean_email(self) -> str:
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"])
        self.user = get_user_model().objects.filter(email__iexact=email).first()
        if self.user is None:
            raise forms.ValidationError(
                _("No account uses this address. Ask the person to sign up, then try again.")
            )
        if not self.user.is_active:
            raise forms.ValidationError(_("This account is deactivated."))
        return email


# Every status a correspondent may meet (drafts never reach them).
STATUS_CHOICES = [
    (value, label) for value, label in ApplicationStatus.choices if value != ApplicationStatus.DRAFT
]


class InstituteFilterForm(forms.Form):
    """GET filters of the correspondent's list. Invalid values are ignored (and shown)."""

    call = forms.ModelChoiceField(
        label=_("Call"), required=False, queryset=None, empty_label=_("Any call")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *STATUS_CHOICES]
    )
    institute = forms.TypedChoiceField(
        label=_("Institute"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data: Any = None, *, calls: Any, institutes: list[Institute]) -> None:
        super().__init__(data)
        self.fields["call"].queryset = calls
        self._institutes = {institute.pk: institute for institute in institutes}
        if len(institutes) < 2:
            del self.fields["institute"]
        else:
            self.fields["institute"].choices = [
                ("", _("All my institutes")),
                *((i.pk, f"{i.acronym} · {i.name}") for i in institutes),
            ]

    def filters(self) -> InstituteFilters:
        """The valid filters; an invalid one is left out (its error shows on the form)."""
        if not self.is_bound:
            return InstituteFilters()
        self.is_valid()
        cleaned = self.cleaned_data
        return InstituteFilters(
            call=cleaned.get("call"),
            status=cleaned.get("status") or "",
            institute=self._institutes.get(cleaned.get("institute")),
        )
