"""Load the demo: sample users for each role, last year's edition of the AISSAI postdoc
call (decided: 55 applications, 25 shortlisted, 6 + 3 on the lists, 8 funded) and the
open next edition where a new applicant can apply. Apps above reviews add their own
steps (``reviews.demo.steps``): the awards continue the past edition after the decision.

Idempotent: running it again leaves one copy of everything. Embedded mode only.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from aissai.accounts.demo import DEMO_PASSWORD, ensure_demo_users
from calls.demo import EXTRA_APPLICANTS, ensure_correspondent, ensure_demo_calls
from reviews.demo import ensure_open_call_reviewer, ensure_past_edition
from reviews.demo.steps import run_steps


class Command(BaseCommand):
    help = "Load the demo data set (embedded mode only) and print the demo logins."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo is for the embedded mode; it never runs in production.")
        started = time.perf_counter()
        with transaction.atomic():
            users = ensure_demo_users()
            call = ensure_demo_calls(users)
            staff, reviewer = users["staff"], users["reviewer"]
            ensure_correspondent(users["correspondent"], staff=staff)
            ensure_open_call_reviewer(call, staff=staff, reviewer=reviewer)
            past = ensure_past_edition(year=call.edition_year - 1, staff=staff, reviewer=reviewer)
            run_steps(past_call=past.call, open_call=call, users=users)
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready on {settings.SITE_URL} ({seconds:.1f} s)")
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, user in users.items():
            self.stdout.write(f"  {role:<24} {user.email}")
        others = ", ".join(email for email, _name, _language in EXTRA_APPLICANTS)
        self.stdout.write(f"  {'other applicants':<24} {others}")
        self.stdout.write(f"Open call: {call.title_en} (/calls/staff/{call.slug}/applications/)")
        self.stdout.write(
            f"Decided call: {past.call.title_en} (/calls/staff/{past.call.slug}/applications/)"
        )
