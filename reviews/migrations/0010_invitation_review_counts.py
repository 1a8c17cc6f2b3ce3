"""Each reviewer's live review counts on the invitation, filled for the calls there are."""

from django.db import migrations, models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce


def fill_counts(apps, schema_editor):
    """The counts as ``reviews.services.review_counts`` keeps them: live assignments
    (active, invitation accepted, application not withdrawn, no confirmed conflict) and
    those with a submitted review. The rule is written out here, as it stands today,
    because a migration must not import the application's code."""
    Assignment = apps.get_model("reviews", "Assignment")
    Conflict = apps.get_model("reviews", "Conflict")
    Invitation = apps.get_model("reviews", "Invitation")
    confirmed = Conflict.objects.filter(
        invitation=OuterRef("invitation"),
        application=OuterRef("application"),
        status="confirmed",
    )
    live = (
        Assignment.objects.filter(
            invitation=OuterRef("pk"), is_active=True, invitation__status="accepted"
        )
        .exclude(application__status="withdrawn")
        .exclude(Exists(confirmed))
        .order_by()
        .values("invitation")
    )

    def count(queryset):
        inner = queryset.annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(inner, output_field=IntegerField()), Value(0))

    Invitation.objects.update(
        reviews_assigned=count(live),
        reviews_done=count(live.filter(Q(review__status="submitted"))),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0011_partner_lead_email_upper_index"),
        ("reviews", "0009_decline_reasons_as_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="reviews_assigned",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="reviews assigned"
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="reviews_done",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="reviews submitted"
            ),
        ),
        migrations.RunPython(fill_counts, migrations.RunPython.noop),
    ]
