"""``python manage.py load_reference_data [--units FILE | --sample-units]``.

What a new site needs before anyone can apply: the standard disciplines (always) and
research units (from a CSV file in the ``import_units`` format, or the bundled sample
for a trial site). The ten CNRS institutes come with the migrations. Idempotent: run it
at every release (docker-compose's ``migrate`` service does); what exists is kept.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.models import Discipline, Institute, Unit
from calls.selectors.reference import reference_data_gaps
from calls.services.reference import SAMPLE_UNITS_PATH
from calls.services.reference.disciplines import ensure_disciplines


class Command(BaseCommand):
    help = gettext_lazy(
        "Load the reference data a new site needs: the standard disciplines and, from a "
        "CSV file (see import_units --help) or the bundled sample, the research units."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--units",
            metavar="FILE",
            help=gettext_lazy("CSV file of research units, in the import_units format."),
        )
        source.add_argument(
            "--sample-units",
            action="store_true",
            help=gettext_lazy("Load the bundled sample units (a trial site, not production)."),
        )
        parser.add_argument("--delimiter", default=",", help=gettext_lazy("Column separator."))

    def handle(self, *args, units: str | None, sample_units: bool, delimiter: str, **options):
        if not Institute.objects.exists():
            raise CommandError(_("No CNRS institute: run `manage.py migrate` first."))
        ensure_disciplines()
        path = str(SAMPLE_UNITS_PATH) if sample_units else units
        if path:
            call_command(
                "import_units", path, delimiter=delimiter, stdout=self.stdout, stderr=self.stderr
            )
        self.stdout.write(
            _(
                "%(institutes)d institute(s), %(units)d active unit(s), "
                "%(disciplines)d discipline(s)."
            )
            % {
                "institutes": Institute.objects.count(),
                "units": Unit.objects.active().count(),
                "disciplines": Discipline.objects.filter(is_active=True).count(),
            }
        )
        for gap in reference_data_gaps():
            self.stderr.write(f"{gap.what} {gap.how}")
