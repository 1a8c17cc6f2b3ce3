from django.contrib import admin

from .models import AuditEvent
from .withholding import visible_events


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_repr"]
    list_filter = ["verb", "target_type"]
    search_fields = ["verb", "target_repr", "actor__email"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def get_queryset(self, request):
        """Events about an application whose evaluation the reader may not see (their
        own, say) are left out."""
        return visible_events(super().get_queryset(request), request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
