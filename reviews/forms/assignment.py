"""Forms of the staff's assignment and conflict pages.

They only read and shape what was posted; the services decide (a reviewer with a
conflict, a full reviewer, a stale proposal are refused there, with their message).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aissai.limits import REASON_MAX_CHARS
from reviews.assignment.solver import DEFAULT_BALANCE
from reviews.models import ConflictSource, ConflictStatus

_REASON_WIDGET = forms.Textarea(attrs={"rows": 2})


class AddReviewerForm(forms.Form):
    invitation = forms.IntegerField(widget=forms.HiddenInput)
    allow_suspected = forms.BooleanField(
        label=_("Assign despite the suspected conflict"), required=False
    )


class RemoveReviewerForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for removing this reviewer"),
        max_length=REASON_MAX_CHARS,
        widget=_REASON_WIDGET,
    )
    confirm_submitted = forms.BooleanField(
        label=_("Remove even though the review is submitted (it will no longer count)"),
        required=False,
    )


class ProposalRequestForm(forms.Form):
    balance = forms.DecimalField(
        label=_("How much fit may be traded for even loads"),
        min_value=0,
        max_value=1,
        decimal_places=2,
        required=False,
        initial=DEFAULT_BALANCE,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text=_(
            "From 0 to 1, in affinity points. A review moves from a reviewer who has two more "
            "than another as soon as that loses less affinity than this; the wider the gap, "
            "the more the move is worth. 0: best fit only, loads may be very uneven; 0.25 "
            "(the default): loads stay within a few reviews of each other; 1: loads as even "
            "as caps and conflicts allow."
        ),
    )
    allow_suspected = forms.BooleanField(
        label=_("Allow reviewers with a suspected (not yet confirmed) conflict"),
        required=False,
        help_text=_(
            "By default only reviewers without any conflict are proposed. Confirmed "
            "conflicts are never allowed."
        ),
    )


class ProposalEditForm(forms.Form):
    DROP = "drop"
    RESTORE = "restore"
    REPLACE = "replace"

    action = forms.ChoiceField(choices=[(DROP, DROP), (RESTORE, RESTORE), (REPLACE, REPLACE)])
    application = forms.IntegerField()
    invitation = forms.IntegerField()
    new_invitation = forms.IntegerField(label=_("Replace with"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.REPLACE and not cleaned.get("new_invitation"):
            self.add_error("new_invitation", _("Choose the reviewer who takes this place."))
        return cleaned


class ConflictFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ConflictStatus.choices],
    )
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("All sources")), *ConflictSource.choices],
    )
    q = forms.CharField(label=_("Reviewer or application"), required=False, max_length=100)

    def values(self) -> tuple[str, str, str]:
        if not self.is_valid():
            return "", "", ""
        data = self.cleaned_data
        return data["status"], data["source"], data["q"].strip()


class ConflictRulingForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ConflictStatus.CONFIRMED.value, _("Confirm the conflict")),
            (ConflictStatus.CLEARED.value, _("Clear it: no conflict")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (kept in the record)"), max_length=REASON_MAX_CHARS, widget=_REASON_WIDGET
    )


class ConflictCreateForm(forms.Form):
    application = forms.ModelChoiceField(label=_("Application"), queryset=None)
    invitation = forms.ModelChoiceField(label=_("Reviewer"), queryset=None)
    reason = forms.CharField(
        label=_("Reason (kept in the record)"), max_length=REASON_MAX_CHARS, widget=_REASON_WIDGET
    )

    def __init__(self, *args, applications, invitations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications
        self.fields["invitation"].queryset = invitations
        self.fields["invitation"].label_from_instance = lambda i: (
            f"{i.expert.full_name} ({i.expert.institution})"
        )
