"""Publication lists for conflicts by co-authorship: programme staff import one for an
expert of a call's pool; a reviewer imports their own (everyone else gets a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from calls.selectors.calls import staff_call_or_404
from reviews.forms.publications import PublicationImportForm
from reviews.models import Expert
from reviews.selectors.pool import (
    expert_of,
    invitation_for_staff_or_404,
    recent_publications,
)
from reviews.services.publications import PublicationImportError, import_publications


def _import(request: HttpRequest, expert: Expert, form: PublicationImportForm) -> bool:
    if not form.is_valid():
        return False
    try:
        outcome = import_publications(
            expert=expert, by=request.user, raw=form.cleaned_data["file"].read()
        )
    except PublicationImportError as exc:
        form.add_error("file", exc.message)
        return False
    text = ngettext(
        "%(count)d publication imported.", "%(count)d publications imported.", outcome.imported
    ) % {"count": outcome.imported}
    if outcome.skipped:
        text += " " + ngettext(
            "%(count)d entry without authors, or unreadable, was left out.",
            "%(count)d entries without authors, or unreadable, were left out.",
            outcome.skipped,
        ) % {"count": outcome.skipped}
    messages.success(request, text)
    return True


@require_http_methods(["GET", "POST"])
def staff_publications(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_pool")
    invitation = invitation_for_staff_or_404(call=call, pk=pk)
    form = PublicationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _import(request, invitation.expert, form):
        return redirect("reviews:invitation_publications", slug=call.slug, pk=invitation.pk)
    context = {
        "call": call,
        "expert": invitation.expert,
        "form": form,
        "publications": recent_publications(invitation.expert),
        "coauthorship_years": call.coauthorship_years,
    }
    return render(request, "reviews/pool/publications.html", context)


@require_http_methods(["GET", "POST"])
def my_publications(request: HttpRequest) -> HttpResponse:
    expert = expert_of(request.user)
    if expert is None:
        raise Http404
    form = PublicationImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and _import(request, expert, form):
        return redirect("reviews:my_publications")
    context = {"expert": expert, "form": form, "publications": recent_publications(expert)}
    return render(request, "reviews/pool/publications.html", context)
