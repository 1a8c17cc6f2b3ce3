"""Admin for institute correspondents.

Roles are granted (by e-mail address) and revoked through ``calls.services.correspondents``
so that every change is audited; nothing is edited in place or deleted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from calls.models import InstituteCorrespondent
from calls.services.correspondents import (
    CorrespondentError,
    grant_correspondent,
    may_manage_correspondents,
    revoke_correspondent,
)

from .applications import ProgrammeStaffAccess


class GrantForm(forms.ModelForm):
    """Add form: the person by e-mail address (they must have an account) and the institute."""

    email = forms.EmailField(label=_("e-mail address of the person"), max_length=254)

    class Meta:
        model = InstituteCorrespondent
        fields = ["institute"]

    def clean_email(self) -> str:
        users = get_user_model().objects
        email = users.normalize_email(self.cleaned_data["email"])
        self.person = users.filter(email__iexact=email).first()
        if self.person is None:
            raise forms.ValidationError(_("No account uses this address."))
        if not self.person.is_active:
            raise forms.ValidationError(_("This account is deactivated."))
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        person, institute = getattr(self, "person", None), cleaned.get("institute")
        if (
            person
            and institute
            and person.institute_correspondences.filter(institute=institute, active=True).exists()
        ):
            raise forms.ValidationError(
                _("This person is already a correspondent of this institute.")
            )
        return cleaned


@admin.register(InstituteCorrespondent)
class InstituteCorrespondentAdmin(ProgrammeStaffAccess, admin.ModelAdmin):
    list_display = ["user", "institute", "active", "granted_at", "granted_by", "revoked_at"]
    list_filter = ["active", "institute"]
    list_select_related = ["user", "institute", "granted_by"]
    search_fields = ["user__email", "user__full_name", "institute__acronym"]
    readonly_fields = [
        "user",
        "institute",
        "active",
        "granted_by",
        "granted_at",
        "revoked_by",
        "revoked_at",
    ]
    actions = ["revoke_roles", "grant_again"]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        if obj is None:
            kwargs["form"] = GrantForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["email", "institute"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_manage_correspondents(request.user) and request.user.is_staff

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the history stays

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return  # nothing is edited in place
        role = grant_correspondent(
            user=form.person, institute=form.cleaned_data["institute"], by=request.user
        )
        obj.pk = role.pk
        obj.user = role.user
        obj.active = role.active
        obj.granted_at, obj.granted_by = role.granted_at, role.granted_by
        obj._state.adding = False

    @admin.action(description=_("Revoke the selected roles"), permissions=["change"])
    def revoke_roles(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for role in queryset.filter(active=True):
            try:
                revoke_correspondent(role=role, by=request.user)
            except CorrespondentError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d role revoked.", "%(count)d roles revoked.", done) % {"count": done},
        )

    @admin.action(description=_("Grant the selected revoked roles again"), permissions=["change"])
    def grant_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for role in queryset.filter(active=False).select_related("user", "institute"):
            try:
                grant_correspondent(user=role.user, institute=role.institute, by=request.user)
            except CorrespondentError as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d role granted again.", "%(count)d roles granted again.", done)
            % {"count": done},
        )
