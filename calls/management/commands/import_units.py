"""``python manage.py import_units FILE.csv``: load or update research units."""

import argparse

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.utils.translation import gettext as _

from calls.services.reference import UnitImportError, import_units_from_path


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keep the column table of the description as written."""


class Command(BaseCommand):
    help = """Load or update research units from a CSV file (UTF-8, comma-separated, one
header line). Importing the same file again changes nothing. A unit is found by its
RNSR identifier when the row has one, else by type and number.

Columns (names in the header line, any order; * = required):
  type*                 UMR, UPR, UAR, IRL, EMR, FRE, UMI, USR or FR
  number*               8223
  name*                 Laboratoire d'informatique de Paris 6
  acronym               LIP6
  city                  Paris
  rnsr                  RNSR identifier, 9 digits then a letter: 199712651D
                        (an empty cell never erases a known RNSR)
  main_institute*       acronym of the CNRS institute: INS2I
  secondary_institutes  acronyms separated by ";": INP;INSMI
  parent_institutions   "name|acronym" separated by ";": Sorbonne Université|SU;CNRS
                        (an optional third part sets the institution's domains:
                        Sorbonne Université|SU|sorbonne-universite.fr)
  email_domains         separated by ";": lip6.fr;sorbonne-universite.fr
  active                yes/no (empty means yes)

Every row is checked before anything is written. If any row has a problem, each
problem is printed with its line number and nothing is imported."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, formatter_class=_HelpFormatter)

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file to import")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--delimiter", default=",", help='column separator (default ",")')

    def handle(self, *args, **options):
        path = options["file"]
        try:
            report = import_units_from_path(
                path, dry_run=options["dry_run"], delimiter=options["delimiter"]
            )
        except FileNotFoundError as exc:
            raise CommandError(_("No such file: %s") % path) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(_("%s is not a UTF-8 text file.") % path) from exc
        except UnitImportError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)d problem(s) in %(path)s; nothing was imported.")
                % {"count": len(exc.errors), "path": path}
            ) from exc
        summary = (
            _(
                "%(created)d unit(s) created, %(updated)d updated, %(unchanged)d unchanged; "
                "%(parents_created)d parent institution(s) created, %(parents_updated)d updated."
            )
            % report.__dict__
        )
        if options["dry_run"]:
            summary = _("Dry run, nothing written: %s") % summary
        self.stdout.write(self.style.SUCCESS(summary))
