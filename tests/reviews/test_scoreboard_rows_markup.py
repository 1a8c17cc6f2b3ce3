"""``{% scoreboard_rows %}`` draws the scoreboard's body rows in Python: its markup is the
one the template loop it replaced drew, whitespace included, in every variant (anonymous
or not, calibration shown or refused, fragile, stable or not analysed, missing figures,
criteria with fewer scores, untitled, HTML in the data) and in both languages."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from calls.models import ApplicationStatus
from reviews.scoring.robustness import ApplicationRobustness
from reviews.scoring.stats import FigureSet
from reviews.selectors.scoreboard_rows import ScoreboardRow

# The loop of reviews/scoreboard/scoreboard.html before the tag, kept as the reference.
REFERENCE = (
    "{% load i18n scores %}"
    "    {% for row in rows %}\n"
    '    <tr data-application="{{ row.application_id }}">\n'
    '      <td class="text-nowrap">{{ row.reference|default:"—" }}</td>\n'
    "      <td>{% if row.acronym %}<strong>{{ row.acronym }}</strong>{% endif %}"
    '<div class="small">{{ row.title|default:_("untitled application") }}</div></td>\n'
    "      {% if not anonymous %}\n"
    "      <td>{{ row.coordinator }}{% if row.units %}"
    '<div class="small text-body-secondary">{{ row.units|join:", " }}</div>{% endif %}</td>\n'
    "      <td>{% for acronym in row.institutes %}"
    '<span class="badge text-bg-light border">{{ acronym }}</span> {% endfor %}</td>\n'
    "      {% endif %}\n"
    '      <td><span class="badge text-bg-secondary">{{ row.status_label }}</span></td>\n'
    '      <td class="text-end">{{ row.overall.count }}</td>\n'
    '      <td class="text-end">{{ row.overall.mean|score }}</td>\n'
    '      <td class="text-end">{{ row.overall.weighted_mean|score }}</td>\n'
    '      <td class="text-end">{{ row.overall.median|score }}</td>\n'
    '      <td class="text-end text-nowrap">{{ row.overall.spread|score }}'
    "{% if row.overall.spread is not None %}"
    '<div class="small text-body-secondary">{{ row.overall.minimum|score }}–'
    "{{ row.overall.maximum|score }}</div>{% endif %}</td>\n"
    '      {% for figures in row.criteria %}<td class="text-end">{{ figures.mean|score }}'
    '{% if figures.count != row.overall.count %}<div class="small text-body-secondary">'
    "{% blocktranslate count counter=figures.count %}{{ counter }} score{% plural %}"
    "{{ counter }} scores{% endblocktranslate %}</div>{% endif %}</td>{% endfor %}\n"
    "      {% if board.calibration_supported %}\n"
    '      <td class="text-end text-nowrap">{{ row.calibrated|score }}'
    "{% if row.calibrated_se is not None %}"
    '<div class="small text-body-secondary">± {{ row.calibrated_se|score }}</div>'
    "{% endif %}{% if row.uncorrected %}"
    '<div class="small text-body-secondary">{% translate "not corrected" %}</div>'
    "{% endif %}</td>\n"
    "      {% endif %}\n"
    "      <td>{% if row.overall.disagreement %}"
    '<span class="badge text-bg-warning">{% translate "Reviewers disagree" %}</span>'
    "{% endif %}</td>\n"
    "      <td>{% if row.fragile %}"
    '<a class="badge text-bg-danger text-decoration-none" '
    'href="{{ robustness_url }}#robustness-{{ row.application_id }}">'
    '{% translate "Fragile" %}</a>{% elif row.robustness %}'
    '<span class="badge text-bg-light border">{% translate "Stable" %}</span>'
    "{% endif %}</td>\n"
    "    </tr>\n"
    "    {% endfor %}\n"
)
TAG = "{% load scoreboard_table %}    {% scoreboard_rows rows %}\n"


def figures(count, mean, *, spread=True, disagreement=False) -> FigureSet:
    return FigureSet(
        count=count,
        mean=mean,
        weighted_mean=None if mean is None else mean + 0.125,
        median=None if mean is None else mean - 0.005,
        sd=None,
        minimum=None if mean is None else mean - 1,
        maximum=None if mean is None else mean + 1.555,
        spread=(2.555 if spread else None) if mean is not None else None,
        disagreement=disagreement,
    )


def robustness(fragile: bool) -> ApplicationRobustness:
    return ApplicationRobustness(
        application_id=1,
        n_reviews=3,
        scores={},
        ranks={},
        funded={},
        tied_at_line={},
        crossing_counts={},
        crossings=(),
        fragile=fragile,
        reasons=(),
    )


def rows() -> list[ScoreboardRow]:
    return [
        ScoreboardRow(
            application_id=11,
            reference="AISSAI-2027-0011",
            title="Learning <proteins> & “folding”",
            acronym="P&F",
            status=ApplicationStatus.SHORTLISTED,
            coordinator="Zoé <b>O'Neil</b>",
            submitted_at=None,
            overall=figures(3, 7.345, disagreement=True),
            criteria=[figures(3, 8.0), figures(2, 6.5), figures(1, None)],
            institutes=["INS2I", "IN<P>"],
            units=["UMR 1 <x>", "UPR 2"],
            calibrated=7.105,
            calibrated_se=0.4449,
            robustness=robustness(fragile=True),
        ),
        ScoreboardRow(
            application_id=12,
            reference="",
            title="",
            acronym="",
            status=ApplicationStatus.IN_REVIEW,
            coordinator="A. Person",
            submitted_at=None,
            overall=figures(1, 5.0, spread=False),
            criteria=[figures(1, 5.0), figures(0, None), figures(1, 4.995)],
            calibrated=None,
            uncorrected=True,
            robustness=robustness(fragile=False),
        ),
        ScoreboardRow(
            application_id=13,
            reference="AISSAI-2027-0013",
            title="No reviews yet",
            acronym="NR",
            status=ApplicationStatus.ELIGIBLE,
            coordinator="",
            submitted_at=None,
            overall=figures(0, None),
            criteria=[figures(0, None)] * 3,
            calibrated=float("nan"),
            calibrated_se=None,
        ),
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("anonymous", [False, True])
@pytest.mark.parametrize("calibration", [True, False])
def test_the_rows_are_the_markup_of_the_template_loop(language, anonymous, calibration):
    context = {
        "rows": rows(),
        "anonymous": anonymous,
        "board": SimpleNamespace(calibration_supported=calibration),
        "robustness_url": "/reviews/staff/c/scoreboard/robustness/?sort=-mean&x=<1>",
    }
    with translation.override(language):
        expected = Template(REFERENCE).render(Context(context))
        drawn = Template(TAG).render(Context(context))
    assert drawn == expected
    # The variants are really drawn (a guard against comparing two empty strings).
    assert drawn.count("<tr ") == 3
    assert ("Zoé &lt;b&gt;O&#x27;Neil&lt;/b&gt;" in drawn) is not anonymous
    assert ("± " in drawn) is calibration
    assert "#robustness-11" in drawn


def test_an_empty_page_draws_no_row():
    assert Template(TAG).render(Context({"rows": []})) == "    \n"


def test_a_translation_with_a_broken_placeholder_falls_back_to_english(monkeypatch):
    """As {% blocktranslate %} does: a wrong translation never breaks the scoreboard."""
    import reviews.templatetags.scoreboard_table as tags

    monkeypatch.setattr(tags, "ngettext", lambda one, many, n: "%(compte)s notes")
    context = {"rows": rows(), "board": SimpleNamespace(calibration_supported=True)}
    drawn = Template(TAG).render(Context(context))
    assert "2 scores" in drawn and "0 scores" in drawn
