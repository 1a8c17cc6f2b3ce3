from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from awards.models import DonorContact, OutputKind
from awards.services.reports import OutputData, check_output
from calls.models import FundingSource, Unit


class DateInput(forms.DateInput):
    input_type = "date"


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(format="%Y-%m-%d"), **kwargs)


def reason_field(label=None, required=True) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"),
        max_length=2000,
        required=required,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RecruitForm(forms.Form):
    fellow_name = forms.CharField(label=_("Fellow's full name"), max_length=200)
    fellow_email = forms.EmailField(label=_("Fellow's e-mail address"))
    phd_date = date_field(_("Date of the PhD defence"))
    hosting_unit = forms.ModelChoiceField(label=_("Hosting unit"), queryset=Unit.objects.none())
    start_date = date_field(_("Start date"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hosting_unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])


class SuspensionForm(forms.Form):
    starts_on = date_field(_("First day"))
    ends_on = date_field(_("Last day"))
    reason = forms.CharField(label=_("Reason (parental leave, illness…)"), max_length=300)


class EndForm(forms.Form):
    ended_on = date_field(_("Last day of the fellowship"))
    reason = reason_field(_("Reason, if it ends before its planned end date"), required=False)


class ReasonForm(forms.Form):
    reason = reason_field()


class AmountForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Committed amount (EUR)"), max_digits=12, decimal_places=2, min_value=0
    )
    reason = reason_field()


class AwardSettingsForm(forms.Form):
    recruitment_deadline = date_field(_("Recruitment deadline"), required=False)


class ReportForm(forms.Form):
    progress = forms.CharField(
        label=_("Progress"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    collaborations = forms.CharField(
        label=_("Collaborations"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    difficulties = forms.CharField(
        label=_("Difficulties"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    donor_contacts = forms.ModelMultipleChoiceField(
        label=_("Collaborations with the donor's researchers"),
        queryset=DonorContact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    upload = forms.FileField(
        label=_("Report (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donor_contacts"].queryset = contacts
        if not contacts.exists():
            del self.fields["donor_contacts"]


class OutputForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *OutputKind.choices])
    title = forms.CharField(label=_("Title"), max_length=500)
    doi = forms.CharField(label=_("DOI"), max_length=200, required=False)
    url = forms.URLField(label=_("URL"), max_length=500, required=False, assume_scheme="https")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            checked = check_output(OutputData(**cleaned))
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return vars(checked)


OutputFormSet = forms.formset_factory(OutputForm, extra=2, max_num=50)


class MilestoneForm(forms.Form):
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=120)
    month = forms.IntegerField(
        label=_("Month after the start"),
        min_value=1,
        required=False,
        help_text=_("Leave empty for the final report, due at the end of the fellowship."),
    )


class DonorContactForm(forms.Form):
    funding_source = forms.ModelChoiceField(
        label=_("Funding source"),
        queryset=FundingSource.objects.none(),
        empty_label=_("Choose a funding source"),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    team = forms.CharField(label=_("Team or department"), max_length=200, required=False)

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funding_source"].queryset = FundingSource.objects.filter(call=call)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


def datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=DateTimeInput(format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
        help_text=_("Paris time."),
    )


class EventForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=200)
    starts_at = datetime_field(_("Starts at"))
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    video_url = forms.URLField(
        label=_("Video link"), max_length=500, required=False, assume_scheme="https"
    )
    programme_en = forms.CharField(
        label=_("Programme (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    programme_fr = forms.CharField(
        label=_("Programme (French)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    answers_until = datetime_field(_("Answers accepted until"))


class RsvpForm(forms.Form):
    attends = forms.TypedChoiceField(
        label=_("Will you attend?"),
        choices=[("yes", _("Yes, I will attend")), ("no", _("No, I will not attend"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
