"""Form pieces every app shares: the edit base a form carries (see ``aissai.concurrency``),
the fields a request left out, and formsets whose missing management form is explained
in the person's language."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aissai.concurrency import EditBase, EditConflict
from aissai.formatting import long_datetime

EDIT_BASE_FIELD = "edit_base"
KEEP_PREFIX = "keep-"
KEEP_SAVED = "saved"

MISSING_MANAGEMENT_FORM = gettext_lazy(
    "This part of the form did not arrive complete (the page may be out of date): nothing "
    "in it was changed. Reload the page and enter it again."
)

CONFLICT_MESSAGE = gettext_lazy(
    "This page was saved elsewhere (another tab or window) since you opened it, and some "
    "fields you changed were changed there too. Nothing was saved yet: for each field "
    "listed, choose the version to keep, then save again."
)


def merged_message(form: forms.Form, kept: list[str]) -> str:
    """Said after a save merged with changes made elsewhere since the form was loaded."""
    if not kept:
        return _(
            "This page had been saved elsewhere (another tab or window) since you opened it: "
            "both sets of changes are kept."
        )
    labels = [str(form.fields[name].label) if name in form.fields else name for name in kept]
    return _(
        "This page had been saved elsewhere (another tab or window) since you opened it: "
        "both sets of changes are kept, including the changes made there to: %(fields)s."
    ) % {"fields": ", ".join(labels)}


@dataclass(frozen=True)
class ConflictRow:
    name: str
    label: str
    mine: str
    theirs: str


def display_value(form_field: forms.Field | None, value: Any) -> str:
    """A value as a person reads it in the conflict panel."""
    if value is None or value == "" or value == [] or value == ():
        return _("(empty)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(display_value(form_field, item) for item in value)
    if isinstance(value, datetime.datetime):
        return long_datetime(timezone.localtime(value))
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    choices = getattr(form_field, "choices", None)
    if choices is not None and not isinstance(form_field, forms.ModelChoiceField):
        labels = {str(key): label for key, label in choices}
        return str(labels.get(str(value), value))
    return str(value)


class VersionedFormMixin:
    """A form that carries its edit base (a hidden field), knows which of its fields the
    request left out (they keep their saved value) and can show an edit conflict.

    Put it first in the bases: ``class MyForm(VersionedFormMixin, forms.Form)``."""

    def __init__(self, *args, base: EditBase | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[EDIT_BASE_FIELD] = forms.CharField(required=False, widget=forms.HiddenInput)
        if base is not None:
            self.initial[EDIT_BASE_FIELD] = base.encode()
        self.conflicts: list[ConflictRow] = []
        self.omitted: set[str] = set()
        if self.is_bound:
            for name, form_field in self.fields.items():
                if name == EDIT_BASE_FIELD or form_field.disabled:
                    continue
                widget = form_field.widget
                if widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name)):
                    # Left out of the request: never blanks what is saved, never "required".
                    self.omitted.add(name)
                    form_field.required = False

    def posted_base(self) -> EditBase | None:
        if not self.is_bound:
            return None
        return EditBase.decode(self.data.get(self.add_prefix(EDIT_BASE_FIELD)))

    def keep_saved(self) -> set[str]:
        """Fields whose saved value the person chose to keep after a conflict."""
        if not self.is_bound:
            return set()
        return {
            name
            for name in self.fields
            if self.data.get(KEEP_PREFIX + self.add_prefix(name)) == KEEP_SAVED
        }

    def left_out(self) -> set[str]:
        """Fields not to write: left out of the request, or kept as saved by choice."""
        return self.omitted | self.keep_saved()

    def rebase(self, *, revision: int, values: Mapping[str, Any]) -> None:
        """After a save the form is shown again (some fields were invalid): it is now based
        on the revision just saved, and on the values just written."""
        base = (self.posted_base() or EditBase(revision=revision)).seeing(values)
        data = self.data.copy()
        data[self.add_prefix(EDIT_BASE_FIELD)] = EditBase(
            revision=revision, fingerprints=base.fingerprints
        ).encode()
        self.data = data

    def show_conflict(self, conflict: EditConflict, labels: Mapping[str, str] | None = None):
        """Keep what the person typed, show the other value of each conflicting field, and
        carry a base that has seen those values (so that choosing "mine" then saves)."""
        base = self.posted_base() or EditBase(revision=0)
        seen = base.seeing({c.name: c.theirs for c in conflict.conflicts})
        data = self.data.copy()
        data[self.add_prefix(EDIT_BASE_FIELD)] = seen.encode()
        self.data = data
        labels = labels or {}
        self.conflicts = []
        for item in conflict.conflicts:
            form_field = self.fields.get(item.name)
            label = labels.get(item.name) or (form_field.label if form_field else item.name)
            self.conflicts.append(
                ConflictRow(
                    name=KEEP_PREFIX + self.add_prefix(item.name),
                    label=str(label),
                    mine=display_value(form_field, item.mine),
                    theirs=display_value(form_field, item.theirs),
                )
            )


class ExplainedFormSetMixin:
    """A formset whose request lacks the management form says so in plain words (the
    person's language) instead of Django's internal text."""

    default_error_messages = {"missing_management_form": MISSING_MANAGEMENT_FORM}


class FetchedChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices of a drop-down read by one plain query. Django's iterator reads them
    through ``QuerySet.iterator()``, which on PostgreSQL declares a server-side cursor
    held past the transaction (three round trips and a materialised result): for the few
    dozen institutes, units or disciplines of a filter bar that cost about 0.6 ms a field
    on every view of the staff pages."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():  # a fresh queryset: nothing cached on the field
            yield self.choice(obj)


class FetchedModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` for short lists (filter bars): see ``FetchedChoiceIterator``."""

    iterator = FetchedChoiceIterator
