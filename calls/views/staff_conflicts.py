"""Programme staff: declare a conflict with an application, rule on an application that
names a staff member who has not confirmed (POST only; everyone else gets a 404).

Both come back to the call's applications table, which shows the conflicts to rule on.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls.forms.staff_conflicts import DeclareStaffConflictForm, RuleNamedStaffForm
from calls.selectors.calls import staff_call_or_404
from calls.selectors.staff_conflicts import evaluation_visible_to, named_staff_to_rule
from calls.services.staff_conflicts import (
    StaffConflictError,
    declare_staff_conflict,
    rule_named_staff,
)


def _back(slug: str) -> HttpResponse:
    return redirect("calls:staff_applications", slug=slug)


@require_POST
def declare(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug)
    form = DeclareStaffConflictForm(request.POST, call=call, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(call.slug)
    application = form.cleaned_data["application"]
    try:
        declare_staff_conflict(
            application=application, by=request.user, reason=form.cleaned_data["reason"]
        )
    except StaffConflictError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Your conflict with %(application)s is recorded: its reviews, scores and "
                "decisions are withheld from you from now on."
            )
            % {"application": application},
        )
    return _back(call.slug)


@require_POST
def rule(request: HttpRequest, slug: str, pk: int, user_pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug)
    named = {(n.application_id, n.staff_id) for n in named_staff_to_rule(call)}
    if (pk, user_pk) not in named or user_pk == request.user.pk:
        raise Http404
    application = evaluation_visible_to(request.user).filter(call=call, pk=pk).first()
    if application is None:
        raise Http404
    staff = get_user_model().objects.get(pk=user_pk)
    form = RuleNamedStaffForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(call.slug)
    try:
        rule_named_staff(
            application=application,
            staff=staff,
            by=request.user,
            confirmed=form.confirmed,
            reason=form.cleaned_data["reason"],
        )
    except StaffConflictError as error:
        messages.error(request, str(error))
    else:
        message = (
            _("%(name)s's conflict with %(application)s is confirmed.")
            if form.confirmed
            else _("%(name)s's naming in %(application)s is cleared: no conflict.")
        )
        messages.success(
            request, message % {"name": staff.get_full_name(), "application": application}
        )
    return _back(call.slug)
