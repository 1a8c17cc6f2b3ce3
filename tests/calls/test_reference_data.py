"""First install: ``load_reference_data`` fills the referential, and the staff pages say
what is missing until it is filled (in English and in French)."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from calls.models import Discipline, Institute, Unit
from calls.services.reference.disciplines import DISCIPLINES
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db

SAMPLE_UNITS = 30  # one of them inactive


def load(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_reference_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_load_reference_data_with_the_sample_fills_disciplines_and_units_once():
    assert (Unit.objects.count(), Discipline.objects.count()) == (0, 0)

    out, err = load("--sample-units")
    again, _ = load("--sample-units")

    assert Institute.objects.count() == 10
    assert Discipline.objects.count() == len(DISCIPLINES) == 10
    assert Unit.objects.count() == SAMPLE_UNITS
    assert f"10 institute(s), {SAMPLE_UNITS - 1} active unit(s), 10 discipline(s)." in out
    assert err == ""
    assert f"0 unit(s) created, 0 updated, {SAMPLE_UNITS} unchanged" in again


def test_the_standard_disciplines_take_the_french_apostrophe():
    load()
    names = list(Discipline.objects.values_list("name_fr", flat=True))
    assert "Sciences de la Terre et de l’Univers" in names
    assert not [name for name in names if "'" in name]


def test_the_migration_renames_only_the_old_standard_french_names():
    renaming = importlib.import_module(
        "calls.migrations.0012_discipline_names_typographic_apostrophe"
    )
    old = Discipline.objects.create(name_en="Engineering", name_fr="Sciences de l'ingénieur")
    edited = Discipline.objects.create(
        name_en="Earth and universe sciences", name_fr="Sciences de la Terre et de l'Univers (INSU)"
    )
    other = Discipline.objects.create(name_en="Law", name_fr="Droit de l'environnement")

    renaming.to_typographic(apps, None)

    names = dict(Discipline.objects.values_list("pk", "name_fr"))
    assert names[old.pk] == "Sciences de l’ingénieur"
    assert names[edited.pk] == "Sciences de la Terre et de l'Univers (INSU)"  # staff's own
    assert names[other.pk] == "Droit de l'environnement"
    renaming.to_straight(apps, None)
    assert Discipline.objects.get(pk=old.pk).name_fr == "Sciences de l'ingénieur"


def test_load_reference_data_imports_the_given_units_file(tmp_path):
    export = tmp_path / "rnsr.csv"
    export.write_text(
        "type;number;name;rnsr;main_institute\n"
        "UMR;5505;Institut de recherche en informatique de Toulouse;199512006W;INS2I\n",
        encoding="utf-8",
    )

    load("--units", str(export), "--delimiter", ";")

    unit = Unit.objects.get()
    assert (unit.label, unit.rnsr, unit.main_institute.acronym) == (
        "UMR 5505",
        "199512006W",
        "INS2I",
    )


def test_load_reference_data_without_units_says_units_are_missing():
    out, err = load()

    assert "10 discipline(s)" in out
    assert "No active research unit is recorded" in err
    assert "load_reference_data --units FILE.csv" in err


@pytest.mark.parametrize("page", ["calls:manage_call_list", "calls:staff_index"])
def test_staff_pages_say_the_referential_is_empty_until_it_is_loaded(client, page):
    client.force_login(StaffFactory())

    empty = client.get(reverse(page)).content.decode()
    load("--sample-units")
    loaded = client.get(reverse(page)).content.decode()

    assert "The reference data are incomplete" in empty
    assert "No active research unit is recorded" in empty
    assert "No active discipline is recorded" in empty
    assert "python manage.py load_reference_data --units FILE.csv" in empty
    assert "The reference data are incomplete" not in loaded


def test_staff_pages_say_the_referential_is_empty_in_french(client):
    client.force_login(StaffFactory(language="fr"))

    html = client.get(reverse("calls:staff_index"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Les données de référence sont incomplètes" in html
    assert "Aucune unité de recherche active n’est enregistrée" in html
