"""Forms of the applicant's path. Every draft field is optional: a draft is saved complete
or not, and only submission asks for completeness. Invalid input is reported field by
field while the valid fields are saved."""

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aissai.forms import ExplainedFormSetMixin, VersionedFormMixin
from calls.models import Discipline
from calls.models.application import (
    EXCLUDED_REVIEWERS_MAX,
    KEYWORD_MAX_CHARS,
    KEYWORDS_MAX,
    TEXT_MAX_CHARS,
    WITHDRAWAL_REASON_MAX_CHARS,
)
from calls.services.applications import DRAFT_FIELDS


class LimitedTextField(forms.CharField):
    """Free text with a character limit, counted as the browser's counter counts it
    (line breaks are one character). No ``maxlength`` attribute: a browser would cut a
    pasted text silently, and nothing typed may be lost."""

    def __init__(self, *, limit: int, rows: int = 6, **kwargs):
        self.limit = limit
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", True)
        super().__init__(
            widget=forms.Textarea(attrs={"rows": rows, "data-char-limit": limit}), **kwargs
        )

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value

    def validate(self, value):
        super().validate(value)
        if value and len(value) > self.limit:
            over = len(value) - self.limit
            raise forms.ValidationError(
                ngettext(
                    "%(count)d characters, over the limit of %(limit)d: remove %(over)d character.",
                    "%(count)d characters, over the limit of %(limit)d: "
                    "remove %(over)d characters.",
                    over,
                )
                % {"count": len(value), "limit": self.limit, "over": over},
                code="too_long",
            )


class KeywordsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        # The null-character validator would only see the list's repr: check the text itself.
        ProhibitNullCharactersValidator()(text)
        seen: list[str] = []
        for word in text.replace(";", ",").replace("\n", ",").split(","):
            word = " ".join(word.split())
            if word and word.casefold() not in {s.casefold() for s in seen}:
                seen.append(word)
        return seen

    def validate(self, value):
        if len(value) > KEYWORDS_MAX:
            raise forms.ValidationError(
                _("%(count)d keywords: give at most %(limit)d.")
                % {"count": len(value), "limit": KEYWORDS_MAX}
            )
        too_long = [word for word in value if len(word) > KEYWORD_MAX_CHARS]
        if too_long:
            raise forms.ValidationError(
                _("Each keyword may have at most %(limit)d characters: “%(word)s”.")
                % {"limit": KEYWORD_MAX_CHARS, "word": too_long[0][:80]}
            )


class ApplicationDraftForm(VersionedFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250, required=False)
    acronym = forms.CharField(label=_("Acronym"), max_length=30, required=False)
    abstract = LimitedTextField(label=_("Abstract"), limit=3000, rows=8)
    keywords = KeywordsField(
        label=_("Keywords"),
    )
    disciplines = forms.ModelMultipleChoiceField(
        label=_("Scientific disciplines"),
        queryset=Discipline.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ai_side = LimitedTextField(label=_("The AI side of the project"), limit=TEXT_MAX_CHARS)
    science_side = LimitedTextField(
        label=_("The science side of the project"), limit=TEXT_MAX_CHARS
    )
    postdoc_profile = LimitedTextField(
        label=_("Profile of the postdoc sought"), limit=TEXT_MAX_CHARS, rows=4
    )
    planned_start = forms.DateField(
        label=_("Planned start of the postdoc"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": _("Enter a date, for example 2026-01-15.")},
    )
    industry_interest = forms.BooleanField(
        label=_("We are interested in working with the funder's industry researchers"),
        required=False,
    )

    def __init__(self, *args, call, chosen_disciplines=(), **kwargs):
        super().__init__(*args, **kwargs)
        abstract = self.fields["abstract"]
        abstract.limit = call.abstract_max_chars
        abstract.widget.attrs["data-char-limit"] = call.abstract_max_chars
        abstract.help_text = _("At most %(limit)d characters.") % {"limit": call.abstract_max_chars}
        # Interpolated here, per request, so that the help text follows the active language.
        self.fields["keywords"].help_text = _("Separate keywords with commas (at most %(n)d).") % {
            "n": KEYWORDS_MAX
        }
        chosen = [d.pk for d in chosen_disciplines]
        self.fields["disciplines"].queryset = Discipline.objects.filter(
            is_active=True
        ) | Discipline.objects.filter(pk__in=chosen)

    def valid_fields(self) -> dict:
        """The draft fields whose input is valid (after ``is_valid()``)."""
        data = getattr(self, "cleaned_data", {})
        left_out = self.left_out()
        return {name: data[name] for name in DRAFT_FIELDS if name in data and name not in left_out}

    def valid_disciplines(self):
        data = getattr(self, "cleaned_data", {})
        if "disciplines" not in data or "disciplines" in self.left_out():
            return None
        return list(data["disciplines"])


class ExcludedReviewerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    institution = forms.CharField(label=_("Institution"), max_length=250, required=False)
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        error_messages={"invalid": _("Enter a valid e-mail address, or leave it empty.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        others = any(data.get(name) for name in ("institution", "email", "reason"))
        if others and not data.get("name") and "name" not in self.errors:
            self.add_error("name", _("Give the name of the person to exclude."))
        return data


class ExcludedReviewerBaseFormSet(ExplainedFormSetMixin, BaseFormSet):
    pass


ExcludedReviewerFormSet = formset_factory(
    ExcludedReviewerForm,
    formset=ExcludedReviewerBaseFormSet,
    extra=EXCLUDED_REVIEWERS_MAX,
    max_num=EXCLUDED_REVIEWERS_MAX,
    absolute_max=EXCLUDED_REVIEWERS_MAX,
    validate_max=True,
)


def excluded_reviewer_slots(formset) -> list[dict | None]:
    """One entry per slot: the valid input (``{}`` for an empty slot) or ``None`` to keep
    what was saved in a slot whose input is invalid."""
    if formset.non_form_errors():
        return [None] * EXCLUDED_REVIEWERS_MAX
    slots: list[dict | None] = []
    for form in formset.forms:
        slots.append(dict(form.cleaned_data) if form.is_valid() else None)
    return slots


class PartnerForm(forms.Form):
    """Checked by ``calls.services.partners.add_partner``, which words every message."""

    unit = forms.CharField(label=_("Unit"), required=False)
    institute = forms.CharField(label=_("Takes part under the institute"), required=False)
    lead_name = forms.CharField(label=_("Lead scientist"), max_length=200, required=False)
    lead_email = forms.CharField(label=_("Lead scientist's e-mail"), max_length=254, required=False)


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("PDF file"),
        error_messages={"required": _("Choose a PDF file to upload.")},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the application?"),
        max_length=WITHDRAWAL_REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the application is withdrawn.")},
    )
