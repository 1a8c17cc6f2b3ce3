"""Generate a realistic call for performance measurements (see ``reviews.generator``).

    python manage.py generate_call --applications 10000 --experts 1400 \\
        --reviews-per-application 3 --seed 1 [--slug bench-10000] [--stage selection]
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviews.generator import STAGES, GeneratorOptions, generate_call
from reviews.generator.context import DEFAULT_PASSWORD


class Command(BaseCommand):
    help = (
        "Generate a call with N applications, M experts and K reviews per application "
        "(reproducible from --seed), for benchmarks. Never in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, required=True)
        parser.add_argument("--experts", type=int, required=True)
        parser.add_argument("--reviews-per-application", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--slug", default="", help="Default: generated-<stage>-<N>-s<seed>.")
        parser.add_argument(
            "--stage",
            choices=STAGES,
            default="selection",
            help="selection (default), review, or open (complete drafts without PDFs).",
        )
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="For every user made.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Generated calls are for benchmarks; never in production.")
        try:
            generator_options = GeneratorOptions(
                applications=options["applications"],
                experts=options["experts"],
                reviews_per_application=options["reviews_per_application"],
                seed=options["seed"],
                slug=options["slug"],
                stage=options["stage"],
                password=options["password"],
            )
            report = generate_call(generator_options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
