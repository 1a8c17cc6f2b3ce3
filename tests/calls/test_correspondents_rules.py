"""Roles never leak: staff who apply cannot see their own application's evaluation, and the
correspondent predicates agree with the visibility selector."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from calls.models import (
    Application,
    ApplicationStatus,
    Partner,
    StaffConflict,
    StaffConflictSource,
    StaffConflictStatus,
)
from calls.rules import is_applicant_of, is_conflicted_staff, is_correspondent_for
from calls.selectors.applications import (
    applications_visible_to,
    involving_person,
    with_content,
)
from calls.selectors.correspondents import correspondent_roles
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import (
    ApplicationFactory,
    correspondent_of,
    eligible_partners,
    submitted_application,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    return submitted_application(institutes=("INS2I", "INP"))


def test_staff_coordinator_is_conflicted_on_their_own_application(application):
    application.coordinator.is_programme_staff = True
    application.coordinator.save(update_fields=["is_programme_staff"])

    assert is_conflicted_staff(application.coordinator, application)
    assert not rules.test_rule(
        "calls.view_application_reviews", application.coordinator, application
    )


def test_staff_partner_lead_is_conflicted_whatever_the_case_of_the_address(application):
    lead = application.partners.order_by("position").last()
    staff = StaffFactory(email=lead.lead_email.upper())

    assert is_conflicted_staff(staff, application)
    assert not rules.test_rule("calls.view_application_reviews", staff, application)


def test_other_staff_are_not_conflicted(application):
    staff = StaffFactory()

    assert not is_conflicted_staff(staff, application)
    assert rules.test_rule("calls.view_application_reviews", staff, application)


def test_staff_coordinator_may_see_the_reviews_of_other_applications(application):
    staff = StaffFactory()
    ApplicationFactory(coordinator=staff)

    assert not is_conflicted_staff(staff, application)
    assert rules.test_rule("calls.view_application_reviews", staff, application)


@pytest.mark.parametrize("who", ["coordinator", "stranger", "anonymous"])
def test_only_staff_may_see_reviews(application, who):
    user = {
        "coordinator": application.coordinator,
        "stranger": UserFactory(),
        "anonymous": AnonymousUser(),
    }[who]

    assert not is_conflicted_staff(user, application)
    assert not rules.test_rule("calls.view_application_reviews", user, application)


def test_involving_person_finds_coordinated_and_led_applications_once(application):
    person = UserFactory()
    coordinated = ApplicationFactory(coordinator=person)
    led = submitted_application(institutes=("INS2I", "INP", "INSB"))
    led.partners.update(lead_email=person.email.title())  # every partner, one result
    submitted_application()  # someone else's

    found = list(Application.objects.filter(involving_person(person)))

    assert sorted(a.pk for a in found) == sorted([coordinated.pk, led.pk])
    assert not Application.objects.filter(involving_person(AnonymousUser())).exists()
    assert application not in Application.objects.filter(involving_person(person))


def test_is_applicant_of_uses_prefetched_partners(django_assert_num_queries, application):
    lead = application.partners.first()
    person = UserFactory(email=lead.lead_email)
    loaded = with_content(Application.objects.all()).get(pk=application.pk)

    with django_assert_num_queries(0):
        assert is_applicant_of(person, loaded)


@pytest.mark.parametrize(
    ("status", "submitted", "visible"),
    [
        (ApplicationStatus.DRAFT, False, False),
        (ApplicationStatus.DRAFT, True, False),  # reopened
        (ApplicationStatus.WITHDRAWN, False, False),  # withdrawn before any submission
        (ApplicationStatus.WITHDRAWN, True, True),
        (ApplicationStatus.SUBMITTED, True, True),
        (ApplicationStatus.INELIGIBLE, True, True),
        (ApplicationStatus.FUNDED, True, True),
    ],
)
def test_correspondent_predicate_agrees_with_the_selector(status, submitted, visible):
    application = ApplicationFactory(
        status=status, submitted_at=timezone.now() if submitted else None
    )
    eligible_partners(application, ("INS2I", "INP"))
    inp, insb = correspondent_of("INP"), correspondent_of("INSB")
    loaded = with_content(Application.objects.all()).get(pk=application.pk)

    assert is_correspondent_for(inp, loaded) is visible
    assert applications_visible_to(inp).filter(pk=application.pk).exists() is visible
    assert is_correspondent_for(insb, loaded) is False
    assert not applications_visible_to(insb).filter(pk=application.pk).exists()


def test_roles_are_cached_on_the_user_object(django_assert_num_queries):
    person = correspondent_of("INP", "INSB")

    with django_assert_num_queries(1):
        assert [r.institute.acronym for r in correspondent_roles(person)] == ["INP", "INSB"]
        assert rules.test_rule("calls.is_correspondent", person)
        correspondent_roles(person)

    assert not rules.test_rule("calls.is_correspondent", UserFactory())
    assert not rules.test_rule("calls.is_correspondent", AnonymousUser())


def test_staff_named_as_a_partner_lead_are_conflicted_only_once_they_confirm(application):
    lead = application.partners.order_by("position").last()
    Partner.objects.filter(pk=lead.pk).update(confirmed_at=None)
    staff = StaffFactory(email=lead.lead_email)
    loaded = with_content(Application.objects.all()).get(pk=application.pk)

    assert not is_conflicted_staff(staff, loaded)
    assert rules.test_rule("calls.view_application_reviews", staff, loaded)

    Partner.objects.filter(pk=lead.pk).update(confirmed_at=timezone.now())
    loaded = with_content(Application.objects.all()).get(pk=application.pk)
    assert is_conflicted_staff(staff, loaded)
    assert not rules.test_rule("calls.view_application_reviews", staff, loaded)


def test_a_declared_staff_conflict_withholds_the_reviews(application):
    staff = StaffFactory()
    StaffConflict.objects.create(
        application=application,
        user=staff,
        source=StaffConflictSource.DECLARED,
        status=StaffConflictStatus.CONFIRMED,
        reason="My spouse leads a partner unit.",
    )

    assert is_conflicted_staff(staff, application)
    assert not rules.test_rule("calls.view_application_reviews", staff, application)
