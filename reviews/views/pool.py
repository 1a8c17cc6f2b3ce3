"""The reviewer pool: programme staff's pages per call (everyone else gets a 404), the
reviewer's home and the page where a reviewer accepts the call's confidentiality terms."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calls.models import Call
from calls.selectors.applications import search_units
from calls.selectors.calls import is_programme_staff, staff_call_or_404
from reviews.forms.invitation_csv import CSV_COLUMNS, BulkInvitationForm, read_invitation_csv
from reviews.forms.pool import (
    SUGGESTED_TERMS_EN,
    SUGGESTED_TERMS_FR,
    AcceptTermsForm,
    ExpertInvitationForm,
    PoolFilterForm,
    TermsForm,
)
from reviews.selectors.pool import (
    POOL_STATUSES,
    acceptance_of,
    current_terms,
    invitation_for_staff_or_404,
    pool_invitations,
    pool_status_counts,
    reviewer_calls,
    reviewer_invitation,
    terms_history,
    units_named_in,
)
from reviews.services.confidentiality import TermsError, accept_terms, publish_terms
from reviews.services.invitations import (
    InvitationError,
    invite_expert,
    invite_experts,
    resend_invitation,
    withdraw_invitation,
)

POOL_PAGE_SIZE = 50


@require_GET
def pool(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_pool")
    form = PoolFilterForm(request.GET)
    status, q = form.values()
    terms = current_terms(call)
    invitations = pool_invitations(call=call, status=status, q=q, terms=terms)
    page = Paginator(invitations, POOL_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = pool_status_counts(call)
    context = {
        "call": call,
        "form": form,
        "page": page,
        "terms": terms,
        "total": counts["all"],
        "tabs": [(key, label, counts[key]) for key, label in POOL_STATUSES],
        "status": status,
        "filtered": bool(status or q),
    }
    return render(request, "reviews/pool/list.html", context)


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_pool")
    form = ExpertInvitationForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invite_expert(call=call, by=request.user, data=form.expert_data())
        except InvitationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(name)s is invited; the invitation was sent to %(email)s.")
                % {"name": invitation.expert.full_name, "email": invitation.expert.email},
            )
            return redirect("reviews:pool", slug=call.slug)
    return render(request, "reviews/pool/invite.html", {"call": call, "form": form})


@require_http_methods(["GET", "POST"])
def invite_bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """All or nothing: every row is checked first; any error and nobody is invited."""
    call = staff_call_or_404(request.user, slug, "reviews.manage_pool")
    form = BulkInvitationForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = read_invitation_csv(form.cleaned_data["file"].read(), call=call)
        if result.ok and not form.cleaned_data["check_only"]:
            try:
                invitations = invite_experts(call=call, by=request.user, rows=result.rows)
            except InvitationError as exc:
                result.file_error = _("Nobody was invited: %(error)s") % {"error": exc}
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d expert invited; the invitation is being sent.",
                        "%(n)d experts invited; the invitations are being sent.",
                        len(invitations),
                    )
                    % {"n": len(invitations)},
                )
                return redirect("reviews:pool", slug=call.slug)
    columns = sorted(set(CSV_COLUMNS.values()))
    context = {"call": call, "form": form, "result": result, "columns": columns}
    return render(request, "reviews/pool/import.html", context)


def _invitation_action(request: HttpRequest, slug: str, pk: int, action, done: str):
    call = staff_call_or_404(request.user, slug, "reviews.manage_pool")
    invitation = invitation_for_staff_or_404(call=call, pk=pk)
    try:
        action(invitation=invitation, by=request.user)
    except InvitationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"name": invitation.expert.full_name})
    return redirect("reviews:pool", slug=call.slug)


@require_POST
def invitation_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _invitation_action(
        request, slug, pk, resend_invitation, _("The invitation was sent again to %(name)s.")
    )


@require_POST
def invitation_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _invitation_action(
        request, slug, pk, withdraw_invitation, _("The invitation of %(name)s is withdrawn.")
    )


@require_GET
def unit_options(request: HttpRequest) -> HttpResponse:
    """htmx: <option>s of the active units matching what staff typed in the unit field."""
    if not is_programme_staff(request.user):
        raise Http404
    query = request.GET.get("unit", "").strip()[:100]
    return render(request, "reviews/pool/_unit_options.html", {"units": search_units(query)})


@require_GET
def unit_named(request: HttpRequest) -> HttpResponse:
    """htmx: the units of the referential that the institution staff typed names, as a
    hint under the field and as options of the unit field."""
    if not is_programme_staff(request.user):
        raise Http404
    units = units_named_in(request.GET.get("institution", ""))
    return render(request, "reviews/pool/_unit_named.html", {"units": units})


@require_http_methods(["GET", "POST"])
def terms_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff publish a new version of the call's confidentiality terms."""
    call = staff_call_or_404(request.user, slug, "reviews.manage_pool")
    latest = current_terms(call)
    initial = {
        "text_en": latest.text_en if latest else SUGGESTED_TERMS_EN,
        "text_fr": latest.text_fr if latest else SUGGESTED_TERMS_FR,
    }
    form = TermsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            terms = publish_terms(call=call, by=request.user, **form.cleaned_data)
        except TermsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Version %(version)d is published; reviewers must accept it again.")
                % {"version": terms.version},
            )
            return redirect("reviews:terms_edit", slug=call.slug)
    context = {"call": call, "form": form, "history": terms_history(call), "latest": latest}
    return render(request, "reviews/pool/terms_edit.html", context)


# The reviewer's side


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The calls the person reviews for (another page will list the assignments)."""
    return render(
        request, "reviews/pool/reviewer_home.html", {"rows": reviewer_calls(request.user)}
    )


def terms_text(terms) -> str:
    language = (get_language() or "en")[:2]
    return (terms.text_fr if language == "fr" else terms.text_en) or terms.text_en


@require_http_methods(["GET", "POST"])
def confidentiality(request: HttpRequest, slug: str) -> HttpResponse:
    """A reviewer of the call reads and accepts the current terms; 404 for anyone else."""
    call = Call.objects.filter(slug=slug).first()
    invitation = reviewer_invitation(request.user, call) if call else None
    if invitation is None:
        raise Http404
    terms = current_terms(call)
    form = AcceptTermsForm(
        request.POST or None, initial={"version": terms.version if terms else None}
    )
    if request.method == "POST" and terms is not None and form.is_valid():
        try:
            accept_terms(
                invitation=invitation, user=request.user, version=form.cleaned_data["version"]
            )
        except TermsError as exc:
            messages.error(request, str(exc))
            return redirect("reviews:confidentiality", slug=call.slug)
        messages.success(request, _("Thank you: you accepted the confidentiality terms."))
        return redirect("reviews:dashboard")
    context = {
        "call": call,
        "terms": terms,
        "text": terms_text(terms) if terms else "",
        "acceptance": acceptance_of(invitation, terms),
        "form": form,
    }
    return render(request, "reviews/pool/confidentiality.html", context)
