"""The applicant's pages: start, edit the draft, read, submit, reopen, withdraw, dashboard."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aissai.concurrency import EditConflict
from aissai.forms import CONFLICT_MESSAGE, merged_message
from calls.forms.applications import (
    ApplicationDraftForm,
    ExcludedReviewerFormSet,
    PartnerForm,
    WithdrawForm,
    excluded_reviewer_slots,
)
from calls.models import Application, ApplicationStatus, Call, CallStatus, Institute, Unit
from calls.selectors import applications as selectors
from calls.selectors.applications import (
    applicant_status_label,
    applications_visible_to,
    open_application_for,
    search_units,
    unit_institutes,
    with_content,
)
from calls.services.applications import (
    DRAFT_FIELDS,
    ApplicationError,
    draft_base,
    save_draft,
    start_application,
)
from calls.services.completeness import consortium_report, missing_items
from calls.services.documents import size_limit
from calls.services.submission import (
    SubmissionError,
    reopen_application,
    submit_application,
    withdraw_application,
)

EXCLUDED_FIELDS = ("name", "institution", "email", "reason")


def visible_application_or_404(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(with_content(applications_visible_to(request.user)), pk=pk)


def own_application_or_404(request: HttpRequest, pk: int) -> Application:
    """The coordinator's actions: anyone else gets a 404, staff included."""
    return get_object_or_404(
        with_content(applications_visible_to(request.user).filter(coordinator=request.user)),
        pk=pk,
    )


def document_rows(application: Application) -> list[dict]:
    current = {d.kind: d for d in application.current_documents}
    return [
        {"required": r, "document": current.get(r.kind), "limit": size_limit(r)}
        for r in application.call.required_documents.all()
    ]


def page_context(application: Application, request: HttpRequest) -> dict:
    """What the edit and detail pages share."""
    user = request.user
    return {
        "application": application,
        "call": application.call,
        "status_label": applicant_status_label(application),
        "report": consortium_report(application),
        "missing": missing_items(application)
        if application.status == ApplicationStatus.DRAFT
        else [],
        "documents": document_rows(application),
        "partners": list(application.partners.all()),
        "can_edit": rules.test_rule("calls.edit_application", user, application),
        "can_submit": rules.test_rule("calls.submit_application", user, application),
        "can_reopen": rules.test_rule("calls.reopen_application", user, application),
        "can_withdraw": rules.test_rule("calls.withdraw_application", user, application),
        "is_coordinator": application.coordinator_id == user.pk,
        "can_resend": application.coordinator_id == user.pk
        and application.status in {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED},
        "call_open": application.call.accepts_submissions(),
    }


def edit_context(
    request: HttpRequest, application: Application, *, form=None, formset=None, partner_form=None
) -> dict:
    if form is None:
        form = ApplicationDraftForm(
            call=application.call,
            chosen_disciplines=application.disciplines.all(),
            initial={
                **{name: getattr(application, name) for name in DRAFT_FIELDS},
                "disciplines": [d.pk for d in application.disciplines.all()],
            },
            base=draft_base(application),
        )
    if formset is None:
        formset = ExcludedReviewerFormSet(
            prefix="excluded",
            initial=[
                {name: getattr(e, name) for name in EXCLUDED_FIELDS}
                for e in application.excluded_reviewers.all()
            ],
        )
    partner_form = partner_form or PartnerForm()
    return {
        **page_context(application, request),
        "form": form,
        "formset": formset,
        "partner_form": partner_form,
        **partner_choices(request, partner_form),
    }


def partner_choices(request: HttpRequest, partner_form: PartnerForm) -> dict:
    """Options of the partner form's selects: the units found (or the one chosen before an
    error) and the chosen unit's institutes (all institutes until a unit is chosen)."""
    unit_q = (request.GET.get("unit_q") or request.POST.get("unit_q") or "").strip()[:100]
    selected_unit = str(partner_form["unit"].value() or "")
    selected_institute = str(partner_form["institute"].value() or "")
    units = search_units(unit_q) if unit_q else []
    chosen = None
    if selected_unit.isdigit():
        chosen = (
            Unit.objects.active()
            .select_related("main_institute")
            .prefetch_related("secondary_institutes")
            .filter(pk=selected_unit)
            .first()
        )
        if chosen is not None and chosen not in units:
            units = [chosen, *units]
    return {
        "unit_q": unit_q,
        "unit_choices": units,
        "selected_unit": selected_unit,
        "institute_choices": unit_institutes(chosen) if chosen else Institute.objects.all(),
        "selected_institute": selected_institute,
        "unit_chosen": chosen is not None,
    }


