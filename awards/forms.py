from django import forms
from django.utils.translation import gettext_lazy as _

from calls.models import Unit


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
