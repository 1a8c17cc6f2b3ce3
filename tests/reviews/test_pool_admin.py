"""The admin of the reviewer pool: experts editable (audited), the rest read-only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aissai.audit.models import AuditEvent
from tests.factories.accounts import SuperuserFactory
from tests.factories.calls import CallFactory
from tests.factories.reviews import ExpertFactory, PendingInvitationFactory, reviewer_of

pytestmark = pytest.mark.django_db

LISTS = [
    "admin:reviews_expert_changelist",
    "admin:reviews_invitation_changelist",
    "admin:reviews_confidentialityterms_changelist",
    "admin:reviews_confidentialityacceptance_changelist",
]


@pytest.fixture
def admin_client(client):
    client.force_login(SuperuserFactory())
    return client


def make_rows(n):
    for _ in range(n):
        reviewer_of(CallFactory(with_rules=False), accept_terms=True)


@pytest.mark.parametrize("name", LISTS)
def test_admin_lists_load_with_the_same_query_count_for_one_and_three_rows(admin_client, name):
    make_rows(1)
    admin_client.get(reverse(name))
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(reverse(name)).status_code == 200
    make_rows(2)
    with CaptureQueriesContext(connection) as three:
        assert admin_client.get(reverse(name)).status_code == 200
    assert len(three) == len(one)


def test_invitations_terms_and_acceptances_are_read_only(admin_client):
    invitation = PendingInvitationFactory()
    assert admin_client.get(reverse("admin:reviews_invitation_add")).status_code == 403
    assert admin_client.get(reverse("admin:reviews_confidentialityterms_add")).status_code == 403
    page = admin_client.get(reverse("admin:reviews_invitation_change", args=[invitation.pk]))
    assert page.status_code == 200
    assert str(invitation.token) not in page.content.decode()  # the personal link stays private
    response = admin_client.post(
        reverse("admin:reviews_invitation_delete", args=[invitation.pk]), {"post": "yes"}
    )
    assert response.status_code == 403


def test_an_expert_corrected_in_the_admin_is_audited(admin_client):
    expert = ExpertFactory(full_name="Ada Lovelase")
    url = reverse("admin:reviews_expert_change", args=[expert.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "full_name": "Ada Lovelace",
            "keywords": '["machine learning"]',
            "invitations-TOTAL_FORMS": "0",
            "invitations-INITIAL_FORMS": "0",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    expert.refresh_from_db()
    assert expert.full_name == "Ada Lovelace"
    event = AuditEvent.objects.get(verb="reviews.expert_changed_in_admin")
    assert "full_name" in event.data["fields"]
