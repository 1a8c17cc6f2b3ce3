"""Writing checked unit rows: match them to stored units, then create or update units,
parent institutions and institute links in bulk."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from calls.models import ParentInstitution, Unit

from .rows import COLUMN_FIELDS, ParentRow, RowError, UnitRow


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    parents_created: int = 0
    parents_updated: int = 0
    created_labels: list[str] = field(default_factory=list)
    updated_labels: list[str] = field(default_factory=list)


def match_units(rows: list[UnitRow], units: list[Unit], errors: list[RowError]) -> dict[int, Unit]:
    """The stored unit each row updates (rows absent from the result create a unit)."""
    by_rnsr = {unit.rnsr: unit for unit in units if unit.rnsr}
    by_key = {(unit.unit_type, unit.number): unit for unit in units}
    targets: dict[int, Unit] = {}
    seen: dict[int, int] = {}
    for row in rows:
        rnsr, label = row.values["rnsr"], Unit.make_label(*row.key)
        holder = by_key.get(row.key)
        target = by_rnsr.get(rnsr) if rnsr else holder
        if rnsr and target is None and holder is not None:
            if holder.rnsr:
                errors.append(
                    RowError(
                        row.line,
                        _("%(label)s is already another unit, with RNSR %(rnsr)s")
                        % {"label": label, "rnsr": holder.rnsr},
                    )
                )
                continue
            target = holder  # a known unit whose RNSR we learn now
        if target is not None and holder is not None and holder.pk != target.pk:
            errors.append(
                RowError(
                    row.line,
                    _("RNSR %(rnsr)s is already used by another unit (%(other)s), not %(label)s")
                    % {"rnsr": rnsr, "other": target.label, "label": label},
                )
            )
            continue
        if target is not None:
            if target.pk in seen:
                errors.append(
                    RowError(
                        row.line,
                        _("this is the same stored unit (%(label)s) as line %(other)d")
                        % {"label": target.label, "other": seen[target.pk]},
                    )
                )
                continue
            seen[target.pk] = row.line
            targets[row.line] = target
    return targets


def write_units(rows: list[UnitRow], targets: dict[int, Unit]) -> ImportReport:
    report = ImportReport()
    parent_ids = _write_parents(rows, report)
    new_units, changed, m2m_changed = [], [], []
    for row in rows:
        values = dict(row.values)
        wanted_parents = {parent_ids[parent.name.casefold()] for parent in row.parents}
        unit = targets.get(row.line)
        if unit is None:
            unit = Unit(label=Unit.make_label(*row.key), **values)
            new_units.append((unit, row.secondary, wanted_parents))
            continue
        if not values["rnsr"]:
            values["rnsr"] = unit.rnsr  # an empty cell never erases a known RNSR
        values["label"] = Unit.make_label(*row.key)
        fields_changed = any(getattr(unit, name) != value for name, value in values.items())
        secondary = {institute.pk for institute in unit.secondary_institutes.all()}
        parents = {parent.pk for parent in unit.parent_institutions.all()}
        sets_changed = secondary != row.secondary or parents != wanted_parents
        if fields_changed:
            for name, value in values.items():
                setattr(unit, name, value)
            changed.append(unit)
        if sets_changed:
            m2m_changed.append((unit, row.secondary, wanted_parents))
        if fields_changed or sets_changed:
            report.updated += 1
            report.updated_labels.append(values["label"])
        else:
            report.unchanged += 1
    if changed:
        Unit.objects.bulk_update(changed, [*COLUMN_FIELDS, "label"])
    Unit.objects.bulk_create([unit for unit, _s, _p in new_units])
    report.created = len(new_units)
    report.created_labels = [unit.label for unit, _s, _p in new_units]
    _write_sets(new_units + m2m_changed)
    return report


def _write_parents(rows: list[UnitRow], report: ImportReport) -> dict[str, int]:
    stored = {parent.name.casefold(): parent for parent in ParentInstitution.objects.all()}
    wanted: dict[str, ParentRow] = {}
    for row in rows:
        for parent in row.parents:
            known = wanted.setdefault(parent.name.casefold(), ParentRow(parent.name))
            known.acronym = known.acronym or parent.acronym
            if parent.domains is not None:
                known.domains = list(dict.fromkeys((known.domains or []) + parent.domains))
    for key, parent in wanted.items():
        instance = stored.get(key)
        if instance is None:
            stored[key] = ParentInstitution.objects.create(
                name=parent.name, acronym=parent.acronym, email_domains=parent.domains or []
            )
            report.parents_created += 1
            continue
        update = {}
        if parent.acronym and instance.acronym != parent.acronym:
            update["acronym"] = parent.acronym
        if parent.domains is not None and instance.email_domains != parent.domains:
            update["email_domains"] = parent.domains
        if update:
            ParentInstitution.objects.filter(pk=instance.pk).update(**update)
            report.parents_updated += 1
    return {key: stored[key].pk for key in wanted}


def _write_sets(entries: list[tuple[Unit, set[int], set[int]]]) -> None:
    if not entries:
        return
    secondary_through = Unit.secondary_institutes.through
    parents_through = Unit.parent_institutions.through
    unit_ids = [unit.pk for unit, _s, _p in entries]
    secondary_through.objects.filter(unit_id__in=unit_ids).delete()
    parents_through.objects.filter(unit_id__in=unit_ids).delete()
    secondary_through.objects.bulk_create(
        secondary_through(unit_id=unit.pk, institute_id=institute_id)
        for unit, secondary, _p in entries
        for institute_id in sorted(secondary)
    )
    parents_through.objects.bulk_create(
        parents_through(unit_id=unit.pk, parentinstitution_id=parent_id)
        for unit, _s, parents in entries
        for parent_id in sorted(parents)
    )
