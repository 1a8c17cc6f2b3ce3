import factory

from aissai.notifications.models import DevMailboxMessage, OutboxMessage, OutboxStatus


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    event = "test"
    status = OutboxStatus.PENDING
    to_email = factory.Sequence(lambda n: f"recipient{n}@example.org")
    to_name = factory.Sequence(lambda n: f"Recipient {n}")
    language = "en"
    subject = factory.Sequence(lambda n: f"Message {n}")
    body_text = "Dear reader,\n\nA message.\n"
    body_html = '<!doctype html><html lang="en"><body><p>A message.</p></body></html>'

    class Params:
        held = factory.Trait(status=OutboxStatus.HELD)
        failed = factory.Trait(
            status=OutboxStatus.FAILED,
            attempts=5,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused",
        )
        sent = factory.Trait(status=OutboxStatus.SENT, attempts=1)


class DevMailboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DevMailboxMessage

    message_id = factory.Sequence(lambda n: f"<dev{n}@aissai.localhost>")
    from_email = "AISSAI Calls <noreply@aissai.localhost>"
    to = factory.Sequence(lambda n: f"person{n}@example.org")
    subject = factory.Sequence(lambda n: f"Dev message {n}")
    body_text = "Dear reader,\n\nA message.\n"
    body_html = "<p>A message.</p>"
