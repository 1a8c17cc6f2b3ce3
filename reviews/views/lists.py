"""The panel ranking board of a call (programme staff; everyone else gets a 404).

One form carries the list versions the page was built from and the reason for the next
move. Every entry's buttons (move up, move down, to the other list, on or off the lists)
submit that form without JavaScript; ``static/js/list_board.js`` adds drag and drop,
which posts the whole new order to ``lists_order``. A refused save shows the board as it
is now, keeping the reason typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from aissai.pagination import page_links
from aissai.security.reauth import ask_for_password, is_recent
from calls.models import Call
from calls.selectors.calls import staff_call_or_404
from reviews.forms.lists import FixForm, MoveForm, OrderForm, VersionsForm
from reviews.selectors.lists import ACTION_LABELS, build_board
from reviews.services.decisions import fix_lists
from reviews.services.list_edits import move_application, reorder_lists, reset_to_score_order
from reviews.services.lists import ListError, StaleLists
from reviews.views.conflicted import conflicted_refusal


def _render(request: HttpRequest, call: Call, *, reason: str = "", status: int = 200):
    board = build_board(
        call, reader=request.user, others_page=_others_page(request) or 1, allow_stale=True
    )
    versions = {
        "main_version": board.main_version,
        "complementary_version": board.complementary_version,
    }
    ids = {
        "main_order": ",".join(str(pk) for pk in board.main_ids),
        "complementary_order": ",".join(str(pk) for pk in board.complementary_ids),
    }
    context = {
        "call": call,
        "board": board,
        "move_form": MoveForm(initial={**versions, "reason": reason}),
        "fix_form": FixForm(initial={**versions, **ids}, auto_id="fix_%s"),
        "action_labels": ACTION_LABELS,
        "others_links": _others_links(request, board),
        "withheld": board.withheld,
        "active": "lists",
    }
    return render(request, "reviews/lists/board.html", context, status=status)


def _others_links(request: HttpRequest, board) -> dict[str, str]:
    """First, previous, next and last pages of the applications outside the lists."""
    url = reverse("reviews:lists_board", args=[board.call.slug])
    return page_links(
        board.others_page, lambda number: f"{url}?{urlencode({'others_page': number})}#others-title"
    )


def _refused(request: HttpRequest, call: Call, error: Exception, reason: str) -> HttpResponse:
    messages.error(request, str(error))
    return _render(
        request, call, reason=reason, status=409 if isinstance(error, StaleLists) else 400
    )


def _others_page(request: HttpRequest) -> int | None:
    """The page of the applications outside the lists the person was on (a GET parameter,
    or the board form's hidden field), so that a move brings them back to it."""
    value = request.GET.get("others_page") or request.POST.get("others_page") or ""
    return int(value) if value.isdigit() and 1 < int(value) <= 100_000 else None


def _board_url(
    call: Call, application_id: int | None = None, request: HttpRequest | None = None
) -> str:
    url = reverse("reviews:lists_board", args=[call.slug])
    page = _others_page(request) if request is not None else None
    if page:
        url = f"{url}?{urlencode({'others_page': page})}"
    return f"{url}#entry-{application_id}" if application_id else url


@require_GET
def board(request: HttpRequest, slug: str) -> HttpResponse:
    return _render(request, staff_call_or_404(request.user, slug, "reviews.rank_lists"))


@require_POST
def move(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.rank_lists")
    if refusal := conflicted_refusal(request, call):
        return refusal
    form = MoveForm(request.POST)
    reason = request.POST.get("reason", "")
    if not form.is_valid():
        return _refused(request, call, ListError(_("The move was not understood.")), reason)
    application_id, action = form.cleaned_data["move"]
    try:
        move_application(
            call=call,
            by=request.user,
            application_id=application_id,
            action=action,
            reason=form.cleaned_data["reason"],
            seen=form.seen(),
        )
    except ListError as error:
        return _refused(request, call, error, reason)
    messages.success(request, _("The lists are saved."))
    return redirect(_board_url(call, application_id, request))


@require_POST
def order(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.rank_lists")
    if refusal := conflicted_refusal(request, call):
        return refusal
    form = OrderForm(request.POST)
    reason = request.POST.get("reason", "")
    if not form.is_valid():
        return _refused(request, call, ListError(_("The new order was not understood.")), reason)
    data = form.cleaned_data
    try:
        reorder_lists(
            call=call,
            by=request.user,
            main_ids=data["main_order"],
            complementary_ids=data["complementary_order"],
            moved_id=data["moved"],
            reason=data["reason"],
            seen=form.seen(),
        )
    except ListError as error:
        return _refused(request, call, error, reason)
    messages.success(request, _("The new order is saved."))
    return redirect(_board_url(call, data["moved"], request))


@require_POST
def reset(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.rank_lists")
    if refusal := conflicted_refusal(request, call):
        return refusal
    if not is_recent(request):  # decisions need a recent password (aissai.security.reauth)
        return ask_for_password(request)
    form = VersionsForm(request.POST)
    reason = request.POST.get("reason", "")
    if not form.is_valid():
        return _refused(request, call, ListError(_("The request was not understood.")), reason)
    try:
        reset_to_score_order(call=call, by=request.user, seen=form.seen(), reason=reason)
    except ListError as error:
        return _refused(request, call, error, reason)
    messages.success(request, _("The lists follow the score order again."))
    return redirect(_board_url(call, request=request))


@require_POST
def fix(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.decide_funding")
    if refusal := conflicted_refusal(request, call):
        return refusal
    if not is_recent(request):  # decisions need a recent password (aissai.security.reauth)
        return ask_for_password(request)
    form = FixForm(request.POST)
    if not form.is_valid():
        error = ListError(_("Tick the confirmation to fix the lists."))
        return _refused(request, call, error, "")
    try:
        result = fix_lists(
            call=call,
            by=request.user,
            seen=form.seen(),
            main_ids=form.cleaned_data["main_order"],
            complementary_ids=form.cleaned_data["complementary_order"],
        )
    except ListError as error:
        return _refused(request, call, error, "")
    funded, dropped = len(result.funded), len(result.not_selected)
    messages.success(
        request,
        _(
            "The lists are fixed: %(funded)s, %(complementary)d on the complementary list, "
            "%(not_selected)s."
        )
        % {
            "funded": ngettext("%(count)d funded", "%(count)d funded", funded) % {"count": funded},
            "complementary": len(result.complementary),
            "not_selected": ngettext("%(count)d not selected", "%(count)d not selected", dropped)
            % {"count": dropped},
        },
    )
    return redirect("reviews:decisions", slug=call.slug)
