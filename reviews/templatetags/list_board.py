"""``{% board_entries entries fixed=board.fixed %}``: the entries of one column of the list
board (``reviews/lists/board.html``), each an ``<li>`` with its move buttons.

A large call has every application on its lists on the board at once (150 places at
10,000 applications in ``make bench``) and a page of the others, each with up to five
buttons. Rendered one include per entry, the entries were two thirds of the page's
rendering time (0.6 ms each); here the labels are translated once per column and each
entry is one ``format_html``. The markup is the one the include had; ``static/js/
list_board.js`` and the browser tests rely on it (``.drag-handle``, ``data-*``)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, ngettext

from aissai.formatting import fill
from reviews.selectors.lists import ACTION_LABELS, MAIN, BoardEntry
from reviews.selectors.lists_order import TieStep
from reviews.templatetags.scores import score

register = template.Library()

ENTRY = (
    '<li class="list-group-item d-flex flex-wrap gap-2 align-items-start" id="entry-{id}" '
    'data-application="{id}" data-rank="{rank}" data-reference="{reference}">\n'
    "  {handle}{position}\n"
    '  <div class="flex-grow-1">\n'
    "    <div><strong>{reference}</strong>{acronym} "
    '<span class="small">{title}</span></div>\n'
    '    <div class="small text-body-secondary">\n'
    "      {mean_label} {mean}{order}{shift}{status}\n"
    "    </div>\n"
    "  </div>\n"
    "  {buttons}\n"
    "</li>\n"
)


def _shift(entry: BoardEntry) -> SafeString | str:
    if entry.shift_up:
        text = ngettext(
            "%(counter)s place above the score order",
            "%(counter)s places above the score order",
            entry.shift_up,
        ) % {"counter": entry.shift_up}
        return format_html(
            ' · <span class="badge text-bg-warning" data-testid="shift">{}</span>', text
        )
    if entry.shift_down:
        text = ngettext(
            "%(counter)s place below the score order",
            "%(counter)s places below the score order",
            entry.shift_down,
        ) % {"counter": entry.shift_down}
        return format_html(
            ' · <span class="badge text-bg-light border" data-testid="shift">{}</span>', text
        )
    return ""


BUTTON = (
    '<button type="submit" form="board-form" name="move" value="{id}:{action}" '
    'class="btn btn-outline-secondary">{label}<span class="visually-hidden"> · {reference}'
    "</span></button>"
)


def _buttons(entry: BoardEntry, labels: dict[str, str]) -> SafeString | str:
    """The entry's move buttons. Every part is escaped once (``labels`` are escaped
    already), then joined: the board has up to five buttons for each of 200 entries."""
    if not entry.actions:
        return ""
    reference = escape(entry.row.reference)
    buttons = "".join(
        BUTTON.format(
            id=int(entry.application_id),
            action=escape(action),
            label=labels[action],
            reference=reference,
        )
        for action in entry.actions
    )
    return format_html(
        '<div class="btn-group btn-group-sm flex-wrap" role="group" aria-label="{}">\n'
        "    {}\n  </div>",
        gettext("Move %(ref)s") % {"ref": entry.row.reference},
        mark_safe(buttons),  # noqa: S308 - every part escaped above
    )


@register.simple_tag
def board_entries(entries: Iterable[BoardEntry], *, fixed: bool) -> SafeString:
    labels = {action: escape(str(label)) for action, label in ACTION_LABELS.items()}
    handle = (
        ""
        if fixed
        else format_html(
            '<span class="drag-handle text-body-secondary fs-5 lh-1 user-select-none" '
            'aria-hidden="true" title="{}">&#10303;</span>',
            gettext("Drag to move, or use the move buttons without a mouse"),
        )
    )
    mean_label = gettext("Mean")
    html = []
    for entry in entries:
        row = entry.row
        html.append(
            format_html(
                ENTRY,
                id=entry.application_id,
                rank="" if entry.rank is None else entry.rank,
                reference=row.reference,
                handle=handle,
                position=format_html(
                    '<span class="badge {} fs-6" data-testid="position">{}</span>',
                    "text-bg-primary" if entry.kind == MAIN else "text-bg-info",
                    entry.position,
                )
                if entry.position
                else "",
                acronym=format_html(" · {}", row.acronym) if row.acronym else "",
                title=row.title,
                mean_label=mean_label,
                mean=score(row.overall.mean),
                order=(
                    format_html(" · {}", gettext("score order #%(rank)s") % {"rank": entry.rank})
                    if entry.rank
                    else ""
                ),
                shift=_shift(entry),
                status=format_html(" · {}", row.status_label) if fixed else "",
                buttons=_buttons(entry, labels),
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - every part went through format_html


def _value(value) -> str:
    """A compared value as the template drew it: local time, localised, escaped."""
    return conditional_escape(localize(template_localtime("—" if value is None else value)))


@register.simple_tag
def tie_steps(steps: Iterable[TieStep]) -> SafeString:
    """The steps of one line of ``reviews/lists/_ties.html``, each an ``<li>``: equal
    scores at a line of a large call make dozens of them (93 at 10,000 applications in
    ``make bench``), a ``{% blocktranslate %}`` and two localised values each."""
    original = "%(first)s before %(second)s: %(rule)s"
    sentence = gettext("%(first)s before %(second)s: %(rule)s")  # a literal, for makemessages
    # Translators' text, drawn as {% translate %} draws a literal: unescaped.
    fallback = (
        ' <span class="badge text-bg-light border">'
        + gettext("fixed fallback: the call's rules left them equal")
        + "</span>"
    )
    html = []
    for step in steps:
        names = {
            "first": conditional_escape(step.first),
            "second": conditional_escape(step.second),
            "rule": conditional_escape(step.rule),
        }
        text = fill(sentence, original, names)
        values = ""
        if step.first_value is not None or step.second_value is not None:
            values = f" ({_value(step.first_value)} / {_value(step.second_value)})"
        html.append(
            f'\n    <li data-testid="tie-step">{text}{values}'
            f"{fallback if step.fallback else ''}</li>\n    "
        )
    # The sentence and the badge are the translators' text (trusted, as the template tags
    # take them); every value in the sentence was escaped above.
    return mark_safe("".join(html))  # noqa: S308
