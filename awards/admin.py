"""Admin of the awards: read-only. Fellowships, reports and events change through the
staff pages, where each change is checked, audited and mailed."""

from django.contrib import admin

from awards.models import (
    AwardSettings,
    DonorContact,
    Event,
    EventInvitation,
    Fellowship,
    Report,
    ReportMilestone,
    Suspension,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, searched and filtered; never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Fellowship)
class FellowshipAdmin(ReadOnlyAdmin):
    list_display = [
        "application",
        "state",
        "funding_source",
        "fellow_name",
        "start_date",
        "end_date",
    ]
    list_filter = ["state", "application__call"]
    search_fields = [
        "application__reference",
        "application__acronym",
        "fellow_name",
        "fellow_email",
    ]
    list_select_related = ["application", "funding_source"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["fellowship", "milestone", "submitted_at"]
    list_filter = ["milestone__call"]
    list_select_related = ["fellowship__application", "milestone"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["title_en", "call", "starts_at", "answers_until"]
    list_filter = ["call"]


admin.site.register(
    [AwardSettings, DonorContact, EventInvitation, ReportMilestone, Suspension], ReadOnlyAdmin
)
