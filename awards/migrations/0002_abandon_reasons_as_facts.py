"""The reason of an abandoned fellowship, when the application wrote it, is stored as facts
(kind and parameters) and read in the reader's language; staff's words stay text."""

import importlib
import re

from django.db import migrations, models

# What the application wrote when a changed decision abandoned a fellowship, in English and
# in French: its own sentence, or the reason of the new decision (read by the patterns of
# ``reviews.migrations.0009_decline_reasons_as_facts``).
_PATTERNS = [
    ("decision_changed", r"The funding decision changed\."),
    ("decision_changed", r"La décision de financement a changé\."),
]


def parse_abandon_reason(text: str):
    """The kind and parameters of a sentence the application wrote, or None."""
    for kind, pattern in _PATTERNS:
        if re.fullmatch(pattern, text.strip()):
            return kind, {}
    reviews = importlib.import_module("reviews.migrations.0009_decline_reasons_as_facts")
    return reviews.parse_reason(text)


def reasons_to_facts(apps, schema_editor):
    Fellowship = apps.get_model("awards", "Fellowship")
    rows = Fellowship.objects.exclude(abandon_reason="").filter(abandon_reason_kind="")
    for row in rows.only("pk", "abandon_reason").iterator():
        parsed = parse_abandon_reason(row.abandon_reason)
        if parsed:
            Fellowship.objects.filter(pk=row.pk).update(
                abandon_reason="", abandon_reason_kind=parsed[0], abandon_reason_params=parsed[1]
            )


def facts_to_reasons(apps, schema_editor):
    from django.utils import translation

    from reviews.reasons import render

    Fellowship = apps.get_model("awards", "Fellowship")
    with translation.override("en"):
        for row in Fellowship.objects.exclude(abandon_reason_kind="").iterator():
            text = render(row.abandon_reason_kind, row.abandon_reason_params, row.abandon_reason)
            Fellowship.objects.filter(pk=row.pk).update(abandon_reason=text, abandon_reason_kind="")


class Migration(migrations.Migration):

    dependencies = [
        ('awards', '0001_fellowships_reports_events'),
        ('reviews', '0009_decline_reasons_as_facts'),
    ]

    operations = [
        migrations.AddField(
            model_name='fellowship',
            name='abandon_reason_kind',
            field=models.CharField(blank=True, choices=[('main_list', 'Main list, position …'), ('complementary_list', 'Complementary list, position …'), ('not_on_lists', 'Not on the lists'), ('additional_funding', 'Additional funding'), ('freed_by_decline', 'Place freed by a decline'), ('places_filled', 'Free funded places filled'), ('complementary_closed', 'Complementary list closed'), ('recut', 'Lists re-cut'), ('reset', 'Reset to the score order'), ('sources_changed', 'Funding sources changed'), ('decision_changed', 'Funding decision changed'), ('recruitment_failed', 'Recruitment failed')], max_length=30, verbose_name='kind of reason for abandoning'),
        ),
        migrations.AddField(
            model_name='fellowship',
            name='abandon_reason_params',
            field=models.JSONField(blank=True, default=dict, verbose_name='facts of the reason for abandoning'),
        ),
        migrations.RunPython(reasons_to_facts, facts_to_reasons),
    ]
