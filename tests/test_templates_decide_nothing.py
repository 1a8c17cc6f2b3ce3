"""Templates show what the view or the rules decided: they never compare a status string.

They ask a rule (``{% test_rule %}``) what a person may do, or a flag built on the status's
``TextChoices`` (``application.status_is.draft``, ``aissai.status``) what a thing is.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template

from aissai.status import UnknownStatus
from calls.models import Application, ApplicationStatus

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A status, a state or a kind: each is a value of TextChoices with its flags
# (``status_is``, ``state_is``, ``kind_is``).
STATUS_COMPARISON = re.compile(r"""\b(status|state|kind) *(==|!=) *['"]""")


def status_comparisons(text: str) -> list[str]:
    return [match.group(0) for match in STATUS_COMPARISON.finditer(text)]


def test_the_check_finds_a_status_comparison():
    assert status_comparisons('{% if application.status == "funded" %}')
    assert status_comparisons("{% if call.status != 'draft' %}")
    assert status_comparisons('{% if row.state == "submitted" %}')
    assert status_comparisons("{% if move.kind == 'promoted' %}")
    assert not status_comparisons("{% if application.status_is.funded %}")
    assert not status_comparisons("{% if move.kind_is.promoted %}")


def test_no_template_compares_a_status_string():
    found = {
        str(path.relative_to(TEMPLATES)): status_comparisons(path.read_text(encoding="utf-8"))
        for path in TEMPLATES.rglob("*.html")
    }

    assert {path: hits for path, hits in found.items() if hits} == {}


def test_a_status_flag_answers_from_the_choices():
    template = Template("{% if a.status_is.funded %}funded{% else %}not funded{% endif %}")

    funded = template.render(Context({"a": Application(status=ApplicationStatus.FUNDED)}))
    draft = template.render(Context({"a": Application(status=ApplicationStatus.DRAFT)}))

    assert (funded, draft) == ("funded", "not funded")


def test_a_status_the_choices_do_not_have_breaks_the_page_instead_of_hiding_a_button():
    template = Template("{% if a.status_is.fundd %}decline{% endif %}")

    with pytest.raises(UnknownStatus):
        template.render(Context({"a": Application(status=ApplicationStatus.FUNDED)}))


def test_a_list_move_kind_and_a_review_state_answer_from_their_choices():
    from reviews.models import ListMove, MoveKind
    from reviews.selectors.reviewing import AssignmentRow, AssignmentState

    template = Template("{% if m.kind_is.promoted %}promoted{% endif %}|{{ r.state_is.submitted }}")
    row = AssignmentRow(assignment=None, state=AssignmentState.SUBMITTED, state_label="")
    promoted = template.render(Context({"m": ListMove(kind=MoveKind.PROMOTED), "r": row}))
    row.state = AssignmentState.DRAFT
    moved = template.render(Context({"m": ListMove(kind=MoveKind.MOVED), "r": row}))

    assert (promoted, moved) == ("promoted|True", "|False")
    with pytest.raises(UnknownStatus):
        Template("{{ m.kind_is.promotd }}").render(Context({"m": ListMove(kind="moved")}))
