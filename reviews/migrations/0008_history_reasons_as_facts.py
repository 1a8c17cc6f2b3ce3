"""Reasons the application wrote are stored as facts (kind and parameters), read in the
reader's language."""

from django.db import migrations, models


# The sentences the application wrote before its reasons were stored as facts, in English
# and in French (the reason was written in the language of the staff member who acted).
# Each pattern gives the kind and the parameters; a reason that matches none stays text.
_INT = r"(?P<{}>\d+)"
_PATTERNS = [
    ("main_list", r"Main list, position {}\.".format(_INT.format("position"))),
    ("main_list", r"Liste principale, position {}\.".format(_INT.format("position"))),
    ("complementary_list", r"Complementary list, position {}\.".format(_INT.format("position"))),
    ("complementary_list", r"Liste complémentaire, position {}\.".format(_INT.format("position"))),
    ("not_on_lists", r"Not on the lists\."),
    ("not_on_lists", r"Hors des listes\."),
    (
        "additional_funding",
        r"Additional funding: (?P<name>.+) \({} fellowship(?:\(s\)|s)?\)\.".format(
            _INT.format("count")
        ),
    ),
    (
        "additional_funding",
        r"Financement supplémentaire\s?: (?P<name>.+) \({} contrats?(?:\(s\))?\)\.".format(
            _INT.format("count")
        ),
    ),
    ("freed_by_decline", r"Place freed by the decline of (?P<reference>\S+)\."),
    ("freed_by_decline", r"Place libérée par le désistement de (?P<reference>\S+)\."),
    ("places_filled", r"Free funded places filled\."),
    ("places_filled", r"Places financées libres pourvues\."),
    ("complementary_closed", r"The complementary list is closed\."),
    ("complementary_closed", r"La liste complémentaire est close\."),
    (
        "recut",
        r"The lists were re-cut: {} funded place\(s\), {} on the complementary list, "
        r"shortlisted applications only\.".format(
            _INT.format("main"), _INT.format("complementary")
        ),
    ),
    (
        "recut",
        r"Les listes ont été recoupées\s?: {} place\(s\) financée\(s\), {} sur la liste "
        r"complémentaire, candidatures présélectionnées uniquement\.".format(
            _INT.format("main"), _INT.format("complementary")
        ),
    ),
    ("reset", r"Reset to the score order\."),
    ("reset", r"Retour à l’ordre des notes\."),
    ("sources_changed", r"Funding sources changed\."),
    ("sources_changed", r"Sources de financement modifiées\."),
]


def parse_reason(text: str):
    """The kind and parameters of a sentence the application wrote, or None."""
    import re

    for kind, pattern in _PATTERNS:
        match = re.fullmatch(pattern, text.strip())
        if match:
            params = {
                key: int(value) if value.isdigit() and key != "name" else value
                for key, value in match.groupdict().items()
            }
            return kind, params
    return None


def reasons_to_facts(apps, schema_editor):
    for name in ("ListMove", "FundingDecision"):
        model = apps.get_model("reviews", name)
        rows = model.objects.exclude(reason="").filter(reason_kind="")
        for row in rows.only("pk", "reason").iterator():
            parsed = parse_reason(row.reason)
            if parsed:
                model.objects.filter(pk=row.pk).update(
                    reason="", reason_kind=parsed[0], reason_params=parsed[1]
                )


def facts_to_reasons(apps, schema_editor):
    from django.utils import translation

    from reviews.reasons import render

    with translation.override("en"):
        for name in ("ListMove", "FundingDecision"):
            model = apps.get_model("reviews", name)
            for row in model.objects.exclude(reason_kind="").iterator():
                text = render(row.reason_kind, row.reason_params, row.reason)
                model.objects.filter(pk=row.pk).update(reason=text, reason_kind="")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_proposal_balance"),
    ]

    operations = [
        migrations.AddField(
            model_name="fundingdecision",
            name="reason_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("main_list", "Main list, position …"),
                    ("complementary_list", "Complementary list, position …"),
                    ("not_on_lists", "Not on the lists"),
                    ("additional_funding", "Additional funding"),
                    ("freed_by_decline", "Place freed by a decline"),
                    ("places_filled", "Free funded places filled"),
                    ("complementary_closed", "Complementary list closed"),
                    ("recut", "Lists re-cut"),
                    ("reset", "Reset to the score order"),
                    ("sources_changed", "Funding sources changed"),
                ],
                max_length=30,
                verbose_name="kind of reason",
            ),
        ),
        migrations.AddField(
            model_name="fundingdecision",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="facts of the reason"),
        ),
        migrations.AddField(
            model_name="listmove",
            name="reason_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("main_list", "Main list, position …"),
                    ("complementary_list", "Complementary list, position …"),
                    ("not_on_lists", "Not on the lists"),
                    ("additional_funding", "Additional funding"),
                    ("freed_by_decline", "Place freed by a decline"),
                    ("places_filled", "Free funded places filled"),
                    ("complementary_closed", "Complementary list closed"),
                    ("recut", "Lists re-cut"),
                    ("reset", "Reset to the score order"),
                    ("sources_changed", "Funding sources changed"),
                ],
                max_length=30,
                verbose_name="kind of reason",
            ),
        ),
        migrations.AddField(
            model_name="listmove",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="facts of the reason"),
        ),
        migrations.RunPython(reasons_to_facts, facts_to_reasons),
    ]
