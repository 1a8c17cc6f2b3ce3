"""The reviewer's pages: the dashboard, the assigned application (terms, conflict
declaration, then the full text and its files), the review form; and the staff action
that reopens a review after the deadline.

Every lookup goes through ``reviews.selectors.reviewing``: an application that is not
assigned to the person, or that a confirmed conflict blocks, is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aissai.concurrency import EditConflict
from aissai.forms import CONFLICT_MESSAGE, merged_message
from calls.models import Application
from calls.selectors.applications import with_content
from calls.services.documents import record_download
from calls.views.documents import document_response
from reviews.forms.reviewing import DeclarationForm, ReviewForm
from reviews.models import Assignment
from reviews.selectors.reviewing import (
    assignment_row,
    call_criteria,
    current_documents,
    is_open_to_reviewer,
    my_assignments,
    open_assignment_or_404,
    review_editable,
    review_of,
    reviewer_assignment_or_404,
    reviewer_document_or_404,
    staff_assignments,
)
from reviews.services.declarations import declare_conflict, declare_no_conflict
from reviews.services.review_input import review_base, review_data_of
from reviews.services.reviewing import (
    ReviewClosed,
    ReviewIncomplete,
    ReviewingError,
    ReviewInputError,
    ReviewNotAllowed,
    reopen_review,
    save_review,
)


@require_GET
def assignments_dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request, "reviews/reviewing/my_assignments.html", {"rows": my_assignments(request.user)}
    )


def _application(assignment: Assignment) -> Application:
    return with_content(Application.objects.filter(pk=assignment.application_id)).get()


def _declaration_page(
    request: HttpRequest, assignment: Assignment, form: DeclarationForm, status: int = 200
) -> HttpResponse:
    context = {
        "assignment": assignment,
        "application": _application(assignment),
        "call": assignment.application.call,
        "form": form,
    }
    return render(request, "reviews/reviewing/declare.html", context, status=status)


@require_GET
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Terms first, then the conflict declaration, then the application read-only."""
    assignment = reviewer_assignment_or_404(request.user, pk)
    call = assignment.application.call
    if not assignment.terms_accepted:
        context = {"assignment": assignment, "call": call}
        return render(request, "reviews/reviewing/terms_required.html", context)
    if not is_open_to_reviewer(assignment):
        return _declaration_page(request, assignment, DeclarationForm())
    application = _application(assignment)
    context = {
        "assignment": assignment,
        "row": assignment_row(assignment),
        "application": application,
        "call": call,
        "partners": list(application.partners.all()),
        "documents": current_documents(application),
    }
    return render(request, "reviews/reviewing/application.html", context)


@require_POST
def assignment_declare(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = reviewer_assignment_or_404(request.user, pk)
    if not assignment.terms_accepted:
        return redirect("reviews:assignment_detail", pk=pk)
    form = DeclarationForm(request.POST)
    if not form.is_valid():
        return _declaration_page(request, assignment, form)
    try:
        if form.cleaned_data["declaration"] == DeclarationForm.NONE:
            declare_no_conflict(assignment=assignment, by=request.user)
        else:
            declare_conflict(
                assignment=assignment, by=request.user, reason=form.cleaned_data["reason"]
            )
    except ReviewNotAllowed as exc:
        raise Http404 from exc
    except ReviewingError as exc:
        for name, message in exc.errors.items():
            form.add_error(name if name in form.fields else None, message)
        return _declaration_page(request, assignment, form)
    if form.cleaned_data["declaration"] == DeclarationForm.NONE:
        messages.success(request, _("Thank you. The application is now open to you."))
        return redirect("reviews:assignment_detail", pk=pk)
    messages.info(
        request,
        _(
            "Thank you for declaring the conflict. This application is no longer assigned to "
            "you and the programme team has been told."
        ),
    )
    return redirect("reviews:my_assignments")


def _review_page(
    request: HttpRequest, assignment: Assignment, form: ReviewForm, status: int = 200
) -> HttpResponse:
    review = review_of(assignment)
    context = {
        "assignment": assignment,
        "row": assignment_row(assignment),
        "application": assignment.application,
        "call": assignment.application.call,
        "review": review,
        "form": form,
        "editable": review_editable(assignment),
    }
    return render(request, "reviews/reviewing/review_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = reviewer_assignment_or_404(request.user, pk)
    if not is_open_to_reviewer(assignment):
        messages.info(request, _("Declare whether you have a conflict of interest first."))
        return redirect("reviews:assignment_detail", pk=pk)
    criteria = call_criteria(assignment.application.call)
    if request.method == "GET":
        initial = ReviewForm.initial_from(review_data_of(review_of(assignment)))
        form = ReviewForm(initial=initial, criteria=criteria, base=review_base(assignment))
        return _review_page(request, assignment, form)

    form = ReviewForm(request.POST, criteria=criteria)
    submit = request.POST.get("action") == "submit"
    if not form.is_valid():
        messages.error(request, _("Some values are not allowed; nothing was saved."))
        return _review_page(request, assignment, form)
    try:
        outcome = save_review(
            assignment=assignment,
            by=request.user,
            data=form.review_data(),
            submit=submit,
            base=form.posted_base(),
            left_out=form.left_out(),
        )
    except ReviewNotAllowed as exc:
        raise Http404 from exc
    except EditConflict as exc:
        form.show_conflict(exc, form.conflict_labels())
        messages.warning(request, CONFLICT_MESSAGE)
        return _review_page(request, assignment, form, status=409)
    except ReviewClosed as exc:
        form.add_error(None, exc.message)
        return _review_page(request, assignment, form)
    except (ReviewInputError, ReviewIncomplete) as exc:
        messages.error(request, exc.message)
        form.add_errors(exc.errors)
        return _review_page(request, assignment, form)
    if outcome.stale:
        messages.info(request, merged_message(form, outcome.kept))
    if submit and outcome.missing:
        messages.warning(
            request,
            _(
                "Your draft was saved, but it cannot be submitted yet: complete the parts "
                "marked below."
            ),
        )
        form.add_errors(outcome.missing)
        return _review_page(request, reviewer_assignment_or_404(request.user, pk), form)
    if submit:
        messages.success(
            request,
            _("Your review is submitted. You may still change it until the review deadline."),
        )
    else:
        messages.success(request, _("Your draft is saved."))
    return redirect("reviews:review_edit", pk=pk)


@require_GET
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """A current file of an assigned application, once the reviewer declared no conflict."""
    assignment = open_assignment_or_404(request.user, pk)
    document = reviewer_document_or_404(assignment=assignment, document_pk=document_pk)
    response = document_response(document)
    record_download(document=document, by=request.user)
    return response


@require_POST
def review_reopen(request: HttpRequest, assignment_pk: int) -> HttpResponse:
    """Staff: after the deadline, let the reviewer change the review again."""
    assignment = get_object_or_404(
        staff_assignments(request.user).select_related("application__call", "invitation__expert"),
        pk=assignment_pk,
    )
    try:
        reopen_review(assignment=assignment, by=request.user)
    except ReviewNotAllowed as exc:
        raise Http404 from exc
    except ReviewingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The review by %(name)s is reopened: they can change and submit it again.")
            % {"name": assignment.invitation.expert.full_name},
        )
    return redirect("reviews:progress", slug=assignment.application.call.slug)
