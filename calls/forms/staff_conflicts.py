"""Forms of staff conflicts of interest: a declaration, a ruling on a naming."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aissai.limits import REASON_MAX_CHARS
from calls.models import Application, ApplicationStatus, Call
from calls.selectors.staff_conflicts import evaluation_visible_to


class DeclareStaffConflictForm(forms.Form):
    # Typed by its reference: a list of every application of a large call would be
    # thousands of options on the applications table (seconds to render at 10,000).
    application = forms.ModelChoiceField(
        label=_("Application"),
        queryset=Application.objects.none(),
        to_field_name="reference",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Its reference, as shown in the table."),
        error_messages={
            "required": _("Choose the application."),
            "invalid_choice": _(
                "No submitted application of this call whose evaluation you still see "
                "has this reference."
            ),
        },
    )
    reason = forms.CharField(
        label=_("Your part in it"),
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write the reason: it is kept in the record.")},
    )

    def __init__(self, *args: Any, call: Call, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The applications of the call whose evaluation the person still sees.
        self.fields["application"].queryset = (
            evaluation_visible_to(user)
            .filter(call=call)
            .exclude(status=ApplicationStatus.DRAFT)
            .order_by("reference", "pk")
        )


class RuleNamedStaffForm(forms.Form):
    CONFIRM, CLEAR = "confirm", "clear"

    decision = forms.ChoiceField(
        label=_("Ruling"),
        choices=[(CONFIRM, _("Confirm the conflict")), (CLEAR, _("Clear it"))],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_CHARS,
        error_messages={"required": _("Write the reason: it is kept in the record.")},
    )

    @property
    def confirmed(self) -> bool:
        return self.cleaned_data["decision"] == self.CONFIRM
