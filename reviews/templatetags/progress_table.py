"""``{% progress_reviewers row deadline_passed=… %}``: the reviewers cell of one row of the
progress page (``reviews/progress/progress.html``): each live assignment's reviewer, a
"submitted" or "missing" badge and, after the deadline, the form that reopens the review.

The page shows 50 applications of about three reviewers each. Drawn with template tags,
the cell cost a ``{% url %}``, a ``{% csrf_token %}`` and three ``{% translate %}`` per
reviewer; here the labels are translated and the address pattern resolved once per page
(the first call), and each reviewer is one ``format_html``. The markup is the one the
template had."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

REVIEWER = '<li class="d-flex flex-wrap gap-2 align-items-center">\n<span>{}</span>\n{}\n{}</li>\n'
REOPEN = (
    '<form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken" '
    'value="{}">\n<button type="submit" class="btn btn-link btn-sm p-0">{}</button>\n</form>\n'
)
# The reopen address with a placeholder for the assignment's id (resolved once per page).
_PLACEHOLDER = 999_999_999


def _shared(context) -> dict:
    """Labels and the reopen address pattern, made at the first row of a page."""
    shared = context.render_context.get("progress_table")
    if shared is None:
        shared = {
            "submitted": format_html(
                '<span class="badge text-bg-success">{}</span>', gettext("submitted")
            ),
            "missing": format_html(
                '<span class="badge text-bg-warning">{}</span>', gettext("missing")
            ),
            "reopen": gettext("Reopen"),
            "reopen_url": reverse("reviews:review_reopen", args=[_PLACEHOLDER]),
            "token": str(context.get("csrf_token", "")),
            "none": format_html(
                '<li class="text-body-secondary">{}</li>', gettext("No reviewer yet")
            ),
        }
        context.render_context["progress_table"] = shared
    return shared


@register.simple_tag(takes_context=True)
def progress_reviewers(context, row, *, deadline_passed: bool) -> SafeString:
    shared = _shared(context)
    assignments = row.application.live_assignments
    if not assignments:
        return shared["none"]
    pending = {assignment.pk for assignment in row.pending}
    placeholder = str(_PLACEHOLDER)

    def reopen(assignment) -> SafeString | str:
        if not deadline_passed:
            return ""
        url = shared["reopen_url"].replace(placeholder, str(assignment.pk))
        return format_html(REOPEN, url, shared["token"], shared["reopen"])

    return format_html_join(
        "",
        REVIEWER,
        (
            (
                assignment.invitation.expert.full_name,
                shared["missing"] if assignment.pk in pending else shared["submitted"],
                reopen(assignment),
            )
            for assignment in assignments
        ),
    )
