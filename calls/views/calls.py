"""Call management pages for programme staff (everyone else gets a 404)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from aissai.concurrency import EditConflict
from aissai.forms import CONFLICT_MESSAGE, merged_message
from calls.forms.calls import FORMSETS, CallForm, CloneForm, StatusForm
from calls.models import CallStatus
from calls.selectors.calls import calls_for_staff, is_programme_staff, staff_call_or_404
from calls.selectors.reference import reference_data_gaps
from calls.services.calls import (
    CallError,
    allowed_call_targets,
    call_base,
    can_edit,
    change_call_status,
    clone_call,
    create_call,
    date_warnings,
    locked_call_fields,
    save_call_items,
    status_blockers,
    suggest_reference_prefix,
    suggest_slug,
    update_call,
)
from calls.services.funding import save_funding

PARTS = {
    "criteria": gettext_lazy("Review criteria"),
    "documents": gettext_lazy("Required documents"),
    "funding": gettext_lazy("Funding sources"),
}
ACTIONS = {
    CallStatus.OPEN: gettext_lazy("Open the call"),
    CallStatus.CLOSED: gettext_lazy("Close submissions"),
    CallStatus.IN_REVIEW: gettext_lazy("Start the review"),
    CallStatus.SELECTION: gettext_lazy("Move to selection"),
    CallStatus.DECIDED: gettext_lazy("Mark as decided"),
    CallStatus.ARCHIVED: gettext_lazy("Archive"),
    CallStatus.DRAFT: gettext_lazy("Back to draft"),
}


def staff_only(view):
    """Programme staff only; anyone else is told the page does not exist."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_programme_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _data(request):
    """The posted data, or None on GET (an empty POST still makes a bound form)."""
    return request.POST if request.method == "POST" else None


def _action_label(call, target: str) -> str:
    if target == CallStatus.OPEN and call.status == CallStatus.CLOSED:
        return _("Reopen submissions")
    return str(ACTIONS[target])


@staff_only
@require_http_methods(["GET"])
def manage_call_list(request):
    calls = calls_for_staff(request.user)
    return render(
        request,
        "calls/manage/list.html",
        {"calls": calls, "reference_gaps": reference_data_gaps()},
    )


@staff_only
@require_http_methods(["GET"])
def manage_call(request, slug: str):
    call = staff_call_or_404(request.user, slug, counts=True)
    actions = [(target, _action_label(call, target)) for target in allowed_call_targets(call)]
    editable = {part: can_edit(call, part) for part in (*PARTS, "call")}
    return render(
        request,
        "calls/manage/detail.html",
        {"call": call, "actions": actions, "editable": editable},
    )


@staff_only
@require_http_methods(["GET", "POST"])
def manage_call_create(request):
    form = CallForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            call = create_call(by=request.user, values=form.edited_values())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Draft call created."))
            for warning in date_warnings(call=call):
                messages.warning(request, warning)
            return redirect("calls:manage_call", slug=call.slug)
    return render(request, "calls/manage/form.html", {"form": form, "call": None})


@staff_only
@require_http_methods(["GET", "POST"])
def manage_call_edit(request, slug: str):
    call = staff_call_or_404(request.user, slug)
    if not can_edit(call, "call"):
        messages.error(request, _("This call can no longer be edited."))
        return redirect("calls:manage_call", slug=call.slug)
    locked = locked_call_fields(call)
    names = [name for name in CallForm._meta.fields if name not in locked]
    form = CallForm(_data(request), instance=call, locked=locked, base=call_base(call, names))
    status = 200
    if request.method == "POST" and form.is_valid():
        base = form.posted_base()
        if base is None:  # a form without its base: only what differs from the saved call
            values = form.edited_values(only=form.changed_data)
        else:
            values = form.edited_values()
        try:
            saved = update_call(call=call, by=request.user, values=values, base=base)
        except ValidationError as exc:
            form.add_error(None, exc)
        except CallError as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
        except EditConflict as exc:
            form.show_conflict(exc)
            messages.warning(request, CONFLICT_MESSAGE)
            status = 409
        else:
            if saved.stale:
                messages.info(request, merged_message(form, saved.kept))
            messages.success(request, _("Call saved."))
            for warning in date_warnings(call=call):
                messages.warning(request, warning)
            return redirect("calls:manage_call", slug=call.slug)
    return render(request, "calls/manage/form.html", {"form": form, "call": call}, status=status)


def _save_items(*, call, by, part: str, formset) -> list[str]:
    if part == "funding":  # places feed the lists: the funding writer checks and promotes
        return save_funding(call=call, by=by, formset=formset)
    save_call_items(call=call, by=by, part=part, formset=formset)
    return []


@staff_only
@require_http_methods(["GET", "POST"])
def manage_call_items(request, slug: str, part: str):
    call = staff_call_or_404(request.user, slug)
    editable = can_edit(call, part)
    formset = FORMSETS[part](_data(request), instance=call, prefix=part)
    if request.method == "POST":
        if not editable:
            messages.error(request, _("This part of the call can no longer be edited."))
            return redirect("calls:manage_call", slug=call.slug)
        if formset.is_valid():
            try:
                notes = _save_items(call=call, by=request.user, part=part, formset=formset)
            except CallError as exc:
                messages.error(request, " ".join(exc.problems))
            else:
                messages.success(request, _("%(part)s saved.") % {"part": PARTS[part]})
                for note in notes:
                    messages.info(request, note)
                return redirect("calls:manage_call", slug=call.slug)
    return render(
        request,
        "calls/manage/items.html",
        {
            "call": call,
            "formset": formset,
            "part": part,
            "title": PARTS[part],
            "editable": editable,
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def manage_call_clone(request, slug: str):
    source = staff_call_or_404(request.user, slug)
    year = source.edition_year + 1
    form = CloneForm(
        _data(request),
        initial={
            "edition_year": year,
            "slug": suggest_slug(source.slug, source.edition_year, year),
            "reference_prefix": suggest_reference_prefix(source.reference_prefix, year),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            call = clone_call(source=source, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("New edition created as a draft: check its dates and texts.")
            )
            return redirect("calls:manage_call_edit", slug=call.slug)
    return render(request, "calls/manage/clone.html", {"source": source, "form": form})


@staff_only
@require_http_methods(["GET", "POST"])
def manage_call_status(request, slug: str, target: str):
    call = staff_call_or_404(request.user, slug)
    if target not in allowed_call_targets(call):
        raise Http404
    form = StatusForm(_data(request))
    problems = status_blockers(call=call, to=target)
    if request.method == "POST" and form.is_valid():
        try:
            change_call_status(call=call, to=target, by=request.user, **form.cleaned_data)
        except CallError as exc:
            problems = exc.problems
        else:
            messages.success(
                request,
                _("The call is now “%(status)s”.") % {"status": CallStatus(target).label},
            )
            return redirect("calls:manage_call", slug=call.slug)
    early_close = target == CallStatus.CLOSED and not call.deadline_passed()
    return render(
        request,
        "calls/manage/status.html",
        {
            "call": call,
            "target": target,
            "action": _action_label(call, target),
            "form": form,
            "problems": problems,
            "early_close": early_close,
        },
    )
