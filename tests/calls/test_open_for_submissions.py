"""One definition of "open for submissions" (``Call.accepts_submissions``), used by the public
page, the ``calls.submit_application`` rule and the submission service, which therefore
agree at the exact instant of the deadline: from then on the call is closed."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import rules
from django.urls import reverse
from django.utils import timezone, translation

from calls.models import ApplicationStatus
from calls.services.submission import SubmissionError, submit_application
from tests.factories.calls import complete_draft

pytestmark = pytest.mark.django_db


@contextmanager
def clock_at(moment):
    """Django's clock (``timezone.now``) stopped at ``moment``."""
    with mock.patch.object(timezone, "now", return_value=moment):
        yield


def what_each_says(client, application) -> tuple[str, bool]:
    call = application.call
    page = client.get(reverse("calls:call_detail", args=[call.slug]))
    rule = rules.test_rule("calls.submit_application", application.coordinator, application)
    return page.context["phase"], rule


def test_at_the_exact_deadline_the_page_the_rule_and_the_service_all_say_closed(client):
    application = complete_draft()
    deadline = application.call.closes_at

    with clock_at(deadline), translation.override("en"):
        phase, rule = what_each_says(client, application)
        with pytest.raises(SubmissionError) as refused:
            submit_application(application=application, by=application.coordinator)

    assert (phase, rule) == ("closed", False)
    assert str(refused.value).startswith("The deadline passed on")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_one_microsecond_before_the_deadline_all_three_say_open(client):
    application = complete_draft()
    moment = application.call.closes_at - timedelta(microseconds=1)

    with clock_at(moment):
        phase, rule = what_each_says(client, application)
        submit_application(application=application, by=application.coordinator)

    assert (phase, rule) == ("open", True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
