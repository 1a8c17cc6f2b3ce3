"""``aissai.forms.FetchedModelChoiceField``: the drop-downs of the filter bars list the
same choices as Django's ``ModelChoiceField``, read by one plain query, never through
``QuerySet.iterator()`` (a server-side cursor on PostgreSQL), and validate the same."""

import pytest
from django import forms
from django.db.models.query import QuerySet

from aissai.forms import FetchedModelChoiceField
from calls.forms.staff import ApplicationFilterForm
from calls.models import Institute
from reviews.forms.scoreboard import ScoreboardFilterForm
from tests.factories.calls import CallFactory, institute, submitted_application

pytestmark = pytest.mark.django_db


def test_the_choices_are_those_of_a_model_choice_field(monkeypatch):
    for acronym in ("INSU", "INP", "INC"):
        institute(acronym)
    queryset = Institute.objects.order_by("acronym")
    plain = forms.ModelChoiceField(queryset=queryset, empty_label="Any")
    expected = [(str(value), label) for value, label in plain.choices]

    def no_server_side_cursor(self, *args, **kwargs):
        raise AssertionError("QuerySet.iterator() was used")

    monkeypatch.setattr(QuerySet, "iterator", no_server_side_cursor)
    fetched = FetchedModelChoiceField(queryset=queryset, empty_label="Any")
    assert [(str(value), label) for value, label in fetched.choices] == expected
    assert expected[0] == ("", "Any") and len(expected) >= 4
    chosen = queryset.first()
    assert fetched.clean(str(chosen.pk)) == chosen
    with pytest.raises(forms.ValidationError):
        fetched.clean("999999999")


def test_the_filter_bars_use_it(monkeypatch):
    call = CallFactory()
    submitted_application(call=call)

    def no_server_side_cursor(self, *args, **kwargs):
        raise AssertionError("QuerySet.iterator() was used")

    monkeypatch.setattr(QuerySet, "iterator", no_server_side_cursor)
    for form in (
        ApplicationFilterForm({}, call=call),
        ScoreboardFilterForm({}, call=call, sort_keys=["mean"]),
    ):
        for name, field in form.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                assert isinstance(field, FetchedModelChoiceField), name
                assert len(list(form[name].field.choices)) >= 1
