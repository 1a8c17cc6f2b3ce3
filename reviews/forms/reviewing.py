"""Forms of the reviewer's pages (conflict declaration, the review) and of the staff
progress page (filters)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aissai.forms import VersionedFormMixin
from aissai.limits import REASON_MAX_CHARS
from calls.models import Criterion
from reviews.models import Recommendation
from reviews.services.review_input import COMMENT_MAX_CHARS, ReviewData, ScoreInput


class DeclarationForm(forms.Form):
    """ "No conflict" or "conflict" with a reason (required for a conflict)."""

    NONE = "none"
    CONFLICT = "conflict"

    declaration = forms.ChoiceField(
        label=_("Your declaration"),
        widget=forms.RadioSelect,
        choices=[
            (NONE, _("I have no conflict of interest with this application")),
            (CONFLICT, _("I have a conflict of interest with this application")),
        ],
    )
    reason = forms.CharField(
        label=_("If you have a conflict: what is it?"),
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: a joint publication in the last five years, the same institution, "
            "a close personal or professional relationship. Programme staff read this."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("declaration") == self.CONFLICT
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Say briefly what the conflict is."))
        return cleaned


@dataclass(frozen=True)
class CriterionFields:
    criterion: Criterion
    score: BoundField
    not_applicable: BoundField | None
    comment: BoundField


CONFIDENCE_CHOICES = [
    ("", _("— choose —")),
    (1, _("1 – outside my field")),
    (2, _("2 – some familiarity")),
    (3, _("3 – related to my field")),
    (4, _("4 – close to my field")),
    (5, _("5 – my own field")),
]


class ReviewForm(VersionedFormMixin, forms.Form):
    """One score (integer on the criterion's scale, or N/A where allowed) and one comment
    per criterion of the call, then the overall parts. Nothing is required here: a draft
    may be partial; the service says what a submission still lacks."""

    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"),
        required=False,
        choices=[("", _("— choose —")), *Recommendation.choices],
    )
    confidence = forms.TypedChoiceField(
        label=_("Your confidence in this assessment"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=CONFIDENCE_CHOICES,
    )
    comments_for_applicants = forms.CharField(
        label=_("Comments for the applicants"),
        required=False,
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent to the applicants without your name."),
    )
    comments_for_staff = forms.CharField(
        label=_("Confidential comments for the programme staff"),
        required=False,
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Never shown to the applicants."),
    )

    def __init__(self, *args, criteria: list[Criterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        fields = {}
        for criterion in criteria:
            bounds = {"min": criterion.scale_min, "max": criterion.scale_max}
            range_message = _("Enter a whole number from %(min)d to %(max)d.") % bounds
            fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=_("Score (%(min)d to %(max)d)") % bounds,
                required=False,
                min_value=criterion.scale_min,
                max_value=criterion.scale_max,
                error_messages={
                    "invalid": range_message,
                    "min_value": range_message,
                    "max_value": range_message,
                },
                widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}),
            )
            if criterion.allow_na:
                fields[f"na_{criterion.pk}"] = forms.BooleanField(
                    label=_("Not applicable to this project"), required=False
                )
            fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=COMMENT_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        # The criteria first, in the call's order, then the overall parts.
        self.fields = {**fields, **self.fields}

    def criterion_rows(self) -> list[CriterionFields]:
        return [
            CriterionFields(
                criterion=criterion,
                score=self[f"score_{criterion.pk}"],
                not_applicable=self[f"na_{criterion.pk}"] if criterion.allow_na else None,
                comment=self[f"comment_{criterion.pk}"],
            )
            for criterion in self.criteria
        ]

    def clean(self):
        cleaned = super().clean()
        for criterion in self.criteria:
            key = f"score_{criterion.pk}"
            if cleaned.get(f"na_{criterion.pk}") and cleaned.get(key) is not None:
                self.add_error(key, _("Give a score or tick “not applicable”, not both."))
        return cleaned

    def review_data(self) -> ReviewData:
        data = self.cleaned_data
        return ReviewData(
            scores={
                c.pk: ScoreInput(
                    score=data.get(f"score_{c.pk}"),
                    not_applicable=bool(data.get(f"na_{c.pk}")),
                    comment=(data.get(f"comment_{c.pk}") or "").strip(),
                )
                for c in self.criteria
            },
            recommendation=data.get("recommendation") or "",
            confidence=data.get("confidence"),
            comments_for_applicants=(data.get("comments_for_applicants") or "").strip(),
            comments_for_staff=(data.get("comments_for_staff") or "").strip(),
        )

    @staticmethod
    def initial_from(data: ReviewData) -> dict:
        initial = {
            "recommendation": data.recommendation,
            "confidence": data.confidence,
            "comments_for_applicants": data.comments_for_applicants,
            "comments_for_staff": data.comments_for_staff,
        }
        for criterion_id, value in data.scores.items():
            initial[f"score_{criterion_id}"] = value.score
            initial[f"na_{criterion_id}"] = value.not_applicable
            initial[f"comment_{criterion_id}"] = value.comment
        return initial

    def conflict_labels(self) -> dict[str, str]:
        """Each criterion's fields named with the criterion, for the conflict panel."""
        labels = {}
        for criterion in self.criteria:
            name = {"criterion": criterion.name}
            labels[f"score_{criterion.pk}"] = gettext("%(criterion)s: score") % name
            labels[f"na_{criterion.pk}"] = gettext("%(criterion)s: not applicable") % name
            labels[f"comment_{criterion.pk}"] = gettext("%(criterion)s: comment") % name
        return labels

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


class ProgressFilterForm(forms.Form):
    incomplete = forms.BooleanField(label=_("Only incomplete"), required=False)
    late = forms.BooleanField(label=_("Only late (after the deadline)"), required=False)

    def flags(self) -> tuple[bool, bool]:
        if not self.is_valid():
            return False, False
        return bool(self.cleaned_data["incomplete"]), bool(self.cleaned_data["late"])
