"""No second write path: every ModelAdmin, inline and staff formset that could write a status,
a list position, a decision, a funding figure or a criterion weight either shows it
read-only or saves it through the service that checks, audits and notifies.

A new admin, inline, action, ``list_editable`` column or staff formset that writes one of
these fields makes this test fail until it goes through a service and is added to
``ALLOWED`` below, with the reason.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.test import RequestFactory

from calls.forms.calls import FORMSETS
from calls.models import Call, FundingSource
from tests.factories.accounts import SuperuserFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"accounts", "audit", "notifications", "calls", "reviews"}

# model label -> the fields only a service writes
GUARDED: dict[str, set[str]] = {
    "calls.call": {"status", "fellowships", "complementary_size", "next_reference_number"},
    "calls.application": {"status", "reference", "submitted_at", "eligibility_overridden"},
    "calls.partner": {"unit", "institute", "confirmed_at"},
    "calls.fundingsource": {"fellowships", "amount"},
    "calls.criterion": {"weight", "scale_min", "scale_max"},
    "reviews.rankedlist": {"kind", "version"},
    "reviews.listentry": {"position", "application"},
    "reviews.listmove": {"kind", "to_position", "from_position"},
    "reviews.fundingdecision": {"outcome", "funding_source", "is_current"},
    "reviews.selection": {"fixed_at", "published_at", "closed_at"},
    "reviews.invitation": {"status"},
    "reviews.review": {"status", "total"},
    "reviews.criterionscore": {"score"},
    "reviews.conflict": {"status"},
    "reviews.assignment": {"is_active"},
    "notifications.outboxmessage": {"status"},
    "accounts.institutecorrespondent": {"active"},
    "calls.institutecorrespondent": {"active"},
}

# (admin or formset, field) -> why it may write the field
ALLOWED: dict[tuple[str, str], str] = {
    ("CallAdmin", "fellowships"): "CallAdmin.save_model saves through update_call",
    ("CallAdmin", "complementary_size"): "CallAdmin.save_model saves through update_call",
    ("ListEntryInline", "position"): "RankedListAdmin.save_formset calls reorder_lists",
    ("CriterionInline", "weight"): "Criterion.clean refuses it once a review was scored",
    ("CriterionInline", "scale_min"): "Criterion.clean refuses it once a review was scored",
    ("CriterionInline", "scale_max"): "Criterion.clean refuses it once a review was scored",
    ("criteria", "weight"): "Criterion.clean refuses it once a review was scored",
    ("criteria", "scale_min"): "Criterion.clean refuses it once a review was scored",
    ("criteria", "scale_max"): "Criterion.clean refuses it once a review was scored",
    ("funding", "fellowships"): "saved only by calls.services.funding (the reviews writer)",
    ("funding", "amount"): "saved only by calls.services.funding (the reviews writer)",
}

# admin actions -> the service each one calls
ALLOWED_ACTIONS: dict[tuple[str, str], str] = {
    ("RankedListAdmin", "reset_to_score_order"): "reviews.services.list_edits.reset_to_score_order",
    ("OutboxMessageAdmin", "release"): "aissai.notifications.services.release_mails",
    ("OutboxMessageAdmin", "discard"): "aissai.notifications.services.discard_mails",
    ("OutboxMessageAdmin", "retry"): "aissai.notifications.services.retry_mails",
    ("InstituteCorrespondentAdmin", "revoke_roles"): "calls.services.correspondents",
    ("InstituteCorrespondentAdmin", "grant_again"): "calls.services.correspondents",
    ("UserAdmin", "anonymise_people"): "aissai.accounts.personal_data.anonymise_person",
    ("UserAdmin", "reset_second_factors"): "aissai.accounts.second_factor.reset_second_factor",
    ("UserAdmin", "delete_selected"): "Django's own; users are not guarded here",
}


@pytest.fixture
def request_():
    request = RequestFactory().get("/admin/")
    request.user = SuperuserFactory()
    return request


def _writable(model_admin, request) -> set[str]:
    """The fields a superuser can submit through this admin or inline (no object yet, the
    widest case for admins whose read-only fields depend on the object)."""
    if not (model_admin.has_change_permission(request) or _can_add(model_admin, request)):
        return set()
    fieldsets = model_admin.get_fieldsets(request)
    shown = set(flatten_fieldsets(fieldsets))
    return shown - set(model_admin.get_readonly_fields(request))


def _can_add(model_admin, request) -> bool:
    if isinstance(model_admin, admin.options.InlineModelAdmin):
        return model_admin.has_add_permission(request, None)
    return model_admin.has_add_permission(request)


def _admins(request):
    for model, model_admin in admin.site._registry.items():
        yield model, model_admin
        for inline in model_admin.get_inline_instances(request):
            yield inline.model, inline


def _violations(name: str, model, fields: set[str]) -> list[str]:
    guarded = GUARDED.get(model._meta.label_lower, set())
    return [
        f"{name} writes {model._meta.label_lower}.{field}"
        for field in sorted(fields & guarded)
        if (name, field) not in ALLOWED
    ]


def test_no_admin_or_inline_writes_a_guarded_field_outside_a_service(request_):
    problems = []
    for model, model_admin in _admins(request_):
        name = type(model_admin).__name__
        problems += _violations(name, model, _writable(model_admin, request_))
        editable = set(getattr(model_admin, "list_editable", ()) or ())
        problems += [f"{name} list_editable {f}" for f in _violations(name, model, editable)]

    assert problems == []


def test_every_admin_action_is_known_to_call_a_service(request_):
    unknown = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue  # third-party admins (axes) write none of these models
        name = type(model_admin).__name__
        for action in model_admin.get_actions(request_):
            if (name, action) not in ALLOWED_ACTIONS and action != "delete_selected":
                unknown.append((name, action))
            if action == "delete_selected" and model_admin.model._meta.label_lower in GUARDED:
                unknown.append((name, action))

    assert unknown == []


def test_no_staff_formset_writes_a_guarded_field_outside_a_service():
    problems = []
    for part, formset_class in FORMSETS.items():
        fields = set(formset_class.form.base_fields)
        problems += _violations(part, formset_class.model, fields)

    assert problems == []


def test_the_check_notices_a_writable_guarded_field(request_):
    """The check can fail: an inline that edits funding places is caught."""

    class LooseFundingInline(admin.TabularInline):
        model = FundingSource
        fields = ["name", "fellowships"]

    inline = LooseFundingInline(Call, admin.site)

    assert _violations("LooseFundingInline", inline.model, _writable(inline, request_)) == [
        "LooseFundingInline writes calls.fundingsource.fellowships"
    ]
