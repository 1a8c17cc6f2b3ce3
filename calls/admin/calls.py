"""Admin for calls, with their criteria, required documents and funding sources inline.

The status is shown but never edited here: staff move it from the call's management page,
where every rule of ``calls.services.calls.CALL_TRANSITIONS`` is checked. Changes made here
are written to the audit log.
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aissai.audit.services import record_event
from calls.forms.calls import BaseCriterionFormSet
from calls.hooks import criteria_in_use
from calls.models import Call, CallStatus, Criterion, FundingSource, RequiredDocument
from calls.services.calls import can_edit, locked_call_fields, update_call, update_problems


class CriterionInline(admin.TabularInline):
    """Weights, scales and the set of criteria are fixed once reviews were scored against
    them (``Criterion.clean`` and the formset refuse the change, as on the staff page)."""

    model = Criterion
    formset = BaseCriterionFormSet
    extra = 0
    fields = ["position", "name_en", "name_fr", "weight", "scale_min", "scale_max", "allow_na"]

    def get_readonly_fields(self, request, obj=None):
        return list(Criterion.SCORING_FIELDS) if obj and criteria_in_use(obj) else []

    def has_add_permission(self, request, obj=None) -> bool:
        return not (obj and criteria_in_use(obj)) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not (obj and criteria_in_use(obj)) and super().has_delete_permission(request, obj)


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ["position", "kind", "name_en", "name_fr", "max_bytes", "is_required"]


class ReadOnlyInline(admin.TabularInline):
    """Shown here, changed only on the call's staff page (through its service)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class FundingSourceInline(ReadOnlyInline):
    """Places feed the lists: a change may promote or must be refused, so sources change
    only on the call's funding page (``calls:manage_call_funding``)."""

    model = FundingSource
    fields = ["name", "fellowships", "amount", "granted_on"]
    readonly_fields = fields


class CallAdminForm(forms.ModelForm):
    """The checks of the call's staff page (``update_problems``), before anything is saved."""

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None:
            stored = Call.objects.get(pk=self.instance.pk)
            values = {name: data[name] for name in self.changed_data if name in data}
            problems = update_problems(call=stored, values=values)
            if problems:
                raise forms.ValidationError(problems)
        return data


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Calls are created on the staff page; here they are corrected through the same
    service (``update_call``): fields the call's status fixes are read-only."""

    form = CallAdminForm
    list_display = ["title_en", "edition_year", "status", "opens_at", "closes_at", "manage"]
    list_filter = ["status", "edition_year"]
    search_fields = ["title_en", "title_fr", "slug"]
    readonly_fields = [
        "status",
        "next_reference_number",
        "cloned_from",
        "created_at",
        "updated_at",
        "staff_pages",
    ]
    inlines = [CriterionInline, RequiredDocumentInline, FundingSourceInline]
    fieldsets = [
        (None, {"fields": ["edition_year", "slug", "reference_prefix", "status", "staff_pages"]}),
        (_("Texts"), {"fields": ["title_en", "title_fr", "summary_en", "summary_fr"]}),
        (_("Rules"), {"fields": ["rules_en", "rules_fr", "tie_break_order"]}),
        (_("Dates"), {"fields": ["opens_at", "closes_at", "review_deadline"]}),
        (
            _("Settings"),
            {
                "fields": [
                    "fellowships",
                    "complementary_size",
                    "fellowship_months",
                    "min_institutes",
                    "min_units",
                    "reviews_per_application",
                    "partner_confirmation_required",
                    "abstract_max_chars",
                ]
            },
        ),
        (
            _("History"),
            {"fields": ["next_reference_number", "cloned_from", "created_at", "updated_at"]},
        ),
    ]

    @admin.display(description=_("management page"))
    def manage(self, obj: Call) -> str:
        url = reverse("calls:manage_call", args=[obj.slug])
        return format_html('<a href="{}">{}</a>', url, _("open"))

    @admin.display(description=_("changed on the staff pages"))
    def staff_pages(self, obj: Call) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("calls:manage_call", args=[obj.slug]),
            _("status"),
            reverse("calls:manage_call_criteria", args=[obj.slug]),
            _("review criteria"),
            reverse("calls:manage_call_funding", args=[obj.slug]),
            _("funding sources"),
        )

    def has_add_permission(self, request) -> bool:
        return False  # the staff page creates calls (``create_call``): always a draft

    def has_delete_permission(self, request, obj=None) -> bool:
        """Only a draft nobody applied to (one at a time: no bulk deletion)."""
        if obj is None or obj.status != CallStatus.DRAFT or obj.applications.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fixed = set(locked_call_fields(obj))
        if obj is not None and not can_edit(obj, "call"):
            fixed |= {field.name for field in Call._meta.fields if field.editable}
        return [*self.readonly_fields, *sorted(fixed - set(self.readonly_fields))]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        update_call(call=obj, by=request.user, values=values, via="admin")

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            record_event(
                actor=request.user,
                verb=f"call.{formset.model._meta.model_name}.saved",
                target=form.instance,
                data={"via": "admin"},
            )
