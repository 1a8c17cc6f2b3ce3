"""Forms of the call management pages: the call, its criteria, documents, funding, clone."""

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aissai.forms import EDIT_BASE_FIELD, ExplainedFormSetMixin, VersionedFormMixin
from calls.hooks import criteria_in_use
from calls.models import Call, Criterion, FundingSource, RequiredDocument, TieBreakRule
from calls.models.call import REFERENCE_TAKEN_MESSAGE
from calls.services.calls import RESERVED_SLUGS, reference_prefix_taken

MB = 1024 * 1024
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
PARIS_TIME = _("Paris time (Europe/Paris).")


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def _text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _tie_break_rule_label(n: int) -> str:
    return gettext("Tie-break rule %(n)s") % {"n": n}


# The form is built once at import: the label is translated when the page is drawn.
tie_break_rule_label = lazy(_tie_break_rule_label, str)


class TieBreakWidget(forms.MultiWidget):
    """One drop-down per rule, in the order they apply; each names its place."""

    def __init__(self, size: int):
        super().__init__(
            [forms.Select(attrs={"aria-label": tie_break_rule_label(n + 1)}) for n in range(size)]
        )

    def decompress(self, value):
        rules = list(value or [])
        return rules + [""] * (len(self.widgets) - len(rules))


class TieBreakField(forms.MultiValueField):
    """The call's tie-break order as a list of rule codes (``criterion:N``, ``institutes``…),
    chosen from named rules: nobody types a code."""

    SIZE = 5

    def __init__(self, **kwargs):
        super().__init__(
            fields=[
                forms.ChoiceField(
                    required=False,
                    error_messages={"invalid_choice": _("“%(value)s” is not a rule.")},
                )
                for _position in range(self.SIZE)
            ],
            widget=TieBreakWidget(self.SIZE),
            require_all_fields=False,
            required=False,
            **kwargs,
        )

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        choices = [("", "—"), *choices]
        for field, widget in zip(self.fields, self.widget.widgets, strict=True):
            field.choices = choices
            widget.choices = choices

    def compress(self, data_list) -> list[str]:
        return [rule for rule in (data_list or []) if rule]


def tie_break_choices(call: Call | None) -> list[tuple[str, str]]:
    """Each rule with its name; criteria by their position and name (before a new call has
    criteria, by position only, for the usual six)."""
    criteria = (
        [(c.position, c.name) for c in call.criteria.order_by("position")]
        if call is not None and call.pk
        else []
    )
    by_criterion = [
        (
            f"criterion:{position}",
            _("Higher score on criterion %(n)s: %(name)s") % {"n": position, "name": name},
        )
        for position, name in criteria
    ] or [(f"criterion:{n}", _("Higher score on criterion %(n)s") % {"n": n}) for n in range(1, 7)]
    fixed = [
        (rule.value, rule.label)
        for rule in TieBreakRule
        if rule is not TieBreakRule.CRITERION_PREFIX
    ]
    return by_criterion + fixed


