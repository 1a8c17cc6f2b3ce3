from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MailEvent, OutboxStatus


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    event = forms.ChoiceField(label=_("Event"), required=False)
    q = forms.CharField(label=_("Recipient"), required=False, max_length=200)

    def __init__(self, *args, events: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *OutboxStatus.choices]
        labelled = sorted((MailEvent.label_of(e), e) for e in events)
        choices = [(event, label) for label, event in labelled]
        self.fields["event"].choices = [("", _("Any event")), *choices]
        self.fields["status"].widget.attrs["class"] = "form-select"
        self.fields["event"].widget.attrs["class"] = "form-select"
        self.fields["q"].widget = forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control",
                "placeholder": _("E-mail address or name"),
                "maxlength": 200,
            }
        )

    def filters(self) -> dict[str, str]:
        """The valid filters; an invalid value (an unknown event, say) filters nothing."""
        if not self.is_valid():
            return {"status": "", "event": "", "q": ""}
        return {name: self.cleaned_data.get(name) or "" for name in ("status", "event", "q")}


class HeldMailForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body_text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Plain text. The HTML version of the e-mail is rebuilt from this text."),
    )


class BulkReleaseForm(forms.Form):
    """Release either the ticked mails or every held mail matching the list's filter.

    For a filter, ``up_to`` is the newest mail the confirmation page showed, so a mail
    queued after staff looked is not released unseen.
    """

    SELECTED = "selected"
    FILTER = "filter"

    scope = forms.ChoiceField(choices=[(SELECTED, SELECTED), (FILTER, FILTER)])
    ids = forms.ModelMultipleChoiceField(queryset=None, required=False)
    status = forms.CharField(required=False)
    event = forms.CharField(required=False)
    q = forms.CharField(required=False, max_length=200)
    up_to = forms.IntegerField(required=False, min_value=0)

    def __init__(self, *args, messages, **kwargs):
        super().__init__(*args, **kwargs)
        # Ids the user may see; the service then keeps the ones still held.
        self.fields["ids"].queryset = messages

    def clean(self):
        data = super().clean()
        if data.get("scope") == self.SELECTED and not data.get("ids"):
            raise forms.ValidationError(_("Select at least one e-mail to release."))
        if data.get("scope") == self.FILTER and data.get("up_to") is None:
            raise forms.ValidationError(_("Confirm the e-mails to release first."))
        return data
