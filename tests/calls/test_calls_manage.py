"""Call management pages: programme staff only; forms, formsets, clone and status actions."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from calls.models import Call, CallStatus
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.calls import (
    ApplicationFactory,
    CallFactory,
    CriterionFactory,
    call_form_data,
    local,
)

pytestmark = pytest.mark.django_db
S = CallStatus
SLUG = "aissai-2025"


def manage_urls(slug: str = SLUG) -> list[str]:
    return [
        reverse("calls:manage_call_list"),
        reverse("calls:manage_call_create"),
        reverse("calls:manage_call", args=[slug]),
        reverse("calls:manage_call_edit", args=[slug]),
        reverse("calls:manage_call_criteria", args=[slug]),
        reverse("calls:manage_call_documents", args=[slug]),
        reverse("calls:manage_call_funding", args=[slug]),
        reverse("calls:manage_call_clone", args=[slug]),
        reverse("calls:manage_call_status", args=[slug, "closed"]),
    ]


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


# Who may see these pages


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, method):
    CallFactory(slug=SLUG)
    for url in manage_urls():
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    assert Call.objects.get(slug=SLUG).status == S.OPEN


@pytest.mark.parametrize("user_factory", [UserFactory, SuperuserFactory])
@pytest.mark.parametrize("method", ["get", "post"])
def test_people_who_are_not_programme_staff_get_not_found(client, user_factory, method):
    CallFactory(slug=SLUG)
    client.force_login(user_factory())
    for url in manage_urls():
        assert getattr(client, method)(url).status_code == 404, url
    assert Call.objects.get(slug=SLUG).status == S.OPEN
    assert Call.objects.count() == 1


def test_unknown_call_is_not_found_for_staff(staff_client):
    for url in manage_urls("no-such-call")[2:]:
        assert staff_client.get(url).status_code == 404, url


# List and overview


def test_call_list_shows_every_call_with_application_counts(staff_client):
    call = CallFactory(title_en="Open call")
    CallFactory(status=S.DRAFT, title_en="Draft call")
    ApplicationFactory(call=call)
    ApplicationFactory(call=call, status="submitted")

    response = staff_client.get(reverse("calls:manage_call_list"))

    assert response.status_code == 200
    rows = {
        c.title_en: (c.applications_total, c.applications_submitted)
        for c in response.context["calls"]
    }
    assert rows == {"Open call": (2, 1), "Draft call": (0, 0)}
    assert "Draft call" in response.content.decode()


def test_call_list_query_count_is_the_same_for_one_and_three_calls(staff_client):
    url = reverse("calls:manage_call_list")
    ApplicationFactory(call=CallFactory())
    with CaptureQueriesContext(connection) as one:
        staff_client.get(url)
    ApplicationFactory(call=CallFactory())
    CallFactory(status=S.DRAFT)
    with CaptureQueriesContext(connection) as three:
        response = staff_client.get(url)

    assert len(response.context["calls"]) == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_overview_offers_the_moves_of_the_transition_table(staff_client):
    call = CallFactory(slug=SLUG)

    response = staff_client.get(reverse("calls:manage_call", args=[SLUG]))

    assert [target for target, _label in response.context["actions"]] == [S.CLOSED, S.DRAFT]
    assert (
        reverse("calls:manage_call_status", args=[call.slug, "closed"]) in response.content.decode()
    )


# Create and edit


def test_staff_create_a_draft_call(staff_client):
    response = staff_client.post(reverse("calls:manage_call_create"), call_form_data())

    call = Call.objects.get(slug="aissai-2026")
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:manage_call", args=[call.slug])
    assert call.status == S.DRAFT
    assert call.tie_break_order == ["criterion:1", "institutes"]
    assert AuditEvent.objects.for_object(call).filter(verb="call.created").exists()


def test_create_form_explains_dates_out_of_order_and_saves_nothing(staff_client):
    now = timezone.now()
    data = call_form_data(closes_at=local(now + timedelta(days=5)))

    response = staff_client.post(reverse("calls:manage_call_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "closes_at": ["The submission deadline must come after the opening."]
    }
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    ("field", "values", "message"),
    [
        ("slug", {"slug": "manage"}, "This short name is reserved: choose another one."),
        ("tie_break_order", {"tie_break_order_0": "loudest"}, "“loudest” is not a rule."),
        (
            "tie_break_order",
            {"tie_break_order_0": "units", "tie_break_order_1": "units"},
            "A rule appears twice.",
        ),
    ],
)
def test_create_form_rejects_bad_values(staff_client, field, values, message):
    response = staff_client.post(reverse("calls:manage_call_create"), call_form_data(**values))

    assert response.context["form"].errors == {field: [message]}
    assert not Call.objects.exists()


def test_staff_edit_a_call_and_the_change_is_audited(staff_client):
    now = timezone.now().replace(second=0, microsecond=0)
    call = CallFactory(
        slug=SLUG,
        status=S.DRAFT,
        opens_at=now,
        closes_at=now + timedelta(days=30),
        review_deadline=now + timedelta(days=90),
    )

    response = staff_client.post(
        reverse("calls:manage_call_edit", args=[SLUG]),
        call_form_data(call, title_en="A better title", min_units=3),
    )

    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.title_en, call.min_units) == ("A better title", 3)
    event = AuditEvent.objects.for_object(call).get(verb="call.updated")
    assert set(event.data["changed"]) == {"title_en", "min_units"}


def test_once_open_the_rule_fields_are_shown_but_not_changed(staff_client):
    call = CallFactory(slug=SLUG)
    url = reverse("calls:manage_call_edit", args=[SLUG])

    form = staff_client.get(url).context["form"]
    assert form.fields["min_units"].disabled and form.fields["slug"].disabled
    staff_client.post(url, call_form_data(call, min_units=5, slug="hacked", title_en="New"))

    call.refresh_from_db()
    assert (call.slug, call.min_units, call.title_en) == (SLUG, 2, "New")


def test_archived_call_edit_page_sends_back_to_the_overview(staff_client):
    CallFactory(slug=SLUG, status=S.ARCHIVED)

    response = staff_client.get(reverse("calls:manage_call_edit", args=[SLUG]))

    assert response.status_code == 302
    assert response["Location"] == reverse("calls:manage_call", args=[SLUG])


# Criteria, documents, funding


def test_staff_add_a_criterion_through_the_formset(staff_client):
    call = CallFactory(slug=SLUG, status=S.DRAFT, with_rules=False)
    data = {
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-position": "1",
        "criteria-0-name_en": "Scientific excellence",
        "criteria-0-name_fr": "Excellence scientifique",
        "criteria-0-weight": "2",
        "criteria-0-scale_min": "0",
        "criteria-0-scale_max": "5",
        "criteria-0-allow_na": "on",
    }

    response = staff_client.post(reverse("calls:manage_call_criteria", args=[SLUG]), data)

    assert response.status_code == 302
    criterion = call.criteria.get()
    assert (criterion.name_fr, criterion.weight, criterion.allow_na) == (
        "Excellence scientifique",
        2,
        True,
    )


def test_criterion_scale_must_go_up(staff_client):
    call = CallFactory(slug=SLUG, status=S.DRAFT, with_rules=False)
    data = {
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-position": "1",
        "criteria-0-name_en": "Excellence",
        "criteria-0-name_fr": "Excellence",
        "criteria-0-weight": "0",
        "criteria-0-scale_min": "5",
        "criteria-0-scale_max": "5",
    }

    response = staff_client.post(reverse("calls:manage_call_criteria", args=[SLUG]), data)

    assert response.context["formset"].errors == [
        {
            "scale_max": ["The highest score must be above the lowest."],
            "weight": ["The weight must be above zero."],
        }
    ]
    assert not call.criteria.exists()


def test_staff_remove_a_criterion(staff_client):
    call = CallFactory(slug=SLUG, status=S.DRAFT, with_rules=False)
    criterion = CriterionFactory(call=call)
    data = {
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "1",
        "criteria-0-id": criterion.pk,
        "criteria-0-call": call.pk,
        "criteria-0-position": "0",
        "criteria-0-name_en": criterion.name_en,
        "criteria-0-name_fr": criterion.name_fr,
        "criteria-0-weight": "1",
        "criteria-0-scale_min": "0",
        "criteria-0-scale_max": "5",
        "criteria-0-DELETE": "on",
    }

    staff_client.post(reverse("calls:manage_call_criteria", args=[SLUG]), data)

    assert not call.criteria.exists()


def test_criteria_cannot_change_once_the_review_started(staff_client):
    call = CallFactory(slug=SLUG, status=S.IN_REVIEW)
    data = {"criteria-TOTAL_FORMS": "0", "criteria-INITIAL_FORMS": "0"}
    url = reverse("calls:manage_call_criteria", args=[SLUG])

    assert staff_client.get(url).context["editable"] is False
    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert call.criteria.count() == 4


def test_staff_add_a_required_document_with_its_size_in_megabytes(staff_client):
    call = CallFactory(slug=SLUG, status=S.DRAFT, with_rules=False)
    data = {
        "documents-TOTAL_FORMS": "1",
        "documents-INITIAL_FORMS": "0",
        "documents-0-position": "1",
        "documents-0-kind": "letter",
        "documents-0-name_en": "Support letter",
        "documents-0-name_fr": "Lettre de soutien",
        "documents-0-max_mb": "5",
        "documents-0-is_required": "on",
    }

    response = staff_client.post(reverse("calls:manage_call_documents", args=[SLUG]), data)

    assert response.status_code == 302
    document = call.required_documents.get()
    assert (document.kind, document.max_bytes, document.is_required) == (
        "letter",
        5 * 1024 * 1024,
        True,
    )


def test_required_document_size_is_capped(staff_client, settings):
    settings.DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    CallFactory(slug=SLUG, status=S.DRAFT, with_rules=False)
    data = {
        "documents-TOTAL_FORMS": "1",
        "documents-INITIAL_FORMS": "0",
        "documents-0-position": "1",
        "documents-0-kind": "letter",
        "documents-0-name_en": "Letter",
        "documents-0-name_fr": "Lettre",
        "documents-0-max_mb": "50",
    }

    response = staff_client.post(reverse("calls:manage_call_documents", args=[SLUG]), data)

    assert response.context["formset"].errors == [
        {"max_mb": ["Ensure this value is less than or equal to 10."]}
    ]


def test_staff_add_a_funding_source(staff_client):
    call = CallFactory(slug=SLUG, status=S.SELECTION)
    data = {
        "funding-TOTAL_FORMS": "1",
        "funding-INITIAL_FORMS": "0",
        "funding-0-name": "Industry donation",
        "funding-0-fellowships": "6",
        "funding-0-amount": "720000",
        "funding-0-granted_on": "2025-01-10",
    }

    response = staff_client.post(reverse("calls:manage_call_funding", args=[SLUG]), data)

    assert response.status_code == 302
    assert list(call.funding_sources.values_list("name", "fellowships")) == [
        ("Industry donation", 6)
    ]
    assert AuditEvent.objects.for_object(call).filter(verb="call.funding.saved").exists()


# Clone


def test_clone_page_suggests_the_next_edition_and_creates_it(staff_client):
    source = CallFactory(slug="aissai-postdoc-2025", edition_year=2025, status=S.ARCHIVED)
    url = reverse("calls:manage_call_clone", args=[source.slug])

    form = staff_client.get(url).context["form"]
    assert form.initial == {
        "edition_year": 2026,
        "slug": "aissai-postdoc-2026",
        "reference_prefix": "AISSAI",
    }
    response = staff_client.post(url, form.initial)

    clone = Call.objects.get(slug="aissai-postdoc-2026")
    assert response["Location"] == reverse("calls:manage_call_edit", args=[clone.slug])
    assert (clone.status, clone.cloned_from) == (S.DRAFT, source)
    assert clone.criteria.count() == 4


def test_clone_refuses_a_slug_in_use(staff_client):
    source = CallFactory(slug="aissai-postdoc-2025", edition_year=2025)

    response = staff_client.post(
        reverse("calls:manage_call_clone", args=[source.slug]),
        {"edition_year": 2026, "slug": source.slug, "reference_prefix": "AISSAI"},
    )

    assert response.context["form"].errors == {
        "slug": ["Another call already uses this short name."]
    }
    assert Call.objects.count() == 1


# Status actions


def test_status_page_asks_for_confirmation_and_get_changes_nothing(staff_client):
    call = CallFactory(slug=SLUG, status=S.DRAFT)

    response = staff_client.get(reverse("calls:manage_call_status", args=[SLUG, "open"]))

    assert response.status_code == 200
    assert response.context["problems"] == []
    assert "Confirm" in response.content.decode()
    assert Call.objects.get(pk=call.pk).status == S.DRAFT


def test_status_page_lists_what_blocks_the_move(staff_client):
    CallFactory(slug=SLUG, status=S.DRAFT, with_rules=False)
    url = reverse("calls:manage_call_status", args=[SLUG, "open"])

    assert staff_client.get(url).context["problems"] == [
        "Add at least one review criterion.",
        "Add at least one required document.",
    ]
    response = staff_client.post(url)
    assert response.status_code == 200
    assert Call.objects.get(slug=SLUG).status == S.DRAFT


def test_staff_open_a_call_on_post(staff_client):
    call = CallFactory(slug=SLUG, status=S.DRAFT)

    response = staff_client.post(reverse("calls:manage_call_status", args=[SLUG, "open"]))

    assert response["Location"] == reverse("calls:manage_call", args=[SLUG])
    assert Call.objects.get(pk=call.pk).status == S.OPEN


def test_closing_early_from_the_page_needs_the_box_and_a_reason(staff_client):
    call = CallFactory(slug=SLUG)
    url = reverse("calls:manage_call_status", args=[SLUG, "closed"])

    assert staff_client.get(url).context["early_close"] is True
    response = staff_client.post(url, {"reason": "Donor withdrew"})
    assert "has not passed yet" in response.content.decode()
    response = staff_client.post(url, {"force": "on", "reason": ""})
    assert response.context["problems"] == ["Closing before the deadline needs a written reason."]
    assert Call.objects.get(pk=call.pk).status == S.OPEN

    staff_client.post(url, {"force": "on", "reason": "Donor withdrew"})

    assert Call.objects.get(pk=call.pk).status == S.CLOSED
    event = AuditEvent.objects.for_object(call).get(verb="call.status.closed")
    assert (event.data["forced"], event.data["reason"]) == (True, "Donor withdrew")


@pytest.mark.parametrize("target", ["in_review", "archived", "nonsense"])
def test_moves_outside_the_table_are_not_found(staff_client, target):
    CallFactory(slug=SLUG, status=S.DRAFT)

    response = staff_client.post(reverse("calls:manage_call_status", args=[SLUG, target]))

    assert response.status_code == 404
    assert Call.objects.get(slug=SLUG).status == S.DRAFT


@pytest.mark.parametrize("status", [S.DRAFT, S.OPEN, S.ARCHIVED])
def test_every_page_renders_for_staff(staff_client, status):
    call = CallFactory(slug=SLUG, status=status)
    ApplicationFactory(call=call)

    for url in manage_urls()[:-1]:
        response = staff_client.get(url)
        assert response.status_code in (200, 302), url
    content = staff_client.get(reverse("calls:manage_call", args=[SLUG])).content.decode()
    assert call.title_en in content


def test_call_management_pages_show_the_call_tabs_with_settings_active(staff_client):
    CallFactory(slug=SLUG, status=S.DRAFT)
    settings_tab = f'aria-current="page" href="{reverse("calls:manage_call", args=[SLUG])}"'
    status_url = reverse("calls:manage_call_status", args=[SLUG, "open"])
    for url in [*manage_urls()[2:-1], status_url]:
        html = staff_client.get(url).content.decode()
        nav = html[html.index('data-testid="staff-call-nav"') :]
        nav = nav[: nav.index("</ul>")]
        assert settings_tab in nav, url
        assert nav.count('aria-current="page"') == 1, url
        assert f'href="{reverse("calls:staff_applications", args=[SLUG])}"' in nav, url


def test_call_list_and_new_call_pages_have_no_call_tabs(staff_client):
    CallFactory(slug=SLUG)
    for url in manage_urls()[:2]:
        assert 'data-testid="staff-call-nav"' not in staff_client.get(url).content.decode()


def test_a_call_without_funding_source_is_flagged_until_one_is_added(staff_client):
    """A cloned call starts with no funding source: its page says so until one exists."""
    source = CallFactory(slug="aissai-postdoc-2025", edition_year=2025, status=S.ARCHIVED)
    staff_client.post(
        reverse("calls:manage_call_clone", args=[source.slug]),
        {"edition_year": 2026, "slug": "aissai-postdoc-2026"},
    )
    clone = Call.objects.get(slug="aissai-postdoc-2026")
    overview = reverse("calls:manage_call", args=[clone.slug])

    assert 'id="no-funding-source"' in staff_client.get(overview).content.decode()
    clone.funding_sources.create(name="Donation", fellowships=6)
    assert 'id="no-funding-source"' not in staff_client.get(overview).content.decode()


@pytest.mark.parametrize("required", [True, False])
def test_the_overview_says_whether_partners_must_confirm_before_submission(staff_client, required):
    call = CallFactory(partner_confirmation_required=required)

    html = staff_client.get(reverse("calls:manage_call", args=[call.slug])).content.decode()

    rule = html[html.index('id="partner-confirmation"') :].split("</dd>")[0]
    expected = "must confirm participation" if required else "Not required"
    assert expected in rule


def test_the_tie_break_order_is_chosen_from_named_rules_never_typed_as_codes(staff_client):
    """The new-call page showed `criterion:N` and `submitted_at` to staff: each rule is now
    a drop-down of named rules, and an edited call's criteria appear by name."""
    html = staff_client.get(reverse("calls:manage_call_create")).content.decode()
    assert "criterion:N" not in html and "submitted_at)" not in html
    assert 'aria-label="Tie-break rule 1"' in html
    assert ">Earlier submission</option>" in html

    call = CallFactory()
    CriterionFactory(call=call, position=1, name_en="Scientific excellence")
    html = staff_client.get(reverse("calls:manage_call_edit", args=[call.slug])).content.decode()
    assert ">Higher score on criterion 1: Scientific excellence</option>" in html


