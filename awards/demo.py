"""The demo continues the past edition after the decision (registered with
``reviews.demo.steps`` from ``AwardsConfig.ready``).

Of the 8 funded projects, 7 recruit their postdoc (started some ten months ago) and 1
fails: its place goes to the project still waiting on the complementary list, which is
now recruiting (staff release the held mails of the change). The month-9 reports are
in, but one is late; two name collaborations with the donor's researchers, and several
declare outputs. The kick-off meeting is coming:
the fellows, coordinators and correspondents are invited and most have answered. Every
step goes through the awards services, so the audit trail and the mails are real.
Idempotent: nothing is done when the call already has an event.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from aissai.notifications.models import OutboxMessage
from aissai.notifications.services import release_mails
from awards.models import Event, Fellowship, FellowshipState
from awards.services.endings import record_recruitment_failure
from awards.services.events import EventData, answer, create_event, invite_people
from awards.services.fellowships import Recruit, hosting_units, record_recruitment, start_fellowship
from awards.services.money import set_award_settings, set_committed_amount
from awards.services.reports import OutputData, add_donor_contact, add_milestone, submit_report
from calls.models import FundingSource

FELLOWS = [
    ("Léa Moreau", "lea.moreau"),
    ("Hugo Lefèvre", "hugo.lefevre"),
    ("Priya Raman", "priya.raman"),
    ("Tomás García", "tomas.garcia"),
    ("Inès Benali", "ines.benali"),
    ("Jonas Weber", "jonas.weber"),
    ("Chloé Dubois", "chloe.dubois"),
]
FAILING = 4  # the fifth funded project (by reference) cannot recruit
LATE = 6  # the seventh recruited fellowship has not sent its month-9 report
AMOUNT = Decimal("125000")  # 18 months of salary, charges and running costs


def ensure_awards(*, past_call: Any, open_call: Any, users: dict[str, Any]) -> bool:
    """Returns whether anything was written."""
    if Event.objects.filter(call=past_call).exists():
        return False
    staff = users["staff"]
    today = timezone.localdate()
    month9, donation, contacts = _settings_and_contacts(past_call, staff, today)
    funded = _commit_money(past_call, staff)
    recruited = _recruit(funded, staff, today)
    _send_reports(recruited, month9, donation, contacts)
    _kick_off(past_call, staff)
    return True


def _settings_and_contacts(past_call: Any, staff: Any, today):
    """The award settings, the report milestones and the donor's contacts."""
    set_award_settings(call=past_call, by=staff, recruitment_deadline=today - timedelta(days=330))
    month9 = add_milestone(call=past_call, by=staff, name_en="Month 9", name_fr="Mois 9", month=9)
    add_milestone(
        call=past_call, by=staff, name_en="Final report", name_fr="Rapport final", month=None
    )
    donation = FundingSource.objects.filter(call=past_call).order_by("created_at", "pk").first()
    contacts = [
        add_donor_contact(
            funding_source=donation,
            by=staff,
            full_name="Dr Sofia Lind",
            email="sofia.lind@research.donor.example",
            team="Machine learning for science",
        ),
        add_donor_contact(
            funding_source=donation,
            by=staff,
            full_name="Dr Kenji Mori",
            email="kenji.mori@research.donor.example",
            team="Simulation and HPC",
        ),
    ]
    return month9, donation, contacts


