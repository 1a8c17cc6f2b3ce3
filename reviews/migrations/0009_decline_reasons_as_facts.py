"""Two more reasons the application writes are stored as facts: a recruitment that failed
(the decline it causes, with staff's words as a parameter) and a changed funding decision
(the reason an abandoned fellowship gives)."""

import importlib
import re

from django.db import migrations, models

# The sentence a failed recruitment wrote on the decline, in English and in French (the
# language of the staff member who recorded it); staff's words follow the colon.
_PATTERNS = [
    ("recruitment_failed", r"(?s)Recruitment failed: (?P<reason>.+)"),
    ("recruitment_failed", r"(?s)Recrutement infructueux\s*: (?P<reason>.+)"),
]
_NEW_KINDS = ("recruitment_failed", "decision_changed")


def parse_reason(text: str):
    """The kind and parameters of a sentence the application wrote, or None: the sentences
    of this migration, then those of ``0008_history_reasons_as_facts``."""
    for kind, pattern in _PATTERNS:
        match = re.fullmatch(pattern, text.strip())
        if match:
            return kind, {"reason": match.group("reason").strip()}
    earlier = importlib.import_module("reviews.migrations.0008_history_reasons_as_facts")
    return earlier.parse_reason(text)


def reasons_to_facts(apps, schema_editor):
    for name in ("ListMove", "FundingDecision"):
        model = apps.get_model("reviews", name)
        rows = model.objects.exclude(reason="").filter(reason_kind="")
        for row in rows.only("pk", "reason").iterator():
            parsed = parse_reason(row.reason)
            if parsed and parsed[0] == "recruitment_failed":
                model.objects.filter(pk=row.pk).update(
                    reason="", reason_kind=parsed[0], reason_params=parsed[1]
                )


def facts_to_reasons(apps, schema_editor):
    from django.utils import translation

    from reviews.reasons import render

    with translation.override("en"):
        for name in ("ListMove", "FundingDecision"):
            model = apps.get_model("reviews", name)
            for row in model.objects.filter(reason_kind__in=_NEW_KINDS).iterator():
                text = render(row.reason_kind, row.reason_params, row.reason)
                model.objects.filter(pk=row.pk).update(reason=text, reason_kind="", reason_params={})


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0008_history_reasons_as_facts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='fundingdecision',
            name='reason_kind',
            field=models.CharField(blank=True, choices=[('main_list', 'Main list, position …'), ('complementary_list', 'Complementary list, position …'), ('not_on_lists', 'Not on the lists'), ('additional_funding', 'Additional funding'), ('freed_by_decline', 'Place freed by a decline'), ('places_filled', 'Free funded places filled'), ('complementary_closed', 'Complementary list closed'), ('recut', 'Lists re-cut'), ('reset', 'Reset to the score order'), ('sources_changed', 'Funding sources changed'), ('decision_changed', 'Funding decision changed'), ('recruitment_failed', 'Recruitment failed')], max_length=30, verbose_name='kind of reason'),
        ),
        migrations.AlterField(
            model_name='listmove',
            name='reason_kind',
            field=models.CharField(blank=True, choices=[('main_list', 'Main list, position …'), ('complementary_list', 'Complementary list, position …'), ('not_on_lists', 'Not on the lists'), ('additional_funding', 'Additional funding'), ('freed_by_decline', 'Place freed by a decline'), ('places_filled', 'Free funded places filled'), ('complementary_closed', 'Complementary list closed'), ('recut', 'Lists re-cut'), ('reset', 'Reset to the score order'), ('sources_changed', 'Funding sources changed'), ('decision_changed', 'Funding decision changed'), ('recruitment_failed', 'Recruitment failed')], max_length=30, verbose_name='kind of reason'),
        ),
        migrations.RunPython(reasons_to_facts, facts_to_reasons),
    ]
