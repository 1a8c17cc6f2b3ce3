"""Admin for calls, with their criteria, required documents and funding sources inline.

The status is shown but never edited here: staff move it from the call's management page,
where every rule of ``calls.services.calls.CALL_TRANSITIONS`` is checked. Changes made here
are written to the audit log.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aissai.audit.services import record_event
from calls.models import Call, Criterion, FundingSource, RequiredDocument


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["position", "name_en", "name_fr", "weight", "scale_min", "scale_max", "allow_na"]


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ["position", "kind", "name_en", "name_fr", "max_bytes", "is_required"]


class FundingSourceInline(admin.TabularInline):
    model = FundingSource
    extra = 0
    fields = ["name", "fellowships", "amount", "granted_on"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title_en", "edition_year", "status", "opens_at", "closes_at", "manage"]
    list_filter = ["status", "edition_year"]
    search_fields = ["title_en", "title_fr", "slug"]
    readonly_fields = ["status", "next_reference_number", "cloned_from", "created_at", "updated_at"]
    inlines = [CriterionInline, RequiredDocumentInline, FundingSourceInline]
    fieldsets = [
        (None, {"fields": ["edition_year", "slug", "reference_prefix", "status"]}),
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_event(
            actor=request.user,
            verb="call.updated" if change else "call.created",
            target=obj,
            data={"changed": form.changed_data, "via": "admin"},
        )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            record_event(
                actor=request.user,
                verb=f"call.{formset.model._meta.model_name}.saved",
                target=form.instance,
                data={"via": "admin"},
            )
