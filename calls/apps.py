from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Calls")

    def ready(self) -> None:
        # What this app holds about a person: its part of the download and anonymisation.
        from aissai.accounts.personal_data.registry import register_holder
        from calls.personal_data import HOLDER

        register_holder(HOLDER)
        from calls.services.partners import register_secret_links

        register_secret_links()
        # The audit admin leaves out events about applications a reader is in conflict with.
        from aissai.audit.withholding import register_withheld_applications
        from calls.selectors.staff_conflicts import conflicted_application_ids

        register_withheld_applications(conflicted_application_ids)
        # The outbox leaves out the mails about them (a partner's confirmation, a decision).
        from aissai.notifications.withholding import register_rows_about_applications
        from calls.models import Application

        register_rows_about_applications(Application, lambda ids: ids)
