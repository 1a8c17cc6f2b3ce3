"""The expert's personal invitation link (no login needed to open it).

- GET ``invitation``: the call, what is asked, Accept and Decline.
- ``invitation_accept``: logged in as the invited account → POST accepts; an account exists
  but nobody is logged in → to the login page, then back here; no account → the expert
  creates one on the spot (the link proves the address); logged in as someone else →
  refused, nothing changes.
- POST ``invitation_decline``: with an optional reason and a suggested colleague.

A link that expired, was withdrawn or was already answered shows a page that says so and
whom to contact (status 410); nothing changes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aissai.accounts import services as account_services
from reviews.forms.pool import DeclineForm, InvitationSignupForm
from reviews.models import Invitation
from reviews.rules import forget_reviewer_cache
from reviews.selectors.pool import (
    account_for_invitation,
    closed_reason,
    invitation_by_token_or_404,
    is_invitation_account,
)
from reviews.services.invitations import (
    InvitationClosed,
    InvitationError,
    accept_invitation,
    create_account_and_accept,
    decline_invitation,
)

LOGIN_BACKEND = "aissai.accounts.backends.EmailBackend"


def _use_expert_language(request: HttpRequest, invitation: Invitation) -> None:
    """A visitor who chose no language reads the page in the expert's language."""
    if request.user.is_authenticated or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    language = invitation.expert.language or "en"
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _closed(request: HttpRequest, invitation: Invitation, reason: str) -> HttpResponse:
    return render(
        request,
        "reviews/invitation/closed.html",
        {"invitation": invitation, "call": invitation.call, "reason": reason},
        status=410,
    )


def _wrong_account(request: HttpRequest, invitation: Invitation, *, exists: bool) -> HttpResponse:
    """Logged in as someone else: refused, nothing changes."""
    context = {"invitation": invitation, "call": invitation.call, "account_exists": exists}
    return render(request, "reviews/invitation/wrong_account.html", context, status=403)


def _page(request: HttpRequest, invitation: Invitation, decline_form=None, status=200):
    context = {
        "invitation": invitation,
        "call": invitation.call,
        "expert": invitation.expert,
        "decline_form": decline_form or DeclineForm(),
        "is_invited_account": is_invitation_account(invitation, request.user),
    }
    return render(request, "reviews/invitation/detail.html", context, status=status)


def _login_redirect(invitation: Invitation) -> HttpResponse:
    next_url = reverse("reviews:invitation", args=[invitation.token])
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


def _accepted(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    forget_reviewer_cache(request.user)
    messages.success(
        request,
        _(
            "Thank you for accepting to review for this call. Please read and accept the "
            "confidentiality terms first."
        ),
    )
    return redirect("reviews:confidentiality", slug=invitation.call.slug)


@login_not_required
@require_GET
def invitation(request: HttpRequest, token) -> HttpResponse:
    invitation = invitation_by_token_or_404(token)
    _use_expert_language(request, invitation)
    reason = closed_reason(invitation)
    if reason:
        return _closed(request, invitation, reason)
    return _page(request, invitation)


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token) -> HttpResponse:
    invitation = invitation_by_token_or_404(token)
    _use_expert_language(request, invitation)
    reason = closed_reason(invitation)
    if reason:
        return _closed(request, invitation, reason)
    account = account_for_invitation(invitation)
    user = request.user
    if account is not None:
        if not user.is_authenticated:
            if request.method == "POST" and account.email_verified_at is None:
                # The personal link proves the address: the account may log in now.
                account_services.verify_email(user=account)
            messages.info(
                request,
                _("An account exists for %(email)s: log in with it to accept the invitation.")
                % {"email": invitation.expert.email},
            )
            return _login_redirect(invitation)
        if not is_invitation_account(invitation, user):
            return _wrong_account(request, invitation, exists=True)
        if request.method != "POST":
            return redirect("reviews:invitation", token=invitation.token)
        try:
            accept_invitation(invitation=invitation, user=user)
        except InvitationClosed as exc:
            return _closed(request, invitation, exc.reason)
        except InvitationError as exc:
            messages.error(request, str(exc))
            return redirect("reviews:invitation", token=invitation.token)
        return _accepted(request, invitation)
    if user.is_authenticated:
        return _wrong_account(request, invitation, exists=False)
    # No account yet: the expert creates one (the form posts "password1").
    posted = request.method == "POST" and "password1" in request.POST
    form = InvitationSignupForm(
        request.POST if posted else None,
        email=invitation.expert.email,
        initial={"full_name": invitation.expert.full_name, "language": translation.get_language()},
    )
    if posted and form.is_valid():
        try:
            new_user = create_account_and_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                language=form.cleaned_data["language"],
            )
        except InvitationClosed as exc:
            return _closed(request, invitation, exc.reason)
        except InvitationError as exc:
            messages.error(request, str(exc))
            return redirect("reviews:invitation", token=invitation.token)
        login(request, new_user, backend=LOGIN_BACKEND)
        return _accepted(request, invitation)
    context = {"invitation": invitation, "call": invitation.call, "form": form}
    return render(request, "reviews/invitation/create_account.html", context)


@login_not_required
@require_POST
def invitation_decline(request: HttpRequest, token) -> HttpResponse:
    invitation = invitation_by_token_or_404(token)
    _use_expert_language(request, invitation)
    reason = closed_reason(invitation)
    if reason:
        return _closed(request, invitation, reason)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _page(request, invitation, decline_form=form, status=400)
    try:
        decline_invitation(
            invitation=invitation,
            reason=form.cleaned_data["reason"],
            suggested_colleague=form.cleaned_data["suggested_colleague"],
            by=request.user,
        )
    except InvitationClosed as exc:
        return _closed(request, invitation, exc.reason)
    return render(
        request,
        "reviews/invitation/declined.html",
        {"invitation": invitation, "call": invitation.call},
    )
