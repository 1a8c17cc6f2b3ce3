"""Admin of the selection: ranked lists (positions editable inline, through the same
services as the board), and the list history, funding decisions and selection milestones
(read-only: they change through the staff pages, where each change is checked and audited).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from aissai.limits import REASON_MAX_CHARS
from calls.models import Application
from calls.selectors.staff_conflicts import conflict_clause
from reviews.models import FundingDecision, ListEntry, ListKind, ListMove, RankedList, Selection
from reviews.services.list_edits import check_reorder, reorder_lists, reset_to_score_order
from reviews.services.lists import ListError, Seen


def _versions(call_id: int) -> Seen:
    versions = dict(RankedList.objects.filter(call_id=call_id).values_list("kind", "version"))
    return Seen(
        main=versions.get(ListKind.MAIN, 0),
        complementary=versions.get(ListKind.COMPLEMENTARY, 0),
    )


def _parse_seen(value: str) -> Seen | None:
    main, _sep, complementary = (value or "").partition(":")
    if not (main.isdigit() and complementary.isdigit()):
        return None
    return Seen(main=int(main), complementary=int(complementary))


class RankedListForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for the new positions"),
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when the new positions put an application above one with a higher score."
        ),
    )
    loaded_versions = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = RankedList
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            seen = _versions(self.instance.call_id)
            self.fields["loaded_versions"].initial = f"{seen.main}:{seen.complementary}"


class EntryForm(forms.ModelForm):
    """A position typed by hand; uniqueness is the list services' job (they renumber)."""

    position = forms.IntegerField(label=_("position"), min_value=1)

    class Meta:
        model = ListEntry
        fields = ["position"]

    def validate_unique(self) -> None:
        """Two entries may be given the same number: the typed order decides."""


class EntryFormSet(BaseInlineFormSet):
    """Checks the new positions with the list services before anything is saved."""

    def validate_unique(self) -> None:
        """See :class:`EntryForm`: duplicates are resolved, not refused."""

    def new_lists(self) -> tuple[list[int], list[int]]:
        """Both lists of the call, this one in the order of the positions typed (an entry
        moved up goes before, one moved down after, the entry already at that number)."""

        def key(form):
            old = form.initial.get("position", form.instance.position)  # instance has the new
            new = form.cleaned_data.get("position", old)
            return (new, 0 if new < old else 2 if new > old else 1, old)

        forms_ = [form for form in self.forms if form.instance.pk]
        order = [form.instance.application_id for form in sorted(forms_, key=key)]
        other_kind = (
            ListKind.COMPLEMENTARY if self.instance.kind == ListKind.MAIN else ListKind.MAIN
        )
        other = list(
            ListEntry.objects.filter(
                ranked_list__call=self.instance.call, ranked_list__kind=other_kind
            )
            .order_by("position")
            .values_list("application_id", flat=True)
        )
        return (order, other) if self.instance.kind == ListKind.MAIN else (other, order)

    def clean(self):
        super().clean()
        if any(self.errors) or not any(form.has_changed() for form in self.forms):
            return
        seen = _parse_seen(self.data.get("loaded_versions", ""))
        if seen is None:
            raise ValidationError(_("Reload the page: the list versions are missing."))
        main, complementary = self.new_lists()
        try:
            check_reorder(
                call=self.instance.call,
                main_ids=main,
                complementary_ids=complementary,
                seen=seen,
                reason=self.data.get("reason", ""),
            )
        except ListError as error:
            raise ValidationError(str(error)) from error


class ListEntryInline(admin.TabularInline):
    model = ListEntry
    form = EntryForm
    formset = EntryFormSet
    fields = ["position", "application"]
    readonly_fields = ["application"]
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application")


class ReasonActionForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=REASON_MAX_CHARS)


@admin.register(RankedList)
class RankedListAdmin(admin.ModelAdmin):
    form = RankedListForm
    inlines = [ListEntryInline]
    action_form = ReasonActionForm
    actions = ["reset_to_score_order"]
    list_display = ["call", "kind", "version", "updated_at", "updated_by"]
    list_filter = ["kind", "call"]
    list_select_related = ["call", "updated_by"]
    fields = ["call", "kind", "version", "updated_at", "updated_by", "reason", "loaded_versions"]
    readonly_fields = ["call", "kind", "version", "updated_at", "updated_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        """Nothing of the list row itself is edited here; the entries are saved below."""

    def save_formset(self, request, form, formset, change) -> None:
        # The entries are rewritten by the service, never saved form by form.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not any(entry_form.has_changed() for entry_form in formset.forms):
            return
        main, complementary = formset.new_lists()
        try:
            reorder_lists(
                call=form.instance.call,
                by=request.user,
                main_ids=main,
                complementary_ids=complementary,
                seen=_parse_seen(form.cleaned_data.get("loaded_versions", "")) or Seen(-1, -1),
                reason=form.cleaned_data.get("reason", ""),
            )
        except ListError as error:
            messages.error(request, str(error))

    @admin.action(description=_("Reset the call's lists to the score order"))
    def reset_to_score_order(self, request, queryset) -> None:
        reason = request.POST.get("reason", "")
        for call_id in sorted(set(queryset.values_list("call_id", flat=True))):
            ranked = RankedList.objects.filter(call_id=call_id).select_related("call").first()
            try:
                reset_to_score_order(
                    call=ranked.call, by=request.user, seen=_versions(call_id), reason=reason
                )
            except ListError as error:
                messages.error(request, f"{ranked.call}: {error}")
            else:
                messages.success(request, _("%(call)s: lists reset.") % {"call": ranked.call})


class WithoutConflictedApplications:
    """Rows of applications the person takes part in are left out of the admin too
    (``calls.selectors.staff_conflicts``): their list moves and funding decisions."""

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .exclude(application__in=Application.objects.filter(conflict_clause(request.user)))
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ListMove)
class ListMoveAdmin(WithoutConflictedApplications, ReadOnlyAdmin):
    list_display = [
        "at",
        "call",
        "application",
        "kind",
        "from_list",
        "from_position",
        "to_list",
        "to_position",
        "against_score_order",
        "by",
    ]
    list_filter = ["kind", "against_score_order", "call"]
    list_select_related = ["call", "application", "by"]
    search_fields = ["application__reference", "reason"]
    date_hierarchy = "at"


@admin.register(FundingDecision)
class FundingDecisionAdmin(WithoutConflictedApplications, ReadOnlyAdmin):
    list_display = [
        "application",
        "outcome",
        "funding_source",
        "is_current",
        "promoted",
        "effective_on",
        "decided_at",
        "decided_by",
    ]
    list_filter = ["outcome", "is_current", "promoted"]
    list_select_related = ["application", "funding_source", "decided_by"]
    search_fields = ["application__reference", "reason"]


@admin.register(Selection)
class SelectionAdmin(ReadOnlyAdmin):
    list_display = ["call", "fixed_at", "published_at", "closed_at"]
    list_select_related = ["call"]
