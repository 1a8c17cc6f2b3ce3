"""The standard list of scientific disciplines an application may declare.

Loaded by ``manage.py load_reference_data`` (and the demo); staff edit it in the admin
afterwards. Adding what is missing never renames or reactivates what staff changed.
"""

from django.db import transaction

from aissai.audit.services import record_event
from calls.models import Discipline

# (English, French), one per CNRS institute's field.
DISCIPLINES = [
    ("Mathematics", "Mathématiques"),
    ("Physics", "Physique"),
    ("Nuclear and particle physics", "Physique nucléaire et des particules"),
    ("Chemistry", "Chimie"),
    ("Biology and health", "Biologie et santé"),
    ("Ecology and environment", "Écologie et environnement"),
    ("Earth and universe sciences", "Sciences de la Terre et de l’Univers"),
    ("Engineering", "Sciences de l’ingénieur"),
    ("Computer science", "Informatique"),
    ("Humanities and social sciences", "Sciences humaines et sociales"),
]


def ensure_disciplines() -> dict[str, Discipline]:
    """Every standard discipline, created when missing; {English name: discipline}."""
    with transaction.atomic():
        existing = {d.name_en: d for d in Discipline.objects.filter(name_en__in=dict(DISCIPLINES))}
        missing = [
            Discipline(name_en=en, name_fr=fr) for en, fr in DISCIPLINES if en not in existing
        ]
        if missing:
            Discipline.objects.bulk_create(missing)
            record_event(
                actor=None,
                verb="reference.disciplines_loaded",
                data={"created": [d.name_en for d in missing]},
            )
    return {d.name_en: d for d in Discipline.objects.filter(name_en__in=dict(DISCIPLINES))}
