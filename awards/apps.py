from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Awards")

    def ready(self) -> None:
        # A funded decision (written by reviews) opens a fellowship; a decision that takes
        # the place away abandons the fellowship still recruiting. Reviews never import us.
        from awards.services import hooks

        hooks.connect_signals()
        # The answer link of an event invitation is made when the mail is sent.
        from awards.services import events

        events.register_secret_links()
        # The demo continues the past edition after the decision (see awards.demo).
        from awards.demo import ensure_awards
        from reviews.demo.steps import register_step

        register_step(ensure_awards)
        # What this app holds about a person: its part of the download and anonymisation.
        from aissai.accounts.personal_data.registry import register_holder
        from awards.personal_data import HOLDER

        register_holder(HOLDER)
        # The outbox leaves out the mails about the fellowship of a reader's conflict.
        from aissai.notifications.withholding import register_rows_about_applications
        from awards.models import Fellowship

        register_rows_about_applications(
            Fellowship,
            lambda ids: Fellowship.objects.filter(application_id__in=ids).values_list(
                "pk", flat=True
            ),
        )
