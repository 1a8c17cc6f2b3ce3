"""Admin for applications and disciplines.

The status is never edited here: only ``calls.transitions.transition`` changes it. Files
are described (name, size, SHA-256) but never linked: they are served only by the
permission-checked download view. Programme staff with admin access may view and correct
applications and edit the list of disciplines; changes are written to the audit log.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from aissai.audit.models import AuditEvent
from aissai.audit.services import record_event
from calls.models import (
    Application,
    ApplicationVersion,
    Discipline,
    Document,
    ExcludedReviewer,
    Partner,
)
from calls.selectors.staff import with_counts
from calls.selectors.staff_conflicts import conflict_clause


def _programme_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and user.is_programme_staff)


class ProgrammeStaffAccess:
    """Programme staff with admin access may view and change; superusers as usual."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _programme_staff(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _programme_staff(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _programme_staff(request) or super().has_change_permission(request, obj)


class PartnerInline(ProgrammeStaffAccess, admin.TabularInline):
    """Read-only: partners change on the application's pages (``calls.services.partners``),
    where the consortium rule is checked and each partner lead is asked to confirm."""

    model = Partner
    extra = 0
    can_delete = False
    fields = [
        "position",
        "unit",
        "institute",
        "is_coordinating",
        "lead_name",
        "lead_email",
        "confirmation_sent_at",
        "confirmed_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DocumentInline(ProgrammeStaffAccess, admin.TabularInline):
    """File information only: no link to the file, no upload, no deletion."""

    model = Document
    extra = 0
    fields = ["kind", "original_name", "size", "sha256", "is_current", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ExcludedReviewerInline(ProgrammeStaffAccess, admin.TabularInline):
    model = ExcludedReviewer
    extra = 0
    max_num = 3
    fields = ["name", "institution", "email", "reason"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _programme_staff(request) or super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _programme_staff(request) or super().has_delete_permission(request, obj)


class ApplicationVersionInline(ProgrammeStaffAccess, admin.TabularInline):
    """The submitted versions, frozen."""

    model = ApplicationVersion
    extra = 0
    fields = ["number", "submitted_at", "submitted_by", "content"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("content"))
    def content(self, obj: ApplicationVersion) -> str:
        text = json.dumps(obj.snapshot, indent=2, ensure_ascii=False, default=str)
        return format_html("<details><summary>{}</summary><pre>{}</pre></details>", _("Show"), text)


@admin.register(Application)
class ApplicationAdmin(ProgrammeStaffAccess, admin.ModelAdmin):
    list_display = [
        "reference",
        "acronym",
        "short_title",
        "call",
        "coordinator_email",
        "status",
        "units",
        "institutes",
        "submitted_at",
    ]
    list_display_links = ["reference", "acronym"]
    # Plain columns: ordering by "call" would pull in the call's own ordering (a join and a sort).
    ordering = ["call_id", "reference", "id"]
    list_filter = ["call", "status", "disciplines"]
    search_fields = ["reference", "title", "acronym", "coordinator__email"]
    list_select_related = ["call", "coordinator"]
    list_per_page = 50
    # "12 results (10,000 total)" would count every application of every call on each page.
    show_full_result_count = False
    date_hierarchy = None
    filter_horizontal = ["disciplines"]
    inlines = [PartnerInline, DocumentInline, ExcludedReviewerInline, ApplicationVersionInline]
    readonly_fields = [
        "call",
        "coordinator",
        "reference",
        "status",
        "submitted_at",
        "version",
        "eligibility_overridden",
        "eligibility_reason",
        "withdrawal_reason",
        "created_at",
        "updated_at",
        "audit_trail",
        "pages",
    ]
    fieldsets = [
        (None, {"fields": ["call", "reference", "status", "coordinator", "pages"]}),
        (
            _("Project"),
            {
                "fields": [
                    "title",
                    "acronym",
                    "abstract",
                    "keywords",
                    "disciplines",
                    "ai_side",
                    "science_side",
                    "postdoc_profile",
                    "planned_start",
                    "industry_interest",
                ]
            },
        ),
        (
            _("Eligibility and withdrawal"),
            {"fields": ["eligibility_overridden", "eligibility_reason", "withdrawal_reason"]},
        ),
        (_("Dates"), {"fields": ["submitted_at", "version", "created_at", "updated_at"]}),
        (_("Audit trail"), {"fields": ["audit_trail"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        # Never an application the person takes part in: its status and audit trail tell
        # its evaluation (``calls.selectors.staff_conflicts``).
        queryset = super().get_queryset(request).exclude(conflict_clause(request.user))
        return with_counts(queryset)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applications are made by applicants

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # withdrawal and decisions are transitions; nothing is erased

    @admin.display(description=_("title"), ordering="title")
    def short_title(self, obj: Application) -> str:
        return obj.title if len(obj.title) <= 60 else f"{obj.title[:59]}…"

    @admin.display(description=_("coordinator"), ordering="coordinator__email")
    def coordinator_email(self, obj: Application) -> str:
        return obj.coordinator.email

    @admin.display(description=_("units"), ordering="units_count")
    def units(self, obj: Application) -> int:
        return obj.units_count

    @admin.display(description=_("institutes"), ordering="institutes_count")
    def institutes(self, obj: Application) -> int:
        return obj.institutes_count

    @admin.display(description=_("changed on the site"))
    def pages(self, obj: Application) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '{} <a href="{}">{}</a> · <a href="{}">{}</a>',
            _("Partners are changed on the application's page, status on the staff pages:"),
            reverse("calls:application_detail", args=[obj.pk]),
            _("application"),
            reverse("calls:staff_screening", args=[obj.call.slug, obj.pk]),
            _("eligibility"),
        )

    @admin.display(description=_("audit trail"))
    def audit_trail(self, obj: Application) -> str:
        if obj.pk is None:
            return "—"
        events = AuditEvent.objects.for_object(obj).select_related("actor")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    f"{event.created_at:%Y-%m-%d %H:%M:%S}",
                    event.actor.email if event.actor else _("system"),
                    event.verb,
                    json.dumps(event.data, ensure_ascii=False, sort_keys=True),
                )
                for event in events
            ),
        )
        if not rows:
            return _("No event yet.")
        return format_html(
            '<table class="audit-trail"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("time"),
            _("actor"),
            _("action"),
            _("details"),
            rows,
        )

    def save_model(self, request: HttpRequest, obj: Application, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if form.changed_data:
            record_event(
                actor=request.user,
                verb="application.admin_change",
                target=obj,
                data={"fields": sorted(form.changed_data)},
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        changed = [f.instance.pk for f in formset.forms if f.has_changed()]
        deleted = [obj.pk for obj in formset.deleted_objects]
        if changed or deleted:
            record_event(
                actor=request.user,
                verb="application.admin_change",
                target=form.instance,
                data={
                    "inline": formset.model._meta.model_name,
                    "saved": changed,
                    "deleted": deleted,
                },
            )


@admin.register(Discipline)
class DisciplineAdmin(ProgrammeStaffAccess, admin.ModelAdmin):
    """The list of disciplines applicants choose from; deactivate rather than delete."""

    list_display = ["name_en", "name_fr", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["is_active"]
    search_fields = ["name_en", "name_fr"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _programme_staff(request) or super().has_add_permission(request)
