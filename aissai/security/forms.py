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

    def __init__(self, *args, ask_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if ask_code:
            self.fields["code"] = forms.CharField(
                label=_("Code from your authenticator app, or a recovery code"),
                max_length=20,
                widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
            )
