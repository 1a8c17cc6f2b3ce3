"""The ten CNRS institutes: usage names in French and English, legal acronym."""

from django.db import migrations

INSTITUTES = [
    ("INSB", "CNRS Biologie", "CNRS Biology"),
    ("INC", "CNRS Chimie", "CNRS Chemistry"),
    ("INEE", "CNRS Écologie & Environnement", "CNRS Ecology & Environment"),
    ("INSIS", "CNRS Ingénierie", "CNRS Engineering"),
    ("INSMI", "CNRS Mathématiques", "CNRS Mathematics"),
    ("IN2P3", "CNRS Nucléaire & Particules", "CNRS Nuclear & Particle Physics"),
    ("INP", "CNRS Physique", "CNRS Physics"),
    ("INSHS", "CNRS Sciences humaines & sociales", "CNRS Humanities & Social Sciences"),
    ("INS2I", "CNRS Sciences informatiques", "CNRS Computer Sciences"),
    ("INSU", "CNRS Terre & Univers", "CNRS Earth & Universe"),
]


def create_institutes(apps, schema_editor):
    Institute = apps.get_model("calls", "Institute")
    for acronym, name_fr, name_en in INSTITUTES:
        Institute.objects.update_or_create(
            acronym=acronym, defaults={"name_fr": name_fr, "name_en": name_en}
        )


class Migration(migrations.Migration):
    dependencies = [("calls", "0001_initial")]
    operations = [migrations.RunPython(create_institutes, migrations.RunPython.noop)]
