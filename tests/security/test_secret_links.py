"""Links that grant access reach their recipient and nobody else.

For every kind of mail that carries one (address verification, the warning to an existing
account, password reset, partner confirmation, expert invitation) and every page that
shows mail (the outbox list, detail, HTML part, edit and release preview; the admin's
outbox and audit pages; the exports; the personal-data export; the dev mailbox from
another machine), no staff-like role (programme staff, superuser, a programme manager
who is also an applicant) can obtain a working link: each response is scanned for every
secret that the recipients' delivered mails hold, and for any link to a page that takes
a token. The links in the delivered mails still work.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from aissai.accounts import services as accounts
from aissai.audit.models import AuditEvent
from aissai.notifications.links import TOKEN_KWARGS, SecretLinkError, secret_link
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.selectors import outbox_visible_to
from aissai.notifications.services import deliver, edit_held_mail, queue_mail, retry_mails
from calls.models import Partner
from calls.services.partners import add_partner
from reviews.services.invitations import ExpertData, invite_expert
from tests.accounts.helpers import delivered
from tests.factories.accounts import StaffFactory, SuperuserFactory, UnverifiedUserFactory
from tests.factories.calls import ApplicationFactory, CallFactory, UnitFactory
from tests.factories.notifications import OutboxMessageFactory

pytestmark = pytest.mark.django_db

TOKEN_EVENTS = {
    "account_verify",
    "account_exists",
    "password_reset",
    "partner_confirmation",
    "reviewer_invitation",
}
LINK_RE = re.compile(r"(?:https?://[^\s<>\"'&]+|/[^\s<>\"'&]+)")
ROLES = ["programme_staff", "superuser", "staff_applicant"]


@dataclass
class World:
    call: object
    staff: object
    superuser: object
    staff_applicant: object
    newcomer_email: str
    pending_user: object
    partner: Partner
    invitation: object


def deliver_all() -> None:
    for pk in OutboxMessage.objects.filter(status=OutboxStatus.PENDING).values_list(
        "pk", flat=True
    ):
        deliver(outbox_id=pk)


def build_world(client: Client) -> World:
    staff = StaffFactory()
    superuser = SuperuserFactory(email="admin@aissai.example.org")
    staff_applicant = StaffFactory(email="manager-applicant@aissai.example.org")
    call = CallFactory()
    application = ApplicationFactory(call=call, coordinator=staff_applicant)
    unit = UnitFactory()
    # The staff member who applies names a partner lead: the lead's link is the lead's.
    partner = add_partner(
        application=application,
        by=staff_applicant,
        unit_id=unit.pk,
        institute_id=unit.main_institute_id,
        lead_name="Marie Curie",
        lead_email="marie@lab.example.fr",
    )
    invitation = invite_expert(
        call=call,
        by=staff,
        data=ExpertData(full_name="Alan Turing", email="alan@example.ac.uk", institution="NPL"),
    )
    # What the public forms' tasks do (aissai.accounts.tasks).
    accounts.sign_up(
        email="newcomer@example.org",
        full_name="New Comer",
        language="fr",
        password_hash=make_password("x" * 12),
    )
    pending_user = UnverifiedUserFactory(email="pending@example.org")
    accounts.sign_up(
        email="pending@example.org",
        full_name="Someone Else",
        language="en",
        password_hash=make_password("y" * 12),
    )
    # The attack of the report: anyone asks for a reset of the administrator's password.
    accounts.mail_password_reset(email=superuser.email)
    # A held mail with a link, so that the edit page and the release preview show one.
    queue_mail(
        event="password_reset",
        to_email=staff_applicant.email,
        context={"reset_url": secret_link("password_reset", staff_applicant.pk), "valid_hours": 1},
        recipient=staff_applicant,
        held=True,
    )
    deliver_all()
    return World(
        call=call,
        staff=staff,
        superuser=superuser,
        staff_applicant=staff_applicant,
        newcomer_email="newcomer@example.org",
        pending_user=pending_user,
        partner=partner,
        invitation=invitation,
    )


def token_mails() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(event__in=TOKEN_EVENTS).order_by("pk"))


def links_of(text: str) -> list[str]:
    return [m for m in LINK_RE.findall(text) if m.startswith((settings.SITE_URL, "/"))]


def token_route(link: str) -> dict[str, str]:
    """The token arguments of ``link`` when it leads to a page that takes one, else {}."""
    try:
        match = resolve(urlsplit(link).path)
    except Resolver404:
        return {}
    return {key: value for key, value in match.kwargs.items() if key in TOKEN_KWARGS}


def secrets_in_delivered_mails() -> dict[str, set[str]]:
    """Event → the secret parts of the links its recipients get (the one sent, or for a
    held mail the one its release would send)."""
    found: dict[str, set[str]] = {}
    for message in token_mails():
        sent = delivered(message)
        for link in links_of(sent.body):
            if args := token_route(link):
                found.setdefault(message.event, set()).add(str(args["token"]))
    return found


def page_texts(client: Client, world: World) -> dict[str, tuple[int, str]]:
    """Every page that shows mail, as this client gets it: name → (status, text)."""
    pages: dict[str, tuple[int, str]] = {}

    def get(name: str, url: str, **extra) -> None:
        response = client.get(url, follow=True, **extra)
        pages[name] = (response.status_code, response.content.decode(errors="replace"))

    get("outbox", reverse("notifications:outbox"))
    get("outbox search", reverse("notifications:outbox") + "?q=example")
    get("release preview", reverse("notifications:outbox_release_bulk"))
    get("admin outbox", reverse("admin:notifications_outboxmessage_changelist"))
    get("admin audit", reverse("admin:audit_auditevent_changelist"))
    for message in OutboxMessage.objects.all():
        for view in ("outbox_detail", "outbox_html", "outbox_edit"):
            get(f"{view} {message.pk}", reverse(f"notifications:{view}", args=[message.pk]))
        get(
            f"admin outbox {message.pk}",
            reverse("admin:notifications_outboxmessage_change", args=[message.pk]),
        )
    for event in AuditEvent.objects.all():
        get(f"admin audit {event.pk}", reverse("admin:audit_auditevent_change", args=[event.pk]))
    for kind in ("applications", "reviews", "scoreboard"):
        for file_format in ("csv", "xlsx"):
            url = reverse("reviews:export", args=[world.call.slug, kind, file_format])
            response = client.get(url)
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            if file_format == "xlsx" and response.status_code == 200:
                with zipfile.ZipFile(io.BytesIO(content)) as book:
                    content = b"".join(book.read(name) for name in book.namelist())
            pages[f"export {kind}.{file_format}"] = (
                response.status_code,
                content.decode(errors="replace"),
            )
    data = client.post(reverse("accounts:my_data_download"))
    pages["personal data"] = (data.status_code, data.content.decode(errors="replace"))
    for name in ("dev_mailbox", "dev_mailbox_detail"):
        for kept in [None] if name == "dev_mailbox" else OutboxMessage.objects.all()[:3]:
            args = [] if kept is None else [kept.pk]
            get(
                f"{name} remote",
                reverse(f"notifications:{name}", args=args),
                REMOTE_ADDR="10.1.2.3",
            )
    return pages


@pytest.fixture
def world(client, settings):
    settings.DEV_MAILBOX = True
    return build_world(client)


def user_of(world: World, role: str):
    return {
        "programme_staff": world.staff,
        "superuser": world.superuser,
        "staff_applicant": world.staff_applicant,
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_no_staff_like_role_obtains_a_working_link_from_any_page(client, world, role):
    secrets = secrets_in_delivered_mails()
    assert set(secrets) == TOKEN_EVENTS, "every kind of link was delivered"
    client.force_login(user_of(world, role))

    pages = page_texts(client, world)

    reachable = {name for name, (status, _text) in pages.items() if status == 200}
    if role == "superuser":
        assert {"admin outbox", "admin audit", "personal data"} <= reachable
    else:
        assert {"outbox", "release preview", "personal data", "export applications.csv"} <= (
            reachable
        )
        # Every mail with a link the reader may see (a staff member who coordinates an
        # application does not see the mails about it: tests/notifications/
        # test_outbox_conflicts.py) is read here, and none shows the link.
        visible = set(outbox_visible_to(user_of(world, role)).values_list("pk", flat=True))
        shown_mails = [m for m in token_mails() if m.pk in visible]
        assert shown_mails
        assert all(f"outbox_detail {m.pk}" in reachable for m in shown_mails)
        assert all(
            pages[f"outbox_detail {m.pk}"][0] == 404 for m in token_mails() if m.pk not in visible
        )
    leaks = []
    for name, (_status, text) in pages.items():
        for event, tokens in secrets.items():
            leaks += [(name, event) for token in tokens if token in text]
        leaks += [(name, link) for link in links_of(text) if token_route(link)]
    assert leaks == []
    if role != "superuser":
        shown = pages[f"outbox_detail {shown_mails[0].pk}"][1]
        assert "[link withheld: only the recipient receives it]" in shown


def test_staff_still_see_each_mail_its_recipient_subject_state_and_text(client, world):
    client.force_login(world.staff)
    reset = OutboxMessage.objects.get(event="password_reset", to_email=world.superuser.email)

    page = client.get(reverse("notifications:outbox_detail", args=[reset.pk])).content.decode()

    assert reset.status == OutboxStatus.SENT
    for shown in (world.superuser.email, reset.subject, "Sent", "Follow this link"):
        assert shown in page
    assert "[link withheld: only the recipient receives it]" in page


def test_links_in_the_delivered_mails_work(client, world):
    anonymous = Client()
    by_event = {}
    for message in token_mails():
        if message.status == OutboxStatus.SENT:
            links = [link for link in links_of(delivered(message).body) if token_route(link)]
            by_event[(message.event, message.to_email)] = urlsplit(links[0]).path

    verified = anonymous.post(by_event["account_verify", world.newcomer_email])
    still_pending = anonymous.post(by_event["account_exists", "pending@example.org"])
    reset = anonymous.get(by_event["password_reset", world.superuser.email], follow=True)
    partner_page = anonymous.get(by_event["partner_confirmation", "marie@lab.example.fr"])
    confirmed = anonymous.post(by_event["partner_confirmation", "marie@lab.example.fr"])
    invitation = anonymous.get(by_event["reviewer_invitation", "alan@example.ac.uk"])

    assert (verified.status_code, verified["Location"]) == (302, reverse("accounts:login"))
    assert still_pending.status_code == 302
    world.pending_user.refresh_from_db()
    assert world.pending_user.email_verified_at is not None
    assert reset.context["validlink"] is True
    assert partner_page.status_code == 200
    assert world.partner.application.title in partner_page.content.decode()
    assert confirmed.status_code == 302
    world.partner.refresh_from_db()
    assert world.partner.confirmed_at is not None
    assert invitation.status_code == 200
    assert world.call.title in invitation.content.decode()


def test_a_retried_mail_makes_its_link_again_and_it_works(world):
    reset = OutboxMessage.objects.get(event="password_reset", to_email=world.superuser.email)
    OutboxMessage.objects.filter(pk=reset.pk).update(status=OutboxStatus.FAILED)
    mail.outbox.clear()

    retry_mails(actor=world.staff, messages=OutboxMessage.objects.filter(pk=reset.pk))
    deliver(outbox_id=reset.pk)

    [again] = mail.outbox
    [link] = [link for link in links_of(again.body) if token_route(link)]
    page = Client().get(urlsplit(link).path, follow=True)
    assert page.context["validlink"] is True
    reset.refresh_from_db()
    assert link not in reset.body_text + reset.body_html


def test_a_mail_whose_link_object_is_gone_fails_without_being_sent(client):
    staff = StaffFactory()
    application = ApplicationFactory(coordinator=staff)
    unit = UnitFactory()
    partner = add_partner(
        application=application,
        by=staff,
        unit_id=unit.pk,
        institute_id=unit.main_institute_id,
        lead_name="Marie Curie",
        lead_email="marie@lab.example.fr",
    )
    message = OutboxMessage.objects.get(event="partner_confirmation")
    Partner.objects.filter(pk=partner.pk).delete()

    outcome = deliver(outbox_id=message.pk)

    message.refresh_from_db()
    assert (outcome.status, message.status) == (OutboxStatus.FAILED, OutboxStatus.FAILED)
    assert message.last_error.startswith("SecretLinkError: The partner_confirmation link")
    assert mail.outbox == []


def test_a_token_link_passed_as_plain_text_is_refused():
    """A future kind of token cannot be stored by mistake: it must be a secret_link."""
    staff = StaffFactory()
    partner = Partner(application=ApplicationFactory(coordinator=staff), unit=UnitFactory())
    plain = settings.SITE_URL + reverse("calls:partner_confirm", args=[partner.confirmation_token])

    with pytest.raises(SecretLinkError):
        queue_mail(event="test", to_email="a@example.org", context={"confirm_url": plain})

    assert not OutboxMessage.objects.exists()


def test_staff_cannot_make_a_held_mail_carry_a_link_it_did_not_have(world):
    """Typing a placeholder into a held mail gives the recipient a notice, not a link."""
    held = queue_mail(
        event="test",
        to_email=world.staff_applicant.email,
        recipient=world.staff_applicant,
        held=True,
    )
    edit_held_mail(
        actor=world.staff_applicant,
        message=held,
        subject="Hello",
        body_text="Your link: [[secret-link:0]] [[secret-link:1]]",
    )
    mail.outbox.clear()
    OutboxMessage.objects.filter(pk=held.pk).update(status=OutboxStatus.PENDING)

    deliver(outbox_id=held.pk)

    [sent] = mail.outbox
    notice = "[link withheld: only the recipient receives it]"
    assert f"Your link: {notice} {notice}" in sent.body
    assert [link for link in links_of(sent.body) if token_route(link)] == []


def test_rows_written_before_hold_no_live_link_after_the_migration():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("aissai.notifications.migrations.0006_withhold_stored_token_links")
    staff = StaffFactory()
    partner = Partner.objects.create(
        application=ApplicationFactory(coordinator=staff),
        unit=UnitFactory(),
        institute=UnitFactory().main_institute,
        lead_name="Marie Curie",
        lead_email="marie@lab.example.fr",
    )
    link = settings.SITE_URL + reverse("calls:partner_confirm", args=[partner.confirmation_token])
    old = OutboxMessageFactory(
        sent=True,
        body_text=f"Confirm here:\n\n{link}\n\nLog in at {settings.SITE_URL}/accounts/login/\n",
        body_html=f'<p><a href="{link}">Confirm</a></p><p>{link}</p>',
    )

    migration.withhold_stored_links(apps, None)

    old.refresh_from_db()
    assert str(partner.confirmation_token) not in old.body_text + old.body_html
    assert f"{settings.SITE_URL}/accounts/login/" in old.body_text
    notice = "[link withheld: only the recipient receives it]"
    assert old.shown_body_text.startswith(f"Confirm here:\n\n{notice}\n")
