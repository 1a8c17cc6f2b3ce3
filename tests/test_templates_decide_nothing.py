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
STATUS_COMPARISON = re.compile(r"""status *(==|!=) *['"]""")


def status_comparisons(text: str) -> list[str]:
    return [match.group(0) for match in STATUS_COMPARISON.finditer(text)]


def test_the_check_finds_a_status_comparison():
    assert status_comparisons('{% if application.status == "funded" %}')
    assert status_comparisons("{% if call.status != 'draft' %}")
    assert not status_comparisons("{% if application.status_is.funded %}")


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
