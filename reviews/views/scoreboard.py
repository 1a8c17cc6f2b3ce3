"""Programme staff pages: the scoreboard, the funding-line robustness and the shortlist.

Everyone else gets a 404 (anonymous visitors are sent to the login page first). The
figures inform staff; nothing is decided until staff confirm the shortlist (POST).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from aissai.pagination import keeping_query, page_links
from aissai.sorting import sort_headers
from calls.models import Call
from calls.selectors.calls import staff_call_or_404
from reviews.forms.scoreboard import (
    ScoreboardFilterForm,
    ShortlistConfirmForm,
    ShortlistSuggestForm,
)
from reviews.selectors.scoreboard import (
    CALIBRATED,
    MEAN,
    METRIC_LABELS,
    Scoreboard,
    build_scoreboard,
    crossing_lines,
    metric_cells,
)
from reviews.selectors.shortlist import default_target, suggest_shortlist
from reviews.services.shortlist import (
    SHORTLIST_MAIL,
    ShortlistError,
    confirm_shortlist,
    previous_shortlist,
)
from reviews.services.steps import SHORTLIST, call_status_problem
from reviews.views.conflicted import conflicted_refusal


def _column_headers(board: Scoreboard, current: str) -> dict[str, dict]:
    """Column headers for ``calls/staff/_sort_header.html``: link, direction, label."""
    labels = {
        "reference": _("Reference"),
        "title": _("Title"),
        "coordinator": _("Coordinator"),
        "institutes": _("Institutes"),
        "status": _("Status"),
        "reviews": _("Reviews"),
        "weighted_mean": _("Confidence-weighted mean"),
        "spread": _("Spread"),
        "disagreement": _("Disagreement"),
        "fragile": _("Robustness"),
        **{metric: str(label) for metric, label in METRIC_LABELS.items()},
        **{
            f"rank_{metric}": _("Rank by %(score)s") % {"score": str(label).lower()}
            for metric, label in METRIC_LABELS.items()
        },
        **{f"criterion_{c.pk}": c.name for c in board.criteria},
    }
    keys = list(board.sort_keys())
    ascending = {"reference", "title", "coordinator", "status"}
    higher_first = {k for k in keys if k not in ascending and not k.startswith("rank_")}
    return sort_headers(keys, labels, current, higher_first=higher_first)


PAGE_SIZE = 50  # applications per page; the figures always cover the whole call
REVIEWER_PAGE_SIZE = 50


def _board_and_page(request: HttpRequest, call: Call):
    """The scoreboard, its filter form, the filters and the page of applications asked
    for (sorted and filtered over the whole call; rows are built for this page only).
    The figures may be the previous ones while the worker computes (``board.stale``)."""
    board = build_scoreboard(call, reader=request.user, allow_stale=True)
    form = ScoreboardFilterForm(request.GET, call=call, sort_keys=list(board.sort_keys()))
    filters = form.filters()
    if form.anonymised:
        board = board.anonymised()
    page = Paginator(board.order(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return board, form, filters, page


def _table_context(request: HttpRequest, board: Scoreboard, form, filters, page) -> dict:
    return {
        "board": board,
        "form": form,
        "page": page,
        "page_links": page_links(page, keeping_query(request, "page")),
        "shown": page.paginator.count,
        "anonymous": board.anonymous,
        "filtered": page.paginator.count != board.size,
        "withheld": board.withheld_count,
    }


def _robustness_url(request: HttpRequest, call: Call) -> str:
    """The robustness page with the same filters, sort and page: the same rows."""
    query = request.GET.copy()
    query.pop("reviewers_page", None)
    url = reverse("reviews:scoreboard_robustness", args=[call.slug])
    return f"{url}?{query.urlencode()}" if query else url


@require_GET
def scoreboard(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.view_scoreboard")
    board, form, filters, page = _board_and_page(request, call)
    headers = _column_headers(board, filters.sort)
    reviewers = Paginator(board.reviewer_indices(), REVIEWER_PAGE_SIZE).get_page(
        request.GET.get("reviewers_page")
    )
    context = {
        **_table_context(request, board, form, filters, page),
        "call": call,
        "rows": board.rows_at(page.object_list),
        "headers": headers,
        "criterion_headers": [headers[f"criterion_{c.pk}"] for c in board.criteria],
        "reviewers": board.reviewer_rows(reviewers.object_list),
        "reviewers_page": reviewers,
        "reviewers_links": page_links(reviewers, keeping_query(request, "reviewers_page")),
        "robustness_url": _robustness_url(request, call),
        "active": "scoreboard",
    }
    return render(request, "reviews/scoreboard/scoreboard.html", context)


@require_GET
def robustness(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.view_scoreboard")
    board, form, filters, page = _board_and_page(request, call)
    rows = board.rows_at(page.object_list)
    context = {
        **_table_context(request, board, form, filters, page),
        "call": call,
        "rows": [(row, metric_cells(board, row), crossing_lines(board, row)) for row in rows],
        "headers": _column_headers(board, filters.sort),
        "active": "robustness",
    }
    return render(request, "reviews/scoreboard/robustness.html", context)


def _to_held_mails(request: HttpRequest, result) -> HttpResponse:
    """Say what the confirmed shortlist did and open the outbox on the held mails."""
    yes, no = len(result.shortlisted), len(result.not_shortlisted)
    messages.success(
        request,
        _(
            "%(yes)s, %(no)s. The applicants' mails are held in the outbox: read them and "
            "release them."
        )
        % {
            "yes": ngettext(
                "%(count)d application shortlisted", "%(count)d applications shortlisted", yes
            )
            % {"count": yes},
            "no": ngettext("%(count)d not shortlisted", "%(count)d not shortlisted", no)
            % {"count": no},
        },
    )
    outbox = reverse("notifications:outbox")
    query = urlencode({"status": "held", "event": SHORTLIST_MAIL})
    return redirect(f"{outbox}?{query}")


@require_http_methods(["GET", "POST"])
def shortlist(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.confirm_shortlist")
    board = build_scoreboard(call, reader=request.user, allow_stale=request.method == "GET")
    supported = board.calibration_supported
    initial = {"score": CALIBRATED if supported else MEAN, "target": default_target(board)}
    if request.method == "POST" and (refusal := conflicted_refusal(request, call)):
        return refusal
    if request.method == "POST":
        form = ShortlistConfirmForm(request.POST, calibration_supported=supported)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = confirm_shortlist(
                    call=call,
                    by=request.user,
                    shortlisted_ids=data["shortlisted"],
                    candidate_ids=data["candidates"],
                    suggested_ids=data["suggested"],
                    score=data["score"],
                    target=data["target"],
                )
            except ShortlistError as error:
                messages.error(request, str(error))
            else:
                return _to_held_mails(request, result)
            ticked = set(data.get("shortlisted") or [])
        else:
            messages.error(request, _("The shortlist was not confirmed: see the errors below."))
            ticked = set(form.cleaned_data.get("shortlisted") or [])
        suggest_form = ShortlistSuggestForm(
            {"score": request.POST.get("score"), "target": request.POST.get("target")},
            calibration_supported=supported,
        )
    else:
        suggest_form = ShortlistSuggestForm(
            request.GET or None, initial=initial, calibration_supported=supported
        )
        form, ticked = None, None
    choice = suggest_form.cleaned_data if suggest_form.is_bound and suggest_form.is_valid() else {}
    suggestion = suggest_shortlist(
        board,
        score=choice.get("score", initial["score"]),
        target=choice.get("target", initial["target"]),
    )
    context = {
        "call": call,
        "board": board,
        "suggest_form": suggest_form,
        "confirm_form": form,
        "suggestion": suggestion,
        "ticked": suggestion.suggested_ids if ticked is None else ticked,
        "score_label": METRIC_LABELS[suggestion.score],
        "previous": previous_shortlist(call),
        "withheld": board.withheld_count,
        "status_problem": call_status_problem(call, SHORTLIST),
        "active": "shortlist",
    }
    return render(request, "reviews/scoreboard/shortlist.html", context)
