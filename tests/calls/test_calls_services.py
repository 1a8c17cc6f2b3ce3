"""Call services: create, edit, status transitions with their rules, clone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aissai.audit.models import AuditEvent
from calls.forms.calls import CriterionFormSet
from calls.models import Call, CallStatus, FundingSource
from calls.services.calls import (
    CallError,
    change_call_status,
    clone_call,
    create_call,
    save_call_items,
    shift_years,
    status_problems,
    update_call,
)
from reviews.models import Selection
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import (
    ApplicationFactory,
    CallFactory,
    CriterionFactory,
    FundingSourceFactory,
    RequiredDocumentFactory,
)
from tests.factories.reviews import FundingDecisionFactory, place_on_list

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
S = CallStatus


@pytest.fixture
def staff():
    return StaffFactory()


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def call_values(**overrides):
    now = timezone.now()
    values = {
        "edition_year": 2026,
        "slug": "aissai-postdoc-2026",
        "title_en": "AISSAI postdoctoral call 2026",
        "title_fr": "Appel postdoctoral AISSAI 2026",
        "opens_at": now + timedelta(days=1),
        "closes_at": now + timedelta(days=60),
        "review_deadline": now + timedelta(days=120),
    }
    return {**values, **overrides}


def events(call, verb):
    return list(AuditEvent.objects.for_object(call).filter(verb=verb))


# Create and edit


def test_create_call_makes_an_audited_draft(staff):
    call = create_call(by=staff, values=call_values(status=S.OPEN))

    assert call.status == S.DRAFT
    assert (call.min_units, call.min_institutes, call.fellowship_months) == (2, 2, 18)
    [event] = events(call, "call.created")
    assert event.actor == staff


def test_create_call_refuses_dates_out_of_order(staff):
    now = timezone.now()
    with pytest.raises(ValidationError) as caught:
        create_call(by=staff, values=call_values(closes_at=now, opens_at=now + timedelta(days=1)))

    assert "closes_at" in caught.value.message_dict
    assert not Call.objects.exists()


def test_create_call_refuses_a_reserved_slug(staff):
    with pytest.raises(ValidationError):
        create_call(by=staff, values=call_values(slug="manage"))


def test_update_call_saves_changes_with_an_audit_of_what_changed(staff):
    call = CallFactory(status=S.DRAFT)

    update_call(call=call, by=staff, values={"title_en": "New title", "min_units": 3})

    call.refresh_from_db()
    assert (call.title_en, call.min_units) == ("New title", 3)
    [event] = events(call, "call.updated")
    assert event.data["changed"] == {"title_en": "New title", "min_units": 3}


def test_update_call_keeps_the_consortium_rule_and_slug_fixed_once_open(staff):
    call = CallFactory(status=S.OPEN)

    with pytest.raises(CallError, match="fixed once the call is open"):
        update_call(call=call, by=staff, values={"min_units": 3, "slug": "other"})

    call.refresh_from_db()
    assert call.min_units == 2
    assert not events(call, "call.updated")


def test_update_call_cannot_move_an_open_deadline_into_the_past(staff):
    call = CallFactory(status=S.OPEN)

    with pytest.raises(CallError, match="close the call and give a reason"):
        update_call(
            call=call, by=staff, values={"closes_at": timezone.now() - timedelta(minutes=1)}
        )


def test_decided_and_archived_calls_cannot_be_edited(staff):
    for status in (S.DECIDED, S.ARCHIVED):
        call = CallFactory(status=status)
        with pytest.raises(CallError):
            update_call(call=call, by=staff, values={"title_en": "x"})


def test_save_call_items_saves_the_formset_and_audits(staff):
    call = CallFactory(status=S.DRAFT, with_rules=False)
    formset = CriterionFormSet(
        {
            "criteria-TOTAL_FORMS": "1",
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-position": "1",
            "criteria-0-name_en": "Excellence",
            "criteria-0-name_fr": "Excellence",
            "criteria-0-weight": "2",
            "criteria-0-scale_min": "0",
            "criteria-0-scale_max": "5",
        },
        instance=call,
        prefix="criteria",
    )
    assert formset.is_valid(), formset.errors

    save_call_items(call=call, by=staff, part="criteria", formset=formset)

    assert list(call.criteria.values_list("name_en", flat=True)) == ["Excellence"]
    [event] = events(call, "call.criteria.saved")
    assert event.data["saved"] == ["Excellence"]


def test_criteria_are_fixed_once_the_review_starts(staff):
    call = CallFactory(status=S.IN_REVIEW)
    formset = CriterionFormSet(
        {"criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0"},
        instance=call,
        prefix="criteria",
    )
    assert formset.is_valid()

    with pytest.raises(CallError):
        save_call_items(call=call, by=staff, part="criteria", formset=formset)


# Status transitions


def test_a_draft_with_criteria_documents_and_dates_opens(staff):
    call = CallFactory(status=S.DRAFT)

    change_call_status(call=call, to=S.OPEN, by=staff)

    assert Call.objects.get(pk=call.pk).status == S.OPEN
    [event] = events(call, "call.status.open")
    assert event.actor == staff
    assert (event.data["from"], event.data["to"], event.data["forced"]) == ("draft", "open", False)


def test_a_call_cannot_open_without_criteria_or_a_required_document(staff):
    call = CallFactory(status=S.DRAFT, with_rules=False)
    RequiredDocumentFactory(call=call, is_required=False)

    with pytest.raises(CallError) as caught:
        change_call_status(call=call, to=S.OPEN, by=staff)

    assert caught.value.problems == [
        "Add at least one review criterion.",
        "Add at least one required document.",
    ]
    assert Call.objects.get(pk=call.pk).status == S.DRAFT
    assert not events(call, "call.status.open")


def test_a_call_cannot_open_once_its_deadline_has_passed(staff):
    now = timezone.now()
    call = CallFactory(
        status=S.DRAFT,
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(seconds=1),
    )

    with pytest.raises(CallError) as caught:
        change_call_status(call=call, to=S.OPEN, by=staff)

    assert caught.value.problems == ["The submission deadline has passed: set a new one first."]


def test_the_open_check_reports_dates_out_of_order(staff):
    call = CallFactory(status=S.DRAFT)
    # The database refuses such dates; an unsaved instance shows the rule is checked too.
    call.review_deadline = call.closes_at - timedelta(days=1)

    assert status_problems(call=call, to=S.OPEN) == [
        "The dates must be in order: opening, submission deadline, review deadline."
    ]


def test_moves_outside_the_transition_table_are_refused(staff):
    call = CallFactory(status=S.DRAFT)

    with pytest.raises(CallError, match="cannot go from"):
        change_call_status(call=call, to=S.IN_REVIEW, by=staff)
    with pytest.raises(CallError):
        change_call_status(call=CallFactory(status=S.ARCHIVED), to=S.DECIDED, by=staff)


def test_closing_before_the_deadline_needs_force_and_a_written_reason(staff):
    call = CallFactory(status=S.OPEN)

    with pytest.raises(CallError, match="has not passed yet"):
        change_call_status(call=call, to=S.CLOSED, by=staff)
    with pytest.raises(CallError, match="needs a written reason"):
        change_call_status(call=call, to=S.CLOSED, by=staff, force=True, reason="   ")
    assert Call.objects.get(pk=call.pk).status == S.OPEN

    change_call_status(
        call=call, to=S.CLOSED, by=staff, force=True, reason="Funding withdrawn by the donor."
    )

    call.refresh_from_db()
    assert call.status == S.CLOSED
    [event] = events(call, "call.status.closed")
    assert event.data["forced"] is True
    assert event.data["reason"] == "Funding withdrawn by the donor."
    assert event.data["deadline"] is not None


def test_closing_after_the_deadline_needs_no_reason(staff):
    now = timezone.now()
    call = CallFactory(
        status=S.OPEN, opens_at=now - timedelta(days=30), closes_at=now - timedelta(minutes=1)
    )

    change_call_status(call=call, to=S.CLOSED, by=staff)

    [event] = events(call, "call.status.closed")
    assert (event.data["forced"], event.data["reason"]) == (False, "")


def test_the_whole_life_of_a_call_is_audited_step_by_step(staff):
    now = timezone.now()
    call = CallFactory(
        status=S.DRAFT, opens_at=now - timedelta(days=30), closes_at=now + timedelta(hours=1)
    )
    change_call_status(call=call, to=S.OPEN, by=staff)
    Call.objects.filter(pk=call.pk).update(closes_at=now - timedelta(minutes=1))

    for status in (S.CLOSED, S.IN_REVIEW, S.SELECTION):
        change_call_status(call=call, to=status, by=staff)
    # "Decided" needs the lists fixed and a decision for each main-list place.
    funded = FundingDecisionFactory(application=ApplicationFactory(call=call)).application
    place_on_list(funded, kind="main", position=1)
    Selection.objects.create(call=call, fixed_at=timezone.now(), fixed_by=staff)
    for status in (S.DECIDED, S.ARCHIVED):
        change_call_status(call=call, to=status, by=staff)

    verbs = AuditEvent.objects.for_object(call).order_by("id").values_list("verb", flat=True)
    assert list(verbs) == [
        "call.status.open",
        "call.status.closed",
        "call.status.in_review",
        "call.status.selection",
        "call.status.decided",
        "call.status.archived",
    ]
    assert Call.objects.get(pk=call.pk).status == S.ARCHIVED


def test_an_open_call_goes_back_to_draft_only_while_nobody_applied(staff):
    call = CallFactory(status=S.OPEN)
    change_call_status(call=call, to=S.DRAFT, by=staff)
    assert Call.objects.get(pk=call.pk).status == S.DRAFT

    change_call_status(call=call, to=S.OPEN, by=staff)
    ApplicationFactory(call=call)
    with pytest.raises(CallError, match="already started applications"):
        change_call_status(call=call, to=S.DRAFT, by=staff)


def test_a_call_closed_early_can_reopen_while_its_deadline_is_ahead(staff):
    call = CallFactory(status=S.CLOSED)

    change_call_status(call=call, to=S.OPEN, by=staff)

    assert Call.objects.get(pk=call.pk).status == S.OPEN


def test_only_programme_staff_change_a_call_status():
    call = CallFactory(status=S.DRAFT)

    with pytest.raises(CallError):
        change_call_status(call=call, to=S.OPEN, by=UserFactory())

    assert Call.objects.get(pk=call.pk).status == S.DRAFT


# Clone


def test_clone_makes_a_draft_edition_a_year_later(staff):
    source = CallFactory(
        edition_year=2025,
        slug="aissai-postdoc-2025",
        title_en="AISSAI postdoctoral call 2025",
        title_fr="Appel postdoctoral AISSAI 2025",
        status=S.DECIDED,
        opens_at=paris(2025, 1, 15, 9, 0),
        closes_at=paris(2025, 3, 31, 12, 0),  # summer time in Paris
        review_deadline=paris(2025, 6, 1, 18, 0),
        tie_break_order=["criterion:1", "institutes"],
        min_units=3,
        next_reference_number=56,
    )
    FundingSourceFactory(call=source)
    ApplicationFactory(call=source)

    call = clone_call(source=source, by=staff)

    assert call.pk != source.pk
    assert (call.status, call.edition_year, call.slug) == (S.DRAFT, 2026, "aissai-postdoc-2026")
    assert call.title_en == "AISSAI postdoctoral call 2026"
    assert call.title_fr == "Appel postdoctoral AISSAI 2026"
    assert call.opens_at == paris(2026, 1, 15, 9, 0)
    assert call.closes_at == paris(2026, 3, 31, 12, 0)
    assert call.review_deadline == paris(2026, 6, 1, 18, 0)
    assert (call.min_units, call.tie_break_order) == (3, ["criterion:1", "institutes"])
    assert call.next_reference_number == 1
    assert call.cloned_from == source
    assert list(call.criteria.values_list("name_en", "weight", "position")) == list(
        source.criteria.values_list("name_en", "weight", "position")
    )
    assert list(call.required_documents.values_list("kind", "max_bytes")) == list(
        source.required_documents.values_list("kind", "max_bytes")
    )
    assert source.criteria.count() == 4  # the source keeps its own
    assert FundingSource.objects.filter(call=call).count() == 0
    assert call.applications.count() == 0
    [event] = events(call, "call.cloned")
    assert event.data["source"] == source.pk


def test_clone_finds_a_free_slug_and_accepts_a_chosen_one(staff):
    source = CallFactory(edition_year=2025, slug="aissai")
    first = clone_call(source=source, by=staff)
    second = clone_call(source=source, by=staff)
    third = clone_call(source=source, by=staff, edition_year=2027, slug="aissai-third")

    assert (first.slug, second.slug, third.slug) == ("aissai-2026", "aissai-2026-2", "aissai-third")
    assert third.closes_at.astimezone(PARIS).year == source.closes_at.astimezone(PARIS).year + 2


def test_shift_years_keeps_paris_wall_clock_and_handles_29_february():
    assert shift_years(paris(2024, 2, 29, 12, 0), 1) == paris(2025, 2, 28, 12, 0)
    assert shift_years(paris(2025, 7, 1, 23, 59), 1) == paris(2026, 7, 1, 23, 59)


def test_cloned_call_with_its_criteria_can_open(staff):
    source = CallFactory(status=S.ARCHIVED, edition_year=2025)
    CriterionFactory(call=source)
    call = clone_call(source=source, by=staff)

    change_call_status(call=call, to=S.OPEN, by=staff)

    assert Call.objects.get(pk=call.pk).status == S.OPEN
