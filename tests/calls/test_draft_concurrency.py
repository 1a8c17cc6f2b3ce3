"""Two tabs on one draft, and requests that leave fields out: nothing saved is lost.

A form carries the revision and the values it was loaded with; a save from an older
revision is merged field by field, and the same field changed in both tabs is shown to
the applicant with both values to choose from."""

import pytest

from aissai.concurrency import EditConflict
from calls.models import Application
from calls.services.applications import draft_base, save_draft
from tests.calls.test_applications_drafts import draft_post, edit_url
from tests.factories.calls import ApplicationFactory, DisciplineFactory

pytestmark = pytest.mark.django_db


def open_tab(client, application):
    """The edit page as a new tab loads it: the form's posted fields, with its base."""
    response = client.get(edit_url(application))
    assert response.status_code == 200
    return draft_post(application, edit_base=response.context["form"]["edit_base"].value())


# --- Service -------------------------------------------------------------------------


def test_save_from_an_older_revision_keeps_the_other_tabs_field():
    application = ApplicationFactory(title="Old title", abstract="Old abstract")
    base = draft_base(application)
    save_draft(application=application, by=application.coordinator, fields={"title": "A"})

    saved = save_draft(
        application=application,
        by=application.coordinator,
        fields={"title": "Old title", "abstract": "B"},
        base=base,
    )

    application.refresh_from_db()
    assert (application.title, application.abstract) == ("A", "B")
    assert saved.stale is True
    assert saved.kept == ["title"]
    assert saved.changed == ["abstract"]
    assert application.revision == 2


def test_same_field_changed_in_both_tabs_raises_a_conflict_and_saves_nothing():
    application = ApplicationFactory(title="Old title", abstract="Old abstract")
    base = draft_base(application)
    save_draft(application=application, by=application.coordinator, fields={"title": "A"})

    with pytest.raises(EditConflict) as caught:
        save_draft(
            application=application,
            by=application.coordinator,
            fields={"title": "B", "abstract": "New abstract"},
            base=base,
        )

    [conflict] = caught.value.conflicts
    assert (conflict.name, conflict.mine, conflict.theirs) == ("title", "B", "A")
    application.refresh_from_db()
    assert (application.title, application.abstract, application.revision) == (
        "A",
        "Old abstract",
        1,
    )


def test_same_value_typed_in_both_tabs_is_no_conflict():
    application = ApplicationFactory(title="Old title")
    base = draft_base(application)
    save_draft(application=application, by=application.coordinator, fields={"title": "Same"})

    saved = save_draft(
        application=application, by=application.coordinator, fields={"title": "Same"}, base=base
    )

    assert saved.changed == []
    application.refresh_from_db()
    assert application.title == "Same"


def test_disciplines_changed_in_both_tabs_are_a_conflict_in_any_order():
    first, second = DisciplineFactory(), DisciplineFactory()
    application = ApplicationFactory()
    base = draft_base(application)
    save_draft(
        application=application,
        by=application.coordinator,
        fields={},
        disciplines=[first, second],
    )
    # The same set, in another order: the same value.
    save_draft(
        application=application,
        by=application.coordinator,
        fields={},
        disciplines=[second, first],
        base=base,
    )

    with pytest.raises(EditConflict):
        save_draft(
            application=application,
            by=application.coordinator,
            fields={},
            disciplines=[second],
            base=base,
        )


# --- The edit page, two tabs ---------------------------------------------------------


def test_two_tabs_changing_different_fields_both_keep_their_change(client):
    application = ApplicationFactory(title="Old title", abstract="Old abstract")
    client.force_login(application.coordinator)
    tab_a, tab_b = open_tab(client, application), open_tab(client, application)

    client.post(edit_url(application), {**tab_a, "title": "New title"})
    response = client.post(
        edit_url(application), {**tab_b, "abstract": "New abstract"}, follow=True
    )

    application.refresh_from_db()
    assert (application.title, application.abstract) == ("New title", "New abstract")
    texts = [str(m) for m in response.context["messages"]]
    assert "Draft saved." in texts
    assert any("both sets of changes are kept" in t and "Title" in t for t in texts)


