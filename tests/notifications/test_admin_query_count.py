"""The outbox changelist reads a fixed number of queries, however many mails it lists,
filtered or not (``make bench`` measures it with one mail per application of a call)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.accounts import SuperuserFactory
from tests.factories.notifications import OutboxMessageFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_outboxmessage_changelist"


@pytest.mark.parametrize("query", [{}, {"q": "example.org"}, {"status": "sent"}])
def test_outbox_changelist_query_count_is_the_same_for_one_and_three_mails(client, query):
    client.force_login(SuperuserFactory())
    url = reverse(CHANGELIST)
    OutboxMessageFactory(sent=True)
    client.get(url, query)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        assert response.status_code == 200
        return len(queries), response.context["cl"].result_count

    one, shown = count()
    OutboxMessageFactory.create_batch(2, sent=True)
    three, shown_after = count()

    assert (shown, shown_after) == (1, 3)
    assert three == one
