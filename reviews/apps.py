from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # Conflict detection runs again when an application or an expert changes.
        from calls import hooks
        from reviews.services import (
            conflicts,
            guards,
            invitations,
            review_counts,
            scoreboard_stamp,
        )
        from reviews.services.funding import write_funding_for_calls

        conflicts.connect_signals()
        # The cached scoreboard figures are recomputed after any change that moves them.
        scoreboard_stamp.connect_signals()
        # Each reviewer's live review counts follow every change that moves them.
        review_counts.connect_signals()
        # calls never imports reviews: what it must know of reviews is registered here.
        hooks.register_funding_writer(write_funding_for_calls)
        hooks.register_scoring_check(guards.call_has_reviews)
        hooks.register_status_check(guards.call_status_problems)

        # What this app holds about a person: its part of the download and anonymisation.
        from aissai.accounts.personal_data.registry import register_holder
        from reviews.personal_data import HOLDER

        register_holder(HOLDER)
        # The expert's personal link is made when the invitation mail is sent.
        invitations.register_secret_links()
        # The outbox leaves out the mails naming a reviewer of an application a reader is
        # in conflict with (the assignment, the reviewer's invitation, the reminders).
        from aissai.notifications.withholding import register_rows_about_applications
        from reviews.models import Assignment, Invitation

        register_rows_about_applications(
            Assignment,
            lambda ids: Assignment.objects.filter(application_id__in=ids).values_list(
                "pk", flat=True
            ),
        )
        register_rows_about_applications(
            Invitation,
            lambda ids: (
                Invitation.objects.filter(assignments__application_id__in=ids)
                .distinct()
                .values_list("pk", flat=True)
            ),
        )