def test_saving_a_call_whose_deadline_is_past_warns_at_once(staff_client):
    """Accepted without a word before: the refusal only came when opening the call."""
    now = timezone.now()
    data = call_form_data(
        opens_at=local(now - timedelta(days=30)),
        closes_at=local(now - timedelta(days=1)),
        review_deadline=local(now + timedelta(days=30)),
    )

    response = staff_client.post(reverse("calls:manage_call_create"), data, follow=True)

    call = Call.objects.get(slug="aissai-2026")
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert (
        "warning",
        "The submission deadline is already past: the call cannot be opened "
        "until you set a new one.",
    ) in shown

    data = call_form_data(call, closes_at=local(now + timedelta(days=5)))
    response = staff_client.post(
        reverse("calls:manage_call_edit", args=[call.slug]), data, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_new_call_page_names_the_tie_break_rules_in_words(staff_client, language):
    staff_client.cookies["django_language"] = language
    html = staff_client.get(reverse("calls:manage_call_create")).content.decode()
    # What people read: the text outside tags (option values are codes, not read).
    text = re.sub(r"<[^>]+>", " ", html)
    assert "criterion:" not in text and "submitted_at" not in text and "institutes'" not in text
    words = "Higher score on criterion 1" if language == "en" else "critère 1"
    assert words in text
    # The drop-downs' accessible names too, though the form class is built at import.
    label = "Tie-break rule 5" if language == "en" else "Règle de départage 5"
    assert f'aria-label="{label}"' in html
