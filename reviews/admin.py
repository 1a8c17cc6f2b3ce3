"""Admin of the reviews app, one section per area (later areas add their own section).

Invitations, confidentiality terms and acceptances are read-only here: they change through
the staff pages, where each change is checked, audited and mailed. Experts may be corrected
(a typo in a name or an institution); such edits are written to the audit log.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aissai.audit.services import record_event
from reviews.models import ConfidentialityAcceptance, ConfidentialityTerms, Expert, Invitation


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, searched and filtered; never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# ---------------------------------------------------------------------------
# Reviewer pool: experts and their invitations
# ---------------------------------------------------------------------------


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    can_delete = False
    fields = ["call", "status", "max_load", "sent_at", "expires_at", "responded_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "institution", "country", "language", "user"]
    list_filter = ["language", "country"]
    search_fields = ["full_name", "email", "institution", "orcid", "statement"]
    list_select_related = ["user"]
    raw_id_fields = ["unit", "user"]
    readonly_fields = ["created_at"]
    inlines = [InvitationInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_event(
            actor=request.user,
            verb="reviews.expert_changed_in_admin" if change else "reviews.expert_created",
            target=obj,
            data={"fields": list(form.changed_data)},
        )


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["expert", "call", "status", "max_load", "sent_at", "expires_at", "responded_at"]
    list_filter = ["status", "call"]
    search_fields = ["expert__full_name", "expert__email", "call__slug"]
    list_select_related = ["expert", "call"]
    list_per_page = 50  # rows rendered per page: the admin's row rendering is most of its time
    date_hierarchy = "sent_at"
    exclude = ["token"]  # the personal link is the expert's, not the admin's


# ---------------------------------------------------------------------------
# Confidentiality terms and their acceptance
# ---------------------------------------------------------------------------


@admin.register(ConfidentialityTerms)
class ConfidentialityTermsAdmin(ReadOnlyAdmin):
    list_display = ["call", "version", "published_at"]
    list_filter = ["call"]
    list_select_related = ["call"]


@admin.register(ConfidentialityAcceptance)
class ConfidentialityAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["invitation", "terms_version", "accepted_at"]
    list_filter = ["terms__call"]
    search_fields = ["invitation__expert__full_name", "invitation__expert__email"]
    list_select_related = ["invitation__expert", "invitation__call", "terms"]

    @admin.display(description=_("version"), ordering="terms__version")
    def terms_version(self, obj) -> int:
        return obj.terms.version


from reviews import admin_selection  # noqa: E402, F401  (selection: lists, decisions)
