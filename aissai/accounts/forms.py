"""Account forms. Every field has a label; crispy renders errors tied to their field."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Language, User
from .validators import validate_orcid

ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")


def email_field(**kwargs) -> forms.EmailField:
    return forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        **kwargs,
    )


def new_password_field(label, help_text) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class OrcidField(forms.CharField):
    """Accepts the iD as printed (0000-0002-1825-0097), as a link, or without dashes."""

    default_validators = [validate_orcid]

    def to_python(self, value):
        value = super().to_python(value).strip()
        for prefix in ORCID_PREFIXES:
            if value.lower().startswith(prefix):
                value = value[len(prefix) :]
                break
        value = value.replace(" ", "").upper()
        if len(value) == 16 and "-" not in value:
            value = "-".join(value[i : i + 4] for i in range(0, 16, 4))
        return value


class SignupForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = email_field(
        help_text=_("This is your login. We send a link to this address to verify it.")
    )
    language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=Language.choices,
        help_text=_("Pages and e-mails use this language."),
    )
    password1 = new_password_field(_("Password"), password_validators_help_text_html())
    password2 = new_password_field(_("Password again"), _("Enter the same password again."))

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise ValidationError(_("Enter your full name."), code="required")
        return name

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                validate_password(password1, user=candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail address or the password is not right. "
            "Mind that the password is case-sensitive."
        ),
        "unverified": _(
            "Your e-mail address is not verified yet. Follow the link in the mail we sent "
            "you, or ask for a new one below."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.unverified_email = ""

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if user.email_verified_at is None:
            self.unverified_email = user.email
            raise ValidationError(self.error_messages["unverified"], code="unverified")


class ResendVerificationForm(forms.Form):
    email = email_field()


class ProfileForm(forms.Form):
    email = email_field(
        required=False,
        disabled=True,
        help_text=_("Your login; it cannot be changed here. Ask the programme team if needed."),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=Language.choices,
        help_text=_("Pages and e-mails use this language."),
    )
    orcid = OrcidField(
        label=_("ORCID iD"),
        required=False,
        help_text=_("Optional. For example 0000-0002-1825-0097."),
        widget=forms.TextInput(attrs={"placeholder": "0000-0000-0000-0000", "maxlength": 40}),
    )

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "email": user.email,
                "full_name": user.full_name,
                "language": user.language,
                "orcid": user.orcid,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = user.email

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise ValidationError(_("Enter your full name."), code="required")
        return name


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def save(self, commit: bool = True) -> User:
        services.set_password(
            user=self.user, password=self.cleaned_data["new_password1"], by_reset=False
        )
        return self.user


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The form behind a password reset link."""

    def save(self, commit: bool = True) -> User:
        services.set_password(
            user=self.user, password=self.cleaned_data["new_password1"], by_reset=True
        )
        return self.user


class PasswordResetForm(forms.Form):
    """The forgotten-password form. The link is mailed by a task
    (``services.request_password_reset``), the same way whether the address is known."""

    email = email_field()


class SecondFactorSetupForm(forms.Form):
    code = forms.CharField(
        label=_("The six-digit code your app shows"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
