"""Rows written before links were made at delivery hold live links: withhold them.

A pending row among them is delivered with the notice instead of the link; its recipient
asks for a new one (a reset, a verification) or staff resend it (invitation, partner)."""

from django.db import migrations


def withhold_stored_links(apps, schema_editor):
    from aissai.notifications.links import strip_token_urls

    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    rows = OutboxMessage.objects.filter(links=[]).only("pk", "body_text", "body_html")
    for row in rows.iterator(chunk_size=500):
        text, html = strip_token_urls(row.body_text), strip_token_urls(row.body_html)
        if (text, html) != (row.body_text, row.body_html):
            OutboxMessage.objects.filter(pk=row.pk).update(body_text=text, body_html=html)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_outbox_withheld_links")]

    operations = [migrations.RunPython(withhold_stored_links, migrations.RunPython.noop)]
