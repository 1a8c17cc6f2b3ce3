from django import forms
from django.utils.translation import gettext_lazy as _


class ReauthForm(forms.Form):
    """The password again, before a sensitive action."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