def test_two_tabs_changing_the_same_field_show_both_values_and_save_nothing(client):
    application = ApplicationFactory(title="Old title", abstract="Old abstract")
    client.force_login(application.coordinator)
    tab_a, tab_b = open_tab(client, application), open_tab(client, application)
    client.post(edit_url(application), {**tab_a, "title": "Title from A"}, follow=True)

    response = client.post(
        edit_url(application), {**tab_b, "title": "Title from B", "abstract": "Abstract B"}
    )

    assert response.status_code == 409
    application.refresh_from_db()
    assert (application.title, application.abstract) == ("Title from A", "Old abstract")
    [row] = response.context["form"].conflicts
    assert (row.name, row.label, row.mine, row.theirs) == (
        "keep-title",
        "Title",
        "Title from B",
        "Title from A",
    )
    content = response.content.decode()
    assert 'name="keep-title"' in content
    assert "Title from A" in content and 'value="Title from B"' in content
    assert "Draft saved." not in content


def choose_after_conflict(client, application, posted, choice):
    response = client.post(edit_url(application), posted)
    assert response.status_code == 409
    again = {**posted, "edit_base": response.context["form"]["edit_base"].value()}
    return client.post(edit_url(application), {**again, "keep-title": choice})


def test_after_a_conflict_keeping_my_version_saves_it(client):
    application = ApplicationFactory(title="Old title", abstract="Old abstract")
    client.force_login(application.coordinator)
    tab_a, tab_b = open_tab(client, application), open_tab(client, application)
    client.post(edit_url(application), {**tab_a, "title": "Title from A"}, follow=True)

    response = choose_after_conflict(
        client, application, {**tab_b, "title": "Title from B", "abstract": "B"}, "mine"
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.title, application.abstract) == ("Title from B", "B")


def test_after_a_conflict_keeping_the_saved_version_keeps_it_and_saves_the_rest(client):
    application = ApplicationFactory(title="Old title", abstract="Old abstract")
    client.force_login(application.coordinator)
    tab_a, tab_b = open_tab(client, application), open_tab(client, application)
    client.post(edit_url(application), {**tab_a, "title": "Title from A"}, follow=True)

    response = choose_after_conflict(
        client, application, {**tab_b, "title": "Title from B", "abstract": "B"}, "saved"
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.title, application.abstract) == ("Title from A", "B")


def test_a_third_save_after_the_conflict_was_shown_is_a_new_conflict(client):
    application = ApplicationFactory(title="Old title")
    client.force_login(application.coordinator)
    tab_a, tab_b = open_tab(client, application), open_tab(client, application)
    client.post(edit_url(application), {**tab_a, "title": "Title from A"}, follow=True)
    posted = {**tab_b, "title": "Title from B"}
    response = client.post(edit_url(application), posted)
    seen = response.context["form"]["edit_base"].value()
    tab_c = open_tab(client, application)
    client.post(edit_url(application), {**tab_c, "title": "Title from C"}, follow=True)

    response = client.post(
        edit_url(application), {**posted, "edit_base": seen, "keep-title": "mine"}
    )

    assert response.status_code == 409
    application.refresh_from_db()
    assert application.title == "Title from C"


# --- Requests that leave something out ------------------------------------------------


def test_a_field_left_out_of_the_request_keeps_its_saved_value(client):
    application = ApplicationFactory(title="Kept title", abstract="Kept abstract")
    client.force_login(application.coordinator)
    posted = open_tab(client, application)
    del posted["abstract"]
    del posted["title"]

    response = client.post(edit_url(application), {**posted, "acronym": "NEW"})

    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.title, application.abstract, application.acronym) == (
        "Kept title",
        "Kept abstract",
        "NEW",
    )


def test_a_request_without_the_formsets_management_form_is_explained(client):
    application = ApplicationFactory(title="Kept title")
    application.excluded_reviewers.create(name="Ada Lovelace", reason="Rival")
    client.force_login(application.coordinator)
    posted = {
        k: v for k, v in open_tab(client, application).items() if not k.startswith("excluded")
    }

    response = client.post(edit_url(application), {**posted, "acronym": "NEW"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "file a bug report" not in content
    assert "ManagementForm" not in content
    assert "This part of the form did not arrive complete" in content
    application.refresh_from_db()
    assert application.acronym == "NEW"
    assert list(application.excluded_reviewers.values_list("name", flat=True)) == ["Ada Lovelace"]
    assert Application.objects.count() == 1