@require_http_methods(["GET", "POST"])
def application_start(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(Call.objects.exclude(status=CallStatus.DRAFT), slug=slug)
    existing = open_application_for(user=request.user, call=call)
    if request.method == "POST":
        try:
            application = start_application(call=call, by=request.user)
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            if application.status == ApplicationStatus.DRAFT:
                return redirect("calls:application_edit", pk=application.pk)
            return redirect("calls:application_detail", pk=application.pk)
    return render(
        request,
        "calls/applications/start.html",
        {"call": call, "existing": existing, "call_open": call.accepts_submissions()},
    )


@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = own_application_or_404(request, pk)
    if not rules.test_rule("calls.edit_application", request.user, application):
        messages.info(request, _("This application is not a draft: it can only be read."))
        return redirect("calls:application_detail", pk=application.pk)
    if request.method != "POST":
        return render(request, "calls/applications/edit.html", edit_context(request, application))

    form = ApplicationDraftForm(
        request.POST, call=application.call, chosen_disciplines=application.disciplines.all()
    )
    formset = ExcludedReviewerFormSet(request.POST, prefix="excluded")
    form_ok, formset_ok = form.is_valid(), formset.is_valid()
    saved = None
    try:
        saved = save_draft(
            application=application,
            by=request.user,
            fields=form.valid_fields(),
            disciplines=form.valid_disciplines(),
            excluded_reviewers=excluded_reviewer_slots(formset),
            base=form.posted_base(),
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("calls:application_detail", pk=application.pk)
    except EditConflict as exc:
        form.show_conflict(exc)
        messages.warning(request, CONFLICT_MESSAGE)
        context = edit_context(request, application, form=form, formset=formset)
        return render(request, "calls/applications/edit.html", context, status=409)
    except ValidationError as exc:
        form.add_error(None, exc)
        form_ok = False
    else:
        if saved.stale:
            messages.info(request, merged_message(form, saved.kept))
    if form_ok and formset_ok:
        messages.success(request, _("Draft saved."))
        return redirect("calls:application_edit", pk=application.pk)
    messages.warning(
        request,
        _(
            "Some fields could not be saved: they are marked below with what to correct. "
            "Everything else was saved."
        ),
    )
    application = own_application_or_404(request, pk)
    if saved is not None and form.posted_base() is not None:
        written = form.valid_fields()
        if form.valid_disciplines() is not None:
            written["disciplines"] = form.valid_disciplines()
        form.rebase(revision=application.revision, values=written)
    context = edit_context(request, application, form=form, formset=formset)
    return render(request, "calls/applications/edit.html", context)


@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = visible_application_or_404(request, pk)
    context = page_context(application, request)
    context["versions"] = list(application.versions.order_by("number"))
    return render(request, "calls/applications/detail.html", context)


@require_GET
def application_eligibility(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the status panel (consortium rule, what is missing, submit), after a change."""
    application = own_application_or_404(request, pk)
    return render(
        request, "calls/applications/_status_panel.html", page_context(application, request)
    )


@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = own_application_or_404(request, pk)
    try:
        application = submit_application(application=application, by=request.user)
    except SubmissionError as exc:
        messages.error(request, str(exc))
        for problem in exc.problems:
            messages.warning(request, problem)
        if application.status == ApplicationStatus.DRAFT:
            return redirect("calls:application_edit", pk=application.pk)
        return redirect("calls:application_detail", pk=application.pk)
    messages.success(
        request,
        _(
            "Your application was submitted with the reference %(reference)s. "
            "A receipt was sent to %(email)s."
        )
        % {"reference": application.reference, "email": request.user.email},
    )
    return redirect("calls:application_detail", pk=application.pk)


@require_POST
def application_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    application = own_application_or_404(request, pk)
    try:
        reopen_application(application=application, by=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("calls:application_detail", pk=application.pk)
    messages.info(
        request,
        _(
            "The application is a draft again. It is no longer submitted: submit it again "
            "before the deadline."
        ),
    )
    return redirect("calls:application_edit", pk=application.pk)


@require_http_methods(["GET", "POST"])
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = own_application_or_404(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_application(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The application was withdrawn."))
            return redirect("calls:application_detail", pk=application.pk)
    return render(
        request,
        "calls/applications/withdraw.html",
        {
            "application": application,
            "form": form,
            "can_withdraw": rules.test_rule(
                "calls.withdraw_application", request.user, application
            ),
        },
    )


@require_GET
def my_applications(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "application": application,
            "status_label": applicant_status_label(application),
            "missing": missing_items(application)
            if application.status == ApplicationStatus.DRAFT
            else [],
        }
        for application in selectors.my_applications(request.user)
    ]
    return render(request, "calls/applications/mine.html", {"rows": rows})
