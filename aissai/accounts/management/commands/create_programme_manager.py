"""``python manage.py create_programme_manager``: the first programme manager of a site.

``createsuperuser`` makes an administrator who still gets 404 on the staff pages until
"programme staff" is ticked in the admin. This command makes, in one step, an account
that is both: a superuser (the admin, reference data) and programme staff (the calls).
Run again for an existing address, it grants both roles and keeps the password.

Interactive by default (asks for the missing values and the password twice); with
``--no-input`` the password comes from ``AISSAI_MANAGER_PASSWORD`` (docker-compose,
provisioning scripts).
"""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aissai.accounts.models import User
from aissai.accounts.services import create_programme_manager

PASSWORD_VARIABLE = "AISSAI_MANAGER_PASSWORD"  # noqa: S105 - a variable name


class Command(BaseCommand):
    help = gettext_lazy(
        "Create the first programme manager: a superuser who is also programme staff "
        "(or grant both roles to an existing account)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", help=gettext_lazy("The person's e-mail address (login)."))
        parser.add_argument("--full-name", default="", help=gettext_lazy("The person's name."))
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help=gettext_lazy(
                "Ask nothing; the password of a new account comes from AISSAI_MANAGER_PASSWORD."
            ),
        )

    def handle(self, *args, email: str | None, full_name: str, interactive: bool, **options):
        if not email:
            if not interactive:
                raise CommandError(_("--email is required with --no-input."))
            email = input(_("E-mail address: ")).strip()
        exists = User.objects.filter(email__iexact=User.objects.normalize_email(email)).exists()
        if not full_name and not exists:
            if not interactive:
                raise CommandError(_("--full-name is required for a new account."))
            full_name = input(_("Full name: ")).strip()
        password = os.environ.get(PASSWORD_VARIABLE) or None
        if password is None and interactive and not exists:
            password = getpass.getpass(_("Password: "))
            if password != getpass.getpass(_("Password (again): ")):
                raise CommandError(_("The two passwords differ."))
        if password is None and not exists:
            raise CommandError(
                _("A new account needs a password: set %s or run without --no-input.")
                % PASSWORD_VARIABLE
            )
        try:
            user = create_programme_manager(email=email, full_name=full_name, password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("%(email)s is a programme manager: administrator and programme staff.")
                % {"email": user.email}
            )
        )
