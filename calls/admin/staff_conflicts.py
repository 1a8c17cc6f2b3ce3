"""Admin of staff conflicts of interest: read-only (declared and ruled on the staff pages,
where each change is checked and audited)."""

from __future__ import annotations

from django.contrib import admin

from calls.models import StaffConflict


@admin.register(StaffConflict)
class StaffConflictAdmin(admin.ModelAdmin):
    list_display = ["application", "user", "source", "status", "ruled_by", "updated_at"]
    list_filter = ["source", "status", "application__call"]
    search_fields = ["application__reference", "user__email", "user__full_name"]
    list_select_related = ["application", "user", "ruled_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
