"""Forms of the reviewer pool: inviting experts (one by one; from a CSV file in
``reviews.forms.invitation_csv``), the pool filters, the expert's answer to an invitation,
and the confidentiality terms."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aissai.accounts.forms import OrcidField, SignupForm
from calls.models import Call, Unit
from reviews.selectors.pool import POOL_STATUSES, invited_emails
from reviews.services.invitations import DEFAULT_MAX_LOAD, ExpertData

KEYWORDS_MAX = 20
KEYWORD_MAX_CHARS = 60
STATEMENT_MAX_CHARS = 2000
MAX_LOAD_LIMIT = 50
UNIT_LABEL_RE = re.compile(r"^\s*([A-Za-z]{2,4})\s*[-\u2013]?\s*([0-9A-Za-z]{1,10})\s*$")


def normalise_unit_label(text: str) -> str:
    """``umr8223``, ``UMR-8223`` and ``UMR 8223`` all give ``UMR 8223``."""
    match = UNIT_LABEL_RE.match(text or "")
    if not match:
        return (text or "").strip().upper()
    return Unit.make_label(match.group(1).upper(), match.group(2).upper())


def units_by_label(labels) -> dict[str, Unit]:
    """The active units with these labels (one query)."""
    wanted = {normalise_unit_label(label) for label in labels if label and label.strip()}
    if not wanted:
        return {}
    return {unit.label: unit for unit in Unit.objects.active().filter(label__in=wanted)}


def split_keywords(text: str) -> list[str]:
    """Keywords separated by commas, semicolons, vertical bars or new lines."""
    seen: dict[str, str] = {}
    for word in re.split(r"[,;|\n]", text or ""):
        word = " ".join(word.split())
        if word and word.lower() not in seen:
            seen[word.lower()] = word
    return list(seen.values())


class ExpertInvitationForm(forms.Form):
    """One expert invited to one call. Also validates each row of a CSV import."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    institution = forms.CharField(label=_("Institution"), max_length=250)
    country = forms.CharField(label=_("Country"), max_length=80, required=False)
    keywords = forms.CharField(
        label=_("Expertise keywords"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas, for example: machine learning, turbulence."),
    )
    statement = forms.CharField(
        label=_("Short expertise statement"),
        required=False,
        max_length=STATEMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    orcid = OrcidField(
        label=_("ORCID iD"),
        required=False,
        help_text=_("Optional. For example 0000-0002-1825-0097."),
    )
    unit = forms.CharField(
        label=_("CNRS unit"),
        required=False,
        max_length=20,
        help_text=_("Optional. The unit's label, for example UMR 8223: type to search."),
    )
    max_load = forms.IntegerField(
        label=_("Maximum number of applications"),
        min_value=1,
        max_value=MAX_LOAD_LIMIT,
        initial=DEFAULT_MAX_LOAD,
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mails"), choices=settings.LANGUAGES, initial="en"
    )

    def __init__(
        self,
        *args,
        call: Call,
        invited: set[str] | None = None,
        units: dict[str, Unit] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.call = call
        self._invited = invited
        self._units = units
        self.fields["institution"].widget.attrs.update(
            {
                "hx-get": reverse("reviews:unit_named"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#unit-named",
                "hx-swap": "innerHTML",
                "aria-describedby": "unit-named",
            }
        )
        self.fields["unit"].widget.attrs.update(
            {
                "list": "unit-options",
                "autocomplete": "off",
                "hx-get": reverse("reviews:unit_options"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#unit-options",
                "hx-swap": "innerHTML",
            }
        )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise ValidationError(_("Enter the expert's full name."), code="required")
        return name

    def clean_institution(self) -> str:
        institution = " ".join(self.cleaned_data["institution"].split())
        if not institution:
            raise ValidationError(_("Enter the expert's institution."), code="required")
        return institution

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        invited = self._invited if self._invited is not None else invited_emails(self.call)
        if email in invited:
            raise ValidationError(
                _("This expert is already invited to this call."), code="already_invited"
            )
        return email

    def clean_keywords(self) -> list[str]:
        keywords = split_keywords(self.cleaned_data["keywords"])
        if len(keywords) > KEYWORDS_MAX:
            raise ValidationError(
                _("Give at most %(max)d keywords.") % {"max": KEYWORDS_MAX}, code="too_many"
            )
        too_long = [k for k in keywords if len(k) > KEYWORD_MAX_CHARS]
        if too_long:
            raise ValidationError(
                _("Keep each keyword under %(max)d characters: %(keyword)s")
                % {"max": KEYWORD_MAX_CHARS, "keyword": too_long[0][:80]},
                code="too_long",
            )
        return keywords

    def clean_unit(self) -> Unit | None:
        text = self.cleaned_data["unit"].strip()
        if not text:
            return None
        label = normalise_unit_label(text)
        units = self._units if self._units is not None else units_by_label([label])
        unit = units.get(label)
        if unit is None:
            raise ValidationError(
                _("No active CNRS unit has the label “%(label)s”.") % {"label": text[:20]},
                code="unknown_unit",
            )
        return unit

    def expert_data(self) -> ExpertData:
        data = self.cleaned_data
        return ExpertData(
            full_name=data["full_name"],
            email=data["email"],
            institution=data["institution"],
            country=data["country"].strip(),
            keywords=data["keywords"],
            statement=data["statement"].strip(),
            orcid=data["orcid"],
            unit=data["unit"],
            language=data["language"],
            max_load=data["max_load"],
        )


class PoolFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + POOL_STATUSES
    )

    def values(self) -> tuple[str, str]:
        if self.is_valid():
            return self.cleaned_data["status"], self.cleaned_data["q"].strip()
        return "", ""


# The expert's answer


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suggested_colleague = forms.CharField(
        label=_("A colleague we could invite instead (optional)"),
        required=False,
        max_length=300,
        help_text=_("Name, institution and e-mail address."),
    )


class InvitationSignupForm(SignupForm):
    """The account form of the sign-up page, for the invited address (not editable here)."""

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email"]
        self.email = email

    def clean(self):
        self.cleaned_data["email"] = self.email
        return super().clean()


# Confidentiality terms

# The text offered to staff before a call's first version (they adapt it).
SUGGESTED_TERMS_EN = (
    "I will keep confidential everything I read about the applications of this call, "
    "and use it for this review only.\n"
    "I will not share the documents or my assessment, nor keep copies after the review.\n"
    "I will tell the programme team at once of any conflict of interest."
)
SUGGESTED_TERMS_FR = (
    "Je garderai confidentiel tout ce que je lirai sur les candidatures de cet appel, "
    "et ne l’utiliserai que pour cette évaluation.\n"
    "Je ne partagerai ni les documents ni mon évaluation, et n’en garderai pas de copie "
    "après l’évaluation.\n"
    "Je signalerai aussitôt à l’équipe du programme tout conflit d’intérêts."
)


class TermsForm(forms.Form):
    text_en = forms.CharField(
        label=_("Terms in English"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10})
    )
    text_fr = forms.CharField(
        label=_("Terms in French"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10})
    )


class AcceptTermsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    agree = forms.BooleanField(
        label=_("I have read these terms and I accept them."),
        error_messages={"required": _("Tick the box to accept the terms.")},
    )
