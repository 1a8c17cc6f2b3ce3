"""Changes to a call's funding sources: read from the staff formset, applied by the writer
that ``reviews`` registers (``calls.hooks``), which knows the places already given."""

from typing import Any

from django.forms import BaseModelFormSet

from calls.hooks import FundingChanges, funding_writer
from calls.models import Call

FUNDING_FIELDS = ("name", "fellowships", "amount", "granted_on")


def funding_changes(formset: BaseModelFormSet) -> FundingChanges:
    """What a valid funding formset asks for; nothing is saved."""
    added, changed, deleted = [], [], []
    for form in formset.forms:
        instance = form.instance
        if formset.can_delete and formset._should_delete_form(form):
            if instance.pk:
                deleted.append(instance)
            continue
        values = {name: form.cleaned_data.get(name) for name in FUNDING_FIELDS}
        if instance.pk is None:
            if form.has_changed():
                added.append(values)
        elif set(form.changed_data) & set(FUNDING_FIELDS):
            # The form already copied the new values onto ``instance``: the writer reads
            # the stored row again by its id.
            changed.append((instance, values))
    return FundingChanges(added=added, changed=changed, deleted=deleted)


def save_funding(*, call: Call, by: Any, formset: BaseModelFormSet) -> list[str]:
    """Apply a valid funding formset through the registered writer; returns its notes.

    Raises ``calls.services.calls.CallError`` when a change is refused (nothing is saved)."""
    changes = funding_changes(formset)
    if not changes:
        return []
    return funding_writer()(call=call, by=by, changes=changes)
