from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from aissai.security.reauth import is_recent, reauth_url

from .models import User
from .personal_data import AnonymisationRefused, anonymise_person, retention_status
from .second_factor import reset_second_factor


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_programme_staff", "is_staff", "is_active"]
    list_filter = ["is_programme_staff", "is_staff", "is_superuser", "is_active", "language"]
    search_fields = ["email", "full_name", "orcid"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "language", "orcid", "email_verified_at"]}),
        (
            _("Roles"),
            {"fields": ["is_active", "is_programme_staff", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["anonymise_people", "reset_second_factors"]

    def has_reset_second_factor_permission(self, request) -> bool:
        return request.user.is_superuser

    @admin.action(
        permissions=["reset_second_factor"],
        description=_("Remove the authenticator app of the selected people (lost phone)"),
    )
    def reset_second_factors(self, request, queryset):
        """Each removal is audited; the person sets up a new app at their next login."""
        if not is_recent(request):
            return redirect(reauth_url(request.get_full_path()))
        done = sum(reset_second_factor(user=user, by=request.user) for user in queryset)
        self.message_user(
            request,
            gettext("Authenticator app removed for %(count)d people.") % {"count": done},
            messages.SUCCESS,
        )
        return None

    def has_anonymise_permission(self, request) -> bool:
        return request.user.is_superuser or request.user.is_programme_staff

    @admin.action(
        permissions=["anonymise"], description=_("Anonymise the selected people (retention over)")
    )
    def anonymise_people(self, request, queryset):
        """A confirmation page first; then only people whose retention period is over are
        anonymised (earlier needs the anonymise_person command with --force and a reason)."""
        if not is_recent(request):
            return redirect(reauth_url(request.get_full_path()))
        people = [(user, retention_status(email=user.email, user=user)) for user in queryset]
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Anonymise people"),
                "people": people,
                "opts": self.model._meta,
                "action": "anonymise_people",
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            }
            return render(request, "accounts/my_data_anonymise.html", context)
        done = 0
        for user, status in people:
            if not status.over:
                self.message_user(request, f"{user}: {status.refusal()}", messages.WARNING)
                continue
            try:
                anonymise_person(
                    email=user.email, by=request.user, reason=gettext("Retention period over")
                )
            except AnonymisationRefused as exc:
                self.message_user(request, f"{user}: {exc}", messages.WARNING)
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d person anonymised.", "%(count)d people anonymised.", done)
            % {"count": done},
            messages.SUCCESS,
        )
        return None
