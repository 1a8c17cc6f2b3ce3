"""The standard disciplines' French names take the typographic apostrophe on existing
installs too: only rows whose French name is still exactly the old form are renamed, so a
name staff edited in the admin is left as they wrote it."""

from django.db import migrations

RENAMES = {
    "Sciences de la Terre et de l'Univers": "Sciences de la Terre et de l’Univers",
    "Sciences de l'ingénieur": "Sciences de l’ingénieur",
}


def _rename(apps, pairs):
    discipline = apps.get_model("calls", "Discipline")
    for old, new in pairs.items():
        discipline.objects.filter(name_fr=old).update(name_fr=new)


def to_typographic(apps, schema_editor):
    _rename(apps, RENAMES)


def to_straight(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0011_partner_lead_email_upper_index"),
    ]

    operations = [migrations.RunPython(to_typographic, to_straight)]
