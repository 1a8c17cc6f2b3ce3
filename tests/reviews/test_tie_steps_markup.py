"""``{% tie_steps %}`` draws the list board's tie-break steps in Python: its markup is the
one the template loop it replaced drew (values in local time and localised, names
escaped, the fallback badge), in both languages."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from reviews.selectors.lists_order import TieStep

# The loop of reviews/lists/_ties.html before the tag, kept as the reference.
REFERENCE = (
    "{% load i18n %}    {% for step in steps %}\n"
    '    <li data-testid="tie-step">{% blocktranslate with first=step.first '
    "second=step.second rule=step.rule %}{{ first }} before {{ second }}: {{ rule }}"
    "{% endblocktranslate %}{% if step.first_value is not None or step.second_value is not "
    'None %} ({{ step.first_value|default_if_none:"—" }} / '
    '{{ step.second_value|default_if_none:"—" }}){% endif %}{% if step.fallback %} '
    '<span class="badge text-bg-light border">{% translate "fixed fallback: the call\'s '
    'rules left them equal" %}</span>{% endif %}</li>\n'
    "    {% endfor %}\n"
)
TAG = "{% load list_board %}    {% tie_steps steps %}\n"
UTC = ZoneInfo("UTC")

STEPS = [
    TieStep(
        "GEN-1",
        "GEN-2",
        "Earlier submission",
        datetime(2026, 10, 6, 21, 16, tzinfo=UTC),
        datetime(2026, 10, 8, 11, 44, tzinfo=UTC),
        True,
    ),
    TieStep("GEN-2", "<b>GEN-3</b>", "Wider institute coverage", 4, 3, False),
    TieStep("GEN-3", "GEN-4", "Mean of <criterion> & co", 7.25, None, False),
    TieStep("GEN-4", "GEN-5", "Reference", None, None, True),
]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_steps_are_the_markup_of_the_template_loop(language, settings):
    settings.TIME_ZONE = "Europe/Paris"
    with translation.override(language):
        expected = Template(REFERENCE).render(Context({"steps": STEPS}))
        drawn = Template(TAG).render(Context({"steps": STEPS}))
    assert drawn == expected
    assert drawn.count("<li ") == 4
    assert "&lt;b&gt;GEN-3&lt;/b&gt;" in drawn
    assert ("23:16" if language == "en" else "23\u00a0h\u00a016") in drawn  # Paris time
    assert ("7.25" if language == "en" else "7,25") in drawn
    assert ("GEN-1 before GEN-2" if language == "en" else "GEN-1 avant GEN-2") in drawn


def test_a_translation_with_broken_placeholders_falls_back_to_english(monkeypatch):
    """As {% blocktranslate %} does: a wrong translation never breaks the list board."""
    import reviews.templatetags.list_board as tags

    monkeypatch.setattr(tags, "gettext", lambda text: text.replace("%(first)s", "%(premier)s"))
    drawn = Template(TAG).render(Context({"steps": STEPS[:1]}))
    assert "GEN-1 before GEN-2: Earlier submission" in drawn
