"""The outbox in the admin: read-only, apart from the staff actions (release, discard,
retry), which call the same services as the staff pages and are audited the same way.

A link that grants access is shown as withheld. The dev mailbox is not in the admin: it
holds mails as delivered, links included, and only the machine itself may read it."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import MailEvent, OutboxMessage
from .withholding import visible_mails


class EventFilter(admin.SimpleListFilter):
    """The events of the mails there are, by their label."""

    title = _("event")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        events = model_admin.get_queryset(request).order_by().values_list("event", flat=True)
        return sorted(
            ((event, MailEvent.label_of(event)) for event in set(events)), key=lambda e: e[1]
        )

    def queryset(self, request, queryset):
        return queryset.filter(event=self.value()) if self.value() else queryset


class LanguageFilter(admin.SimpleListFilter):
    """The languages mails are written in, from the settings (no pass over the outbox to
    list the values present)."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return list(settings.LANGUAGES)

    def queryset(self, request, queryset):
        return queryset.filter(language=self.value()) if self.value() else queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "status",
        "event_display",
        "to_email",
        "language",
        "subject",
        "attempts",
    ]
    # Dates by period (today, past 7 days, month, year) rather than a date hierarchy,
    # whose links cost two passes over the matching mails on every page.
    list_filter = ["status", EventFilter, LanguageFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["to_email", "to_name", "subject", "message_id"]
    list_per_page = 50  # rows rendered per page: the admin's row rendering is most of its time
    show_full_result_count = False  # no second count of the whole outbox
    # The bodies as staff pages show them: a link that grants access is withheld.
    readonly_fields = [
        *(f.name for f in OutboxMessage._meta.fields if f.name not in ("body_text", "body_html")),
        "text_body",
        "html_body",
    ]
    actions = ["release", "discard", "retry"]

    def get_queryset(self, request):
        # The same mails as the outbox pages: none about a reader's conflicts.
        queryset = visible_mails(super().get_queryset(request), request.user)
        match = request.resolver_match
        if match is not None and match.url_name.endswith("_changelist"):
            # The list shows no body: the two largest columns are left in the table.
            queryset = queryset.defer("body_text", "body_html")
        return queryset

    def action_checkbox(self, obj):
        """The row's checkbox as the admin draws it, in one ``format_html`` instead of a
        form widget rendered through the template engine for each row."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )

    @admin.display(description=_("event"), ordering="event")
    def event_display(self, obj):
        return obj.event_label

    @admin.display(description=_("text body"))
    def text_body(self, obj):
        return obj.shown_body_text

    @admin.display(description=_("HTML body"))
    def html_body(self, obj):
        return obj.shown_body_html

    def has_manage_outbox_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.is_programme_staff)

    def _report(self, request, count: int) -> None:
        if count:
            self.message_user(
                request,
                ngettext("%(count)d e-mail changed.", "%(count)d e-mails changed.", count)
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, _("None of the selected e-mails allowed this action."), messages.WARNING
            )

    @admin.action(description=_("Release the selected held e-mails"), permissions=["manage_outbox"])
    def release(self, request, queryset):
        self._report(request, len(services.release_mails(actor=request.user, messages=queryset)))

    @admin.action(description=_("Discard the selected e-mails"), permissions=["manage_outbox"])
    def discard(self, request, queryset):
        self._report(request, len(services.discard_mails(actor=request.user, messages=queryset)))

    @admin.action(
        description=_("Send the selected failed e-mails again"), permissions=["manage_outbox"]
    )
    def retry(self, request, queryset):
        self._report(request, len(services.retry_mails(actor=request.user, messages=queryset)))
