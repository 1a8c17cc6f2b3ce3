"""Load the demo: sample users for each role (and, as the apps grow, calls and reviews).

Idempotent: running it again leaves one copy of everything. Embedded mode only.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from aissai.accounts.demo import DEMO_PASSWORD, ensure_demo_users
from calls.demo import EXTRA_APPLICANTS, ensure_demo_calls


class Command(BaseCommand):
    help = "Load the demo data set (embedded mode only) and print the demo logins."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo is for the embedded mode; it never runs in production.")
        with transaction.atomic():
            users = ensure_demo_users()
            call = ensure_demo_calls(users)
        self.stdout.write(self.style.SUCCESS("Demo ready on http://127.0.0.1:8000"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, user in users.items():
            self.stdout.write(f"  {role:<24} {user.email}")
        others = ", ".join(email for email, _name, _language in EXTRA_APPLICANTS)
        self.stdout.write(f"  {'other applicants':<24} {others}")
        self.stdout.write(f"Open call: {call.title_en} (/calls/staff/{call.slug}/applications/)")
