"""Forms of the panel ranking board and the funding decisions (programme staff), and of the
coordinator's decline of a funded place."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aissai.limits import REASON_MAX_CHARS
from reviews.selectors.lists import ACTIONS
from reviews.services.lists import Seen


class IdListField(forms.CharField):
    """Application ids written as "12,5,7" (the order the page shows)."""

    def to_python(self, value) -> list[int]:
        value = super().to_python(value)
        try:
            return [int(part) for part in value.split(",") if part.strip()]
        except ValueError as error:
            raise ValidationError(_("The order sent is not readable.")) from error


class VersionsForm(forms.Form):
    """The list versions the page was built from (hidden)."""

    main_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    complementary_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def seen(self) -> Seen:
        return Seen(
            main=self.cleaned_data["main_version"],
            complementary=self.cleaned_data["complementary_version"],
        )


class MoveForm(VersionsForm):
    """One move by a keyboard button: "<application id>:<action>"."""

    move = forms.CharField(max_length=40)
    reason = forms.CharField(
        label=_("Reason for the move"),
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when the move puts an application above one with a higher score. "
            "Type it before you press a move button."
        ),
    )

    def clean_move(self) -> tuple[int, str]:
        application, _sep, action = self.cleaned_data["move"].partition(":")
        if not application.isdigit() or action not in ACTIONS:
            raise ValidationError(_("Unknown move."))
        return int(application), action


class OrderForm(VersionsForm):
    """A whole new order, from drag and drop."""

    main_order = IdListField(required=False, widget=forms.HiddenInput)
    complementary_order = IdListField(required=False, widget=forms.HiddenInput)
    moved = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=REASON_MAX_CHARS)


class FixForm(VersionsForm):
    main_order = IdListField(required=False, widget=forms.HiddenInput)
    complementary_order = IdListField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_(
            "I confirm: the main list is funded, the complementary list waits in this order, "
            "every other shortlisted application is not selected."
        ),
    )


class FundingSourceForm(forms.Form):
    name = forms.CharField(label=_("Name of the source"), max_length=200)
    fellowships = forms.IntegerField(label=_("Fellowships it pays for"), min_value=1, max_value=100)
    amount = forms.DecimalField(
        label=_("Amount (EUR)"), required=False, max_digits=12, decimal_places=2, min_value=0
    )
    granted_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Note for the history"),
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(forms.Form):
    declined_on = forms.DateField(
        label=_("Date of the decline"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Note for the history"),
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseForm(ReasonForm):
    confirm = forms.BooleanField(
        label=_("I confirm: every application still on the complementary list is not funded.")
    )


class PublishForm(forms.Form):
    attach_comments = forms.BooleanField(
        label=_("Attach the reviewers' comments for the applicants (without names)"),
        required=False,
        initial=True,
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm: write each applicant's results mail, held in the outbox for release, "
            "and mark the call as decided."
        )
    )


class ApplicantDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does your team decline the fellowship?"),
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_(
            "We decline the funded place. We understand that this cannot be undone and that "
            "the place will be offered to another project."
        )
    )