def _commit_money(past_call: Any, staff: Any) -> list[Fellowship]:
    """The amount of each funded fellowship; one recruitment fails and its place passes
    on. Returns the fellowships still to recruit, by reference."""
    funded = list(
        Fellowship.objects.filter(
            application__call=past_call, state=FellowshipState.RECRUITING
        ).order_by("application__reference", "pk")
    )
    for fellowship in funded:
        set_committed_amount(
            fellowship=fellowship,
            by=staff,
            amount=AMOUNT,
            reason="Salary grid of an 18-month postdoc, charges and running costs.",
        )
    failure = record_recruitment_failure(
        fellowship=funded.pop(FAILING),
        by=staff,
        reason="No candidate with the required profile accepted the position.",
    )
    # Staff read the held decline and promotion mails, then release them.
    release_mails(
        actor=staff, messages=OutboxMessage.objects.filter(pk__in=[m.pk for m in failure.mails])
    )
    for application in failure.promoted:  # the place passed on: recruiting now
        set_committed_amount(
            fellowship=Fellowship.objects.get(
                application=application, state=FellowshipState.RECRUITING
            ),
            by=staff,
            amount=AMOUNT,
            reason="Salary grid of an 18-month postdoc, charges and running costs.",
        )
    return funded


def _recruit(funded: list[Fellowship], staff: Any, today) -> list[Fellowship]:
    """The fellows recruited and started, a few days apart."""
    recruited = []
    for number, (fellowship, (name, local)) in enumerate(zip(funded, FELLOWS, strict=True)):
        start = today - timedelta(days=320 - 5 * number)
        fellowship = record_recruitment(
            fellowship=fellowship,
            by=fellowship.application.coordinator,
            recruit=Recruit(
                fellow_name=name,
                fellow_email=f"{local}@postdoc.example.org",
                phd_date=start - timedelta(days=90 + 20 * number),
                hosting_unit=hosting_units(fellowship.application)[number % 2],
                start_date=start,
            ),
        )
        recruited.append(start_fellowship(fellowship=fellowship, by=staff))
    return recruited


def _send_reports(recruited: list[Fellowship], month9, donation, contacts) -> None:
    """Every fellow but one sends the month-9 report."""
    # Two of the donation's fellows work with the donor's researchers.
    collaborating = [f.pk for f in recruited if f.funding_source_id == donation.pk][:2]
    for number, fellowship in enumerate(recruited):
        if number == LATE:
            continue
        submit_report(
            fellowship=fellowship,
            milestone=month9,
            by=fellowship.fellow,
            progress="The first models are trained and validated on the partners' data; "
            "the second year will scale them up.",
            collaborations="Joint seminar between the two units every month.",
            difficulties="" if number % 3 else "Access to computing time came two months late.",
            donor_contacts=[contacts[collaborating.index(fellowship.pk)]]
            if fellowship.pk in collaborating
            else [],
            outputs=_outputs(number),
        )


def _kick_off(past_call: Any, staff: Any) -> None:
    """The kick-off meeting, its invitations and most of the answers."""
    now = timezone.now()
    event = create_event(
        call=past_call,
        by=staff,
        data=EventData(
            title_en="Kick-off meeting of the AISSAI fellowships",
            title_fr="Réunion de lancement des contrats AISSAI",
            starts_at=now + timedelta(days=21),
            answers_until=now + timedelta(days=14),
            place="CNRS, 3 rue Michel-Ange, Paris",
            video_url="https://visio.example.org/aissai-kickoff",
            programme_en="Welcome by the foundation; a fireside talk with the donor's "
            "research director; each fellow presents their project in five minutes; posters.",
            programme_fr="Accueil par la fondation\u00a0; échange informel avec la directrice "
            "de la recherche du donateur\u00a0; chaque postdoctorant présente son projet en "
            "cinq minutes\u00a0; session de posters.",
        ),
    )
    for number, invitation in enumerate(invite_people(event=event, by=staff)):
        if number % 5 == 4:
            continue  # no answer yet
        answer(invitation=invitation, attends=number % 7 != 3)


def _outputs(number: int) -> list[OutputData]:
    outputs = [
        OutputData(
            kind="preprint",
            title=f"Learning physical priors from sparse observations ({number + 1})",
            doi=f"10.48550/arXiv.2609.{10000 + number:05d}",
        )
    ]
    if number % 2 == 0:
        outputs.append(
            OutputData(
                kind="software",
                title=f"aissai-toolkit-{number + 1}",
                url=f"https://github.com/aissai-demo/toolkit-{number + 1}",
            )
        )
    return outputs
