"""python manage.py anonymise_person EMAIL [--force --reason TEXT] [--by STAFF_EMAIL]"""

from django.core.management.base import BaseCommand, CommandError

from aissai.accounts.models import User
from aissai.accounts.personal_data import (
    AnonymisationRefused,
    anonymise_person,
    retention_status,
)


class Command(BaseCommand):
    help = (
        "Anonymise the person with this e-mail address once the retention period is over "
        "(AISSAI_RETENTION_DAYS after their last call was decided). Refused before that "
        "unless --force is given with a --reason. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--force", action="store_true", help="Before the retention end.")
        parser.add_argument("--reason", default="", help="Required with --force; audited.")
        parser.add_argument("--by", default="", help="E-mail of the staff member responsible.")
        parser.add_argument(
            "--check", action="store_true", help="Only say when the retention period ends."
        )

    def handle(self, *args, email, force, reason, by, check, **options):
        status = retention_status(email=email)
        if check:
            if status.over:
                self.stdout.write(f"Retention period over since {status.ends_at:%Y-%m-%d}.")
            else:
                self.stdout.write(status.refusal())
            return
        actor = None
        if by:
            actor = User.objects.filter(email__iexact=by, is_active=True).first()
            if actor is None or not (actor.is_programme_staff or actor.is_superuser):
                raise CommandError(f"{by} is not an active member of staff.")
        try:
            report = anonymise_person(email=email, by=actor, reason=reason, force=force)
        except AnonymisationRefused as exc:
            raise CommandError(str(exc)) from exc
        changed = ", ".join(f"{key} {value}" for key, value in report.changed.items() if value)
        self.stdout.write(
            self.style.SUCCESS(f"Anonymised (reference {report.token}): {changed or 'nothing'}.")
        )