class CallForm(VersionedFormMixin, forms.ModelForm):
    tie_break_order = TieBreakField(
        label=_("Tie-break order"),
        help_text=_(
            "Applied in order to applications with equal scores at the funding line: the "
            "first rule that separates them decides."
        ),
    )

    class Meta:
        model = Call
        fields = [
            "edition_year",
            "slug",
            "reference_prefix",
            "title_en",
            "title_fr",
            "summary_en",
            "summary_fr",
            "rules_en",
            "rules_fr",
            "opens_at",
            "closes_at",
            "review_deadline",
            "fellowships",
            "complementary_size",
            "fellowship_months",
            "min_institutes",
            "min_units",
            "reviews_per_application",
            "coauthorship_years",
            "partner_confirmation_required",
            "abstract_max_chars",
            "tie_break_order",
        ]
        widgets = {
            "opens_at": _datetime_widget(),
            "closes_at": _datetime_widget(),
            "review_deadline": _datetime_widget(),
            "summary_en": _text(4),
            "summary_fr": _text(4),
            "rules_en": _text(8),
            "rules_fr": _text(8),
        }
        help_texts = {
            "opens_at": PARIS_TIME,
            "closes_at": PARIS_TIME,
            "review_deadline": PARIS_TIME,
        }

    def __init__(self, *args, locked: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tie_break_order"].set_choices(tie_break_choices(self.instance))
        # Left empty, the window keeps its current value (5 years for a new call).
        self.fields["coauthorship_years"].required = False
        for name in ("opens_at", "closes_at", "review_deadline"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        for name in locked:
            self.fields[name].disabled = True
            self.fields[name].help_text = _("Fixed once the call is open.")

    def edited_values(self, only: list[str] | None = None) -> dict:
        """The fields this form may change, as cleaned (after ``is_valid()``): not those
        fixed by the call's status, nor those the request left out (``only``: of these)."""
        skip = self.left_out() | {EDIT_BASE_FIELD}
        return {
            name: self.cleaned_data[name]
            for name, field in self.fields.items()
            if not field.disabled
            and name not in skip
            and name in self.cleaned_data
            and (only is None or name in only)
        }

    def clean_coauthorship_years(self) -> int:
        value = self.cleaned_data.get("coauthorship_years")
        return value if value is not None else self.instance.coauthorship_years

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS and not self.fields["slug"].disabled:
            raise forms.ValidationError(_("This short name is reserved: choose another one."))
        return slug

    def clean_tie_break_order(self) -> list[str]:
        rules = self.cleaned_data["tie_break_order"]
        if len(set(rules)) != len(rules):
            raise forms.ValidationError(_("A rule appears twice."))
        return rules


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = [
            "position",
            "name_en",
            "name_fr",
            "description_en",
            "description_fr",
            "weight",
            "scale_min",
            "scale_max",
            "allow_na",
        ]
        widgets = {"description_en": _text(2), "description_fr": _text(2)}

    def clean(self):
        data = super().clean()
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is not None and high is not None and high <= low:
            self.add_error("scale_max", _("The highest score must be above the lowest."))
        weight = data.get("weight")
        if weight is not None and weight <= 0:
            self.add_error("weight", _("The weight must be above zero."))
        return data


class RequiredDocumentForm(forms.ModelForm):
    max_mb = forms.IntegerField(
        label=_("Maximum size (MB)"),
        min_value=1,
        initial=10,
        help_text=_("PDF only."),
    )

    class Meta:
        model = RequiredDocument
        fields = [
            "position",
            "kind",
            "name_en",
            "name_fr",
            "description_en",
            "description_fr",
            "is_required",
        ]
        widgets = {"description_en": _text(2), "description_fr": _text(2)}
        help_texts = {"kind": _("A short code: project, cv, letter...")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = max(1, settings.DOCUMENT_MAX_BYTES // MB)
        self.fields["max_mb"].validators.append(MaxValueValidator(limit))
        self.fields["max_mb"].widget.attrs["max"] = limit
        if self.instance.pk:
            self.initial["max_mb"] = max(1, self.instance.max_bytes // MB)

    def save(self, commit: bool = True):
        self.instance.max_bytes = self.cleaned_data["max_mb"] * MB
        return super().save(commit)


class FundingSourceForm(forms.ModelForm):
    class Meta:
        model = FundingSource
        fields = ["name", "fellowships", "amount", "granted_on"]
        widgets = {"granted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class CallItemsFormSet(ExplainedFormSetMixin, BaseInlineFormSet):
    pass


class BaseCriterionFormSet(ExplainedFormSetMixin, BaseInlineFormSet):
    """Once reviews were scored against the criteria, none may be added or deleted (and
    ``Criterion.clean`` fixes each one's weight and scale): the staff page and the admin."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        added = [f for f in self.extra_forms if f.has_changed() and not self._should_delete_form(f)]
        deleted = [f for f in self.initial_forms if self._should_delete_form(f)]
        if (added or deleted) and criteria_in_use(self.instance):
            raise forms.ValidationError(
                _(
                    "Reviews were already scored against this call's criteria: criteria can "
                    "no longer be added or deleted."
                )
            )


CriterionFormSet = inlineformset_factory(
    Call, Criterion, form=CriterionForm, formset=BaseCriterionFormSet, extra=1, can_delete=True
)
RequiredDocumentFormSet = inlineformset_factory(
    Call,
    RequiredDocument,
    form=RequiredDocumentForm,
    formset=CallItemsFormSet,
    extra=1,
    can_delete=True,
)
FundingSourceFormSet = inlineformset_factory(
    Call, FundingSource, form=FundingSourceForm, formset=CallItemsFormSet, extra=1, can_delete=True
)

FORMSETS = {
    "criteria": CriterionFormSet,
    "documents": RequiredDocumentFormSet,
    "funding": FundingSourceFormSet,
}


class CloneForm(forms.Form):
    edition_year = forms.IntegerField(label=_("Edition year"), min_value=2000, max_value=2100)
    slug = forms.SlugField(
        label=_("Short name in addresses"),
        max_length=80,
        help_text=_("Letters, digits and hyphens."),
    )

    reference_prefix = forms.CharField(
        label=_("Reference prefix"),
        max_length=20,
        required=False,  # empty: the source's, or the first free one (``clone_call``)
        help_text=_("AISSAI gives AISSAI-2025-007."),
    )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This short name is reserved: choose another one."))
        if Call.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another call already uses this short name."))
        return slug

    def clean(self):
        data = super().clean()
        prefix, year = data.get("reference_prefix"), data.get("edition_year")
        if prefix and year and reference_prefix_taken(prefix, year):
            self.add_error("reference_prefix", REFERENCE_TAKEN_MESSAGE)
        return data


class StatusForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=_text(3),
        help_text=_("Recorded in the call's history."),
    )
    force = forms.BooleanField(
        label=_("Close before the submission deadline"),
        required=False,
    )
