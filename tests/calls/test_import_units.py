"""``import_units``: loads or updates units idempotently, reports bad files line by line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from aissai.audit.models import AuditEvent
from calls.models import ParentInstitution, Unit
from calls.services.reference import (
    SAMPLE_UNITS_PATH,
    UnitImportError,
    import_units,
    import_units_from_path,
)
from tests.factories.calls import UnitFactory, institute

pytestmark = pytest.mark.django_db

HEADER = (
    "type,number,name,acronym,city,rnsr,main_institute,secondary_institutes,"
    "parent_institutions,email_domains,active\n"
)
GOOD_ROW = (
    "UMR,8223,Laboratoire d'informatique et apprentissage,LIA,Paris,200012345A,INS2I,"
    '"INP;INSMI","Sorbonne Université|SU|sorbonne-universite.fr;CNRS",'
    "lia.sorbonne-universite.fr;lia.fr,yes\n"
)


def run(text: str, **kwargs):
    return import_units(lines=StringIO(text), **kwargs)


def errors_of(text: str) -> list[str]:
    with pytest.raises(UnitImportError) as caught:
        run(text)
    return [str(error) for error in caught.value.errors]


def test_import_creates_the_unit_with_its_institutes_institutions_and_domains():
    report = run(HEADER + GOOD_ROW)

    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    unit = Unit.objects.get()
    assert unit.label == "UMR 8223"
    assert (unit.name, unit.acronym, unit.city, unit.rnsr) == (
        "Laboratoire d'informatique et apprentissage",
        "LIA",
        "Paris",
        "200012345A",
    )
    assert unit.main_institute == institute("INS2I")
    assert {i.acronym for i in unit.secondary_institutes.all()} == {"INP", "INSMI"}
    assert unit.email_domains == ["lia.sorbonne-universite.fr", "lia.fr"]
    assert unit.is_active is True
    parents = {(p.name, p.acronym, tuple(p.email_domains)) for p in unit.parent_institutions.all()}
    assert parents == {
        ("Sorbonne Université", "SU", ("sorbonne-universite.fr",)),
        ("CNRS", "", ()),
    }


def test_import_records_one_audit_event():
    run(HEADER + GOOD_ROW, source_name="units.csv")

    event = AuditEvent.objects.get(verb="units.imported")
    assert event.data["source"] == "units.csv"
    assert (event.data["created"], event.data["created_labels"]) == (1, ["UMR 8223"])


def test_sample_file_loads_thirty_units_over_all_ten_institutes():
    report = import_units_from_path(SAMPLE_UNITS_PATH)

    assert report.created == Unit.objects.count() == 30
    assert Unit.objects.values("main_institute").distinct().count() == 10
    assert not Unit.objects.filter(label="").exists()
    assert ParentInstitution.objects.filter(name="Sorbonne Université").get().acronym == "SU"
    assert Unit.objects.filter(is_active=False).count() == 1


def test_reimporting_the_same_file_changes_nothing():
    import_units_from_path(SAMPLE_UNITS_PATH)
    before = list(Unit.objects.order_by("pk").values_list("pk", "label", "name", "rnsr"))

    report = import_units_from_path(SAMPLE_UNITS_PATH)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 30)
    assert report.parents_created == report.parents_updated == 0
    assert list(Unit.objects.order_by("pk").values_list("pk", "label", "name", "rnsr")) == before


def test_a_changed_row_updates_the_stored_unit():
    run(HEADER + GOOD_ROW)
    changed = GOOD_ROW.replace("Paris", "Ivry-sur-Seine").replace('"INP;INSMI"', "INP")

    report = run(HEADER + changed)

    assert (report.created, report.updated) == (0, 1)
    unit = Unit.objects.get()
    assert unit.city == "Ivry-sur-Seine"
    assert [i.acronym for i in unit.secondary_institutes.all()] == ["INP"]


def test_the_rnsr_is_the_key_a_renumbered_unit_keeps_its_row():
    run(HEADER + GOOD_ROW)
    pk = Unit.objects.get().pk

    run(HEADER + GOOD_ROW.replace("UMR,8223", "UMR,9999"))

    unit = Unit.objects.get()
    assert (unit.pk, unit.label) == (pk, "UMR 9999")


def test_without_rnsr_type_and_number_are_the_key_and_a_new_rnsr_is_learnt():
    stored = UnitFactory(unit_type="UPR", number="3251", rnsr="")

    run(HEADER + "UPR,3251,Laboratoire renommé,,,199912345B,INC,,,,\n")

    stored.refresh_from_db()
    assert (stored.name, stored.rnsr, stored.main_institute.acronym) == (
        "Laboratoire renommé",
        "199912345B",
        "INC",
    )
    assert Unit.objects.count() == 1


def test_an_empty_rnsr_cell_never_erases_a_known_rnsr():
    stored = UnitFactory(unit_type="UMR", number="8223", rnsr="200012345A")

    run(HEADER + "UMR,8223,Nouveau nom,,,,INS2I,,,,\n")

    stored.refresh_from_db()
    assert (stored.name, stored.rnsr) == ("Nouveau nom", "200012345A")


def test_bad_file_is_reported_row_by_row_and_nothing_is_imported():
    text = (
        HEADER
        + GOOD_ROW  # line 2: fine, but must not be imported either
        + "UMX,1,Lab one,,,,INS2I,,,,\n"  # 3: bad type
        + "UMR,2,,,,,INS2I,,,,\n"  # 4: missing name
        + "UMR,3,Lab three,,,,INX,INP;FOO,,,\n"  # 5: unknown institutes
        + "UMR,8223,Lab four,,,,INP,,,,\n"  # 6: duplicate type+number
        + "UMR,5,Lab five,,,200012345A,INP,,,,\n"  # 7: duplicate RNSR
        + "UMR,6,Lab six,,,12345,INP,,,not a domain,maybe\n"  # 8: RNSR, domain, active
    )

    assert errors_of(text) == [
        "line 3: unknown unit type “UMX” (expected one of UMR, UPR, UAR, IRL, EMR, FRE, UMI, "
        "USR, FR)",
        "line 4: missing name",
        "line 5: unknown institute “FOO” in secondary_institutes (expected one of IN2P3, INC, "
        "INEE, INP, INS2I, INSB, INSHS, INSIS, INSMI, INSU)",
        "line 5: unknown institute “INX” in main_institute (expected one of IN2P3, INC, INEE, "
        "INP, INS2I, INSB, INSHS, INSIS, INSMI, INSU)",
        "line 6: duplicate key: UMR 8223 is already on line 2",
        "line 7: duplicate key: RNSR 200012345A is already on line 2",
        "line 8: RNSR identifier “12345” is not valid (9 digits then a letter, e.g. 200012345A)",
        "line 8: active must be yes or no, not “maybe”",
        "line 8: “not a domain” is not an e-mail domain",
    ]
    assert Unit.objects.count() == 0
    assert ParentInstitution.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="units.imported").exists()


def test_rnsr_already_used_by_another_stored_unit_is_refused():
    UnitFactory(unit_type="UMR", number="1111", rnsr="200012345A", name="First")
    other = UnitFactory(unit_type="UMR", number="8223", rnsr="", name="Second")

    assert errors_of(HEADER + GOOD_ROW) == [
        "line 2: RNSR 200012345A is already used by another unit (UMR 1111), not UMR 8223"
    ]
    other.refresh_from_db()
    assert other.name == "Second"


def test_a_number_held_by_a_unit_with_another_rnsr_is_refused():
    UnitFactory(unit_type="UMR", number="8223", rnsr="199900001Z")

    assert errors_of(HEADER + GOOD_ROW) == [
        "line 2: UMR 8223 is already another unit, with RNSR 199900001Z"
    ]
    assert Unit.objects.get().rnsr == "199900001Z"


def test_header_problems_are_reported_on_line_one():
    assert errors_of("type,number,nme,main_institute,colour\nUMR,1,x,INP,red\n") == [
        "line 1: missing column “name”",
        "line 1: unknown column “colour” (expected: type, number, name, acronym, city, rnsr, "
        "main_institute, secondary_institutes, parent_institutions, email_domains, active)",
        "line 1: unknown column “nme” (expected: type, number, name, acronym, city, rnsr, "
        "main_institute, secondary_institutes, parent_institutions, email_domains, active)",
    ]


def test_line_numbers_count_blank_lines_and_multiline_cells():
    text = 'type,number,name,main_institute\n\nUMR,1,"A name\non two lines",INP\nUMR,2,,INP\n'

    assert errors_of(text) == ["line 5: missing name"]


def test_one_parent_institution_with_two_acronyms_is_refused():
    text = (
        "type,number,name,main_institute,parent_institutions\n"
        "UMR,1,One,INP,Université de Lyon|UDL\n"
        "UMR,2,Two,INP,Université de Lyon|UL\n"
    )

    assert errors_of(text) == [
        "line 3: parent institution “Université de Lyon” has acronym “UDL” on line 2"
    ]


def test_dry_run_checks_and_counts_but_writes_nothing():
    report = run(HEADER + GOOD_ROW, dry_run=True)

    assert report.created == 1
    assert Unit.objects.count() == ParentInstitution.objects.count() == 0


def test_command_prints_each_problem_with_its_line_and_fails(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(HEADER + GOOD_ROW + "UMR,2,,,,,INS2I,,,,\n", encoding="utf-8")
    stderr = StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_units", str(path), stderr=stderr)

    assert stderr.getvalue().strip() == "line 3: missing name"
    assert Unit.objects.count() == 0


def test_command_imports_a_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(("\ufeff" + HEADER + GOOD_ROW).encode("utf-8"))
    stdout = StringIO()

    call_command("import_units", str(path), stdout=stdout)

    assert "1 unit(s) created, 0 updated, 0 unchanged" in stdout.getvalue()
    assert Unit.objects.get().label == "UMR 8223"


def test_command_help_documents_every_column():
    from calls.management.commands.import_units import Command
    from calls.services.reference import COLUMNS

    for column in COLUMNS:
        assert f"\n  {column}" in Command.help
