from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # Conflict detection runs again when an application or an expert changes.
        from reviews.services import conflicts, scoreboard_stamp

        conflicts.connect_signals()
        # The cached scoreboard figures are recomputed after any change that moves them.
        scoreboard_stamp.connect_signals()
        # What this app holds about a person: its part of the download and anonymisation.
        from aissai.accounts.personal_data.registry import register_holder
        from reviews.personal_data import HOLDER

        register_holder(HOLDER)
