"""``{% scoreboard_rows rows %}``: the body rows of the scoreboard table
(``reviews/scoreboard/scoreboard.html``), one ``<tr>`` per application.

A page of the scoreboard shows 100 applications with about fifteen figures each. Drawn
with template tags and filters, the rows were two thirds of the page's time under the
staff load of ``make bench-rush`` (about 3,000 variable lookups a page); here the labels
are translated once per page and each cell is one ``format_html``. The markup is the one
the template had, whitespace included; the browser tests and the page tests read it.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from aissai.formatting import fill
from reviews.selectors.scoreboard_rows import ScoreboardRow
from reviews.templatetags.scores import score

register = template.Library()

ROW = (
    '\n    <tr data-application="{id}">\n'
    '      <td class="text-nowrap">{reference}</td>\n'
    '      <td>{acronym}<div class="small">{title}</div></td>\n'
    "      {people}\n"
    '      <td><span class="badge text-bg-secondary">{status}</span></td>\n'
    '      <td class="text-end">{count}</td>\n'
    '      <td class="text-end">{mean}</td>\n'
    '      <td class="text-end">{weighted_mean}</td>\n'
    '      <td class="text-end">{median}</td>\n'
    '      <td class="text-end text-nowrap">{spread}</td>\n'
    "      {criteria}\n"
    "      {calibrated}\n"
    "      <td>{disagreement}</td>\n"
    "      <td>{robustness}</td>\n"
    "    </tr>\n    "
)
PEOPLE = "\n      <td>{}{}</td>\n      <td>{}</td>\n      "
SMALL = '<div class="small text-body-secondary">{}</div>'
CALIBRATED = '\n      <td class="text-end text-nowrap">{}{}{}</td>\n      '


def _labels() -> dict:
    """The labels of the rows, translated once a page."""
    return {
        "untitled": gettext("untitled application"),
        "not_corrected": format_html(SMALL, gettext("not corrected")),
        "disagree": format_html(
            '<span class="badge text-bg-warning">{}</span>', gettext("Reviewers disagree")
        ),
        "fragile": gettext("Fragile"),
        "stable": format_html(
            '<span class="badge text-bg-light border">{}</span>', gettext("Stable")
        ),
    }


def _scores_note(count: int) -> str:
    english = "%(counter)s score" if count == 1 else "%(counter)s scores"
    translated = ngettext("%(counter)s score", "%(counter)s scores", count)
    return fill(translated, english, {"counter": count})


def _people(row: ScoreboardRow) -> SafeString:
    units = ""
    if row.units:
        joined = mark_safe(", ".join(map(conditional_escape, row.units)))  # noqa: S308 - escaped
        units = format_html(SMALL, joined)
    institutes = mark_safe(  # noqa: S308 - each acronym is escaped by format_html
        "".join(
            format_html('<span class="badge text-bg-light border">{}</span> ', acronym)
            for acronym in row.institutes
        )
    )
    return format_html(PEOPLE, row.coordinator, units, institutes)


def _criteria(row: ScoreboardRow) -> SafeString:
    cells = []
    for figures in row.criteria:
        note = ""
        if figures.count != row.overall.count:
            note = format_html(SMALL, _scores_note(figures.count))
        cells.append(format_html('<td class="text-end">{}{}</td>', score(figures.mean), note))
    return mark_safe("".join(cells))  # noqa: S308 - each cell is made by format_html


def _calibrated(row: ScoreboardRow, shared: dict) -> SafeString | str:
    if not shared["calibration"]:
        return ""
    error = (
        format_html(SMALL, format_html("± {}", score(row.calibrated_se)))
        if row.calibrated_se is not None
        else ""
    )
    return format_html(
        CALIBRATED,
        score(row.calibrated),
        error,
        shared["not_corrected"] if row.uncorrected else "",
    )


def _robustness(row: ScoreboardRow, shared: dict) -> SafeString | str:
    if row.fragile:
        return format_html(
            '<a class="badge text-bg-danger text-decoration-none" href="{}#robustness-{}">{}</a>',
            shared["robustness_url"],
            row.application_id,
            shared["fragile"],
        )
    return shared["stable"] if row.robustness else ""


def _row(row: ScoreboardRow, shared: dict) -> SafeString:
    overall = row.overall
    spread = score(overall.spread)
    if overall.spread is not None:
        spread = format_html(
            "{}" + SMALL,
            spread,
            format_html("{}–{}", score(overall.minimum), score(overall.maximum)),
        )
    return format_html(
        ROW,
        id=row.application_id,
        reference=row.reference or "—",
        acronym=format_html("<strong>{}</strong>", row.acronym) if row.acronym else "",
        title=row.title or shared["untitled"],
        people="" if shared["anonymous"] else _people(row),
        status=row.status_label,
        count=overall.count,
        mean=score(overall.mean),
        weighted_mean=score(overall.weighted_mean),
        median=score(overall.median),
        spread=spread,
        criteria=_criteria(row),
        calibrated=_calibrated(row, shared),
        disagreement=shared["disagree"] if overall.disagreement else "",
        robustness=_robustness(row, shared),
    )


@register.simple_tag(takes_context=True)
def scoreboard_rows(context, rows) -> SafeString:
    shared = {
        **_labels(),
        "anonymous": bool(context.get("anonymous")),
        "calibration": bool(getattr(context.get("board"), "calibration_supported", False)),
        "robustness_url": context.get("robustness_url", ""),
    }
    return mark_safe("".join(_row(row, shared) for row in rows))  # noqa: S308 - format_html
