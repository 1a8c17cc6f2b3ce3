"""Admin for reference data: institutes (read-mostly), parent institutions, research units."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from calls.models import Institute, ParentInstitution, Unit


@admin.register(Institute)
class InstituteAdmin(admin.ModelAdmin):
    """The ten institutes come from a data migration: names may be corrected, nothing more."""

    list_display = ["acronym", "name_fr", "name_en"]
    search_fields = ["acronym", "name_fr", "name_en"]
    readonly_fields = ["acronym"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ParentInstitution)
class ParentInstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "domains", "unit_count"]
    search_fields = ["name", "acronym"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(unit_count=Count("units"))

    @admin.display(description=_("e-mail domains"))
    def domains(self, obj: ParentInstitution) -> str:
        return ", ".join(obj.email_domains or [])

    @admin.display(description=_("units"), ordering="unit_count")
    def unit_count(self, obj: ParentInstitution) -> int:
        return obj.unit_count


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["label", "acronym", "name", "city", "rnsr", "main_institute", "is_active"]
    list_display_links = ["label", "acronym"]
    list_filter = ["main_institute", "unit_type", "is_active"]
    list_select_related = ["main_institute"]
    search_fields = ["label", "number", "acronym", "name", "city", "rnsr"]
    search_help_text = _("Label (UMR 8223), number, acronym, name, city or RNSR identifier.")
    filter_horizontal = ["secondary_institutes", "parent_institutions"]

    def get_search_results(self, request, queryset, search_term):
        """The units' own search: every word, and ’ and ' the same letter."""
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False

    readonly_fields = ["label"]
    fieldsets = [
        (None, {"fields": ["unit_type", "number", "label", "name", "acronym", "city", "rnsr"]}),
        (
            _("Institutes and institutions"),
            {"fields": ["main_institute", "secondary_institutes", "parent_institutions"]},
        ),
        (None, {"fields": ["email_domains", "is_active"]}),
    ]
