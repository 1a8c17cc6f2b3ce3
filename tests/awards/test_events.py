"""Events: staff create one, invite the fellows, coordinators and correspondents of the
funded projects; each answers once through the signed link (changeable until the date),
without signing in; a reminder before the event; the attendance list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from aissai.notifications.services import build_email
from awards.models import Answer, EventInvitation, InviteeRole
from awards.services.endings import record_recruitment_failure
from awards.services.errors import AwardError
from awards.services.events import (
    EventData,
    answer,
    create_event,
    invite_people,
    rsvp_token,
    send_event_reminders,
)
from tests.factories.accounts import StaffFactory
from tests.factories.awards import funded_call, recruit
from tests.factories.calls import correspondent_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def award():
    return funded_call(staff=StaffFactory(), means=(9, 8, 7), sources=(2,))


def kickoff(award, *, starts_in=timedelta(days=20), answers_for=timedelta(days=10)):
    now = timezone.now()
    return create_event(
        call=award.call,
        by=award.staff,
        data=EventData(
            title_en="Kick-off meeting",
            title_fr="Réunion de lancement",
            starts_at=now + starts_in,
            answers_until=now + answers_for,
            place="CNRS headquarters, Paris",
            programme_en="Welcome; fireside talk; posters.",
            programme_fr="Accueil ; discussion au coin du feu ; posters.",
        ),
    )


def test_fellows_coordinators_and_correspondents_are_invited_once(award):
    fellow_a = recruit(award.fellowship("A"), by=award.staff, email="fa@lab.example.fr").fellow
    correspondent = correspondent_of("INP")
    correspondent_of("INSU")  # no funded project under this institute
    event = kickoff(award)

    invited = invite_people(event=event, by=award.staff)

    assert [(i.person, i.role) for i in invited] == [
        (fellow_a, InviteeRole.FELLOW),
        (award.app("A").coordinator, InviteeRole.COORDINATOR),
        (award.app("B").coordinator, InviteeRole.COORDINATOR),
        (correspondent, InviteeRole.CORRESPONDENT),
    ]
    # Read in either language: the institute's acronym, not its name in the staff's one.
    assert invited[-1].project == "INP"
    mails = OutboxMessage.objects.filter(event="award_event_invitation")
    assert sorted(mails.values_list("to_email", flat=True)) == sorted(
        i.person.email for i in invited
    )
    assert "/awards/rsvp/" not in mails.first().body_text  # made at delivery only
    assert "/awards/rsvp/" in build_email(mails.first()).body
    assert invite_people(event=event, by=award.staff) == []


def test_a_later_recruit_is_invited_on_the_next_round(award):
    event = kickoff(award)
    invite_people(event=event, by=award.staff)
    fellow = recruit(award.fellowship("B"), by=award.staff).fellow
    assert [i.person for i in invite_people(event=event, by=award.staff)] == [fellow]


def test_abandoned_projects_are_not_invited(award):
    record_recruitment_failure(fellowship=award.fellowship("B"), by=award.staff, reason="None.")
    event = kickoff(award)
    invited = {i.person for i in invite_people(event=event, by=award.staff)}
    assert award.app("B").coordinator not in invited


def test_answer_changes_until_the_date_then_is_closed(award):
    event = kickoff(award)
    invitation = invite_people(event=event, by=award.staff)[0]
    answer(invitation=invitation, attends=True)
    answer(invitation=invitation, attends=False)
    invitation.refresh_from_db()
    assert invitation.answer == Answer.NO
    assert [
        e.data["to"] for e in AuditEvent.objects.filter(verb="event.answered").order_by("pk")
    ] == ["yes", "no"]
    event.answers_until = timezone.now() - timedelta(minutes=1)
    event.save()
    with pytest.raises(AwardError, match="closed"):
        answer(invitation=invitation, attends=True)


def test_rsvp_link_answers_without_login_and_forged_links_are_404(client, award):
    event = kickoff(award)
    invitation = invite_people(event=event, by=award.staff)[0]
    url = reverse("awards:rsvp", args=[rsvp_token(invitation)])

    assert "please tell us whether you will attend" in client.get(url).content.decode()
    response = client.post(url, {"attends": "yes"})

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.answer == Answer.YES
    assert client.get(url[:-3] + "xyz/").status_code == 404


def test_one_reminder_before_the_event_to_those_who_did_not_decline(award):
    correspondent_of("INP")
    event = kickoff(award, starts_in=timedelta(days=2), answers_for=timedelta(days=1))
    yes, no, silent = invite_people(event=event, by=award.staff)[:3]
    answer(invitation=yes, attends=True)
    answer(invitation=no, attends=False)
    assert send_event_reminders() == 2
    assert send_event_reminders() == 0
    reminded = OutboxMessage.objects.filter(event="award_event_reminder")
    assert sorted(reminded.values_list("to_email", flat=True)) == sorted(
        [yes.person.email, silent.person.email]
    )
    assert "You told us you will attend" in reminded.get(to_email=yes.person.email).body_text


def test_attendance_list_for_staff(client, award):
    event = kickoff(award)
    first, second = invite_people(event=event, by=award.staff)[:2]
    answer(invitation=first, attends=True)
    client.force_login(award.staff)
    html = client.get(reverse("awards:event_attendance", args=[event.pk])).content.decode()
    assert html.count('data-testid="attending-row"') == 1
    assert first.person.full_name in html and second.person.full_name not in html


def test_event_needs_answers_before_it_starts(award):
    with pytest.raises(AwardError, match="before the event"):
        kickoff(award, starts_in=timedelta(days=1), answers_for=timedelta(days=2))
    assert not EventInvitation.objects.exists()
