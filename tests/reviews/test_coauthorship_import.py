"""Importing an expert's publication list, by programme staff or by the expert: the list is
stored and audited, detection runs again, and co-authors within the call's window of
years become suspected conflicts; everyone else gets a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from reviews.models import Conflict, Publication
from reviews.services.conflicts import detect_and_store
from tests.calls.test_calls_manage import call_form_data
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.calls import CallFactory
from tests.factories.reviews import eligible_application, reviewer_of

pytestmark = pytest.mark.django_db
THIS_YEAR = timezone.localdate().year


def bibtex(*entries):
    return "\n".join(
        f"@article{{e{n}, author = {{{authors}}}, title = {{{title}}}, year = {{{year}}}}}"
        for n, (authors, title, year) in enumerate(entries)
    ).encode()


def upload(content, name="works.bib"):
    return {"file": SimpleUploadedFile(name, content, content_type="application/x-bibtex")}


@pytest.fixture
def planted():
    """A call whose application ROBOTS is coordinated by Jean-Pierre Dupont; a reviewer
    who co-authored with him recently, and with Marie Curie long ago."""
    call = CallFactory(coauthorship_years=5)
    robots = eligible_application(call, acronym="ROBOTS")
    other = eligible_application(call, acronym="OTHER")
    for application, name in ((robots, "Jean-Pierre Dupont"), (other, "Paula Curie")):
        application.coordinator.full_name = name
        application.coordinator.save(update_fields=["full_name"])
    invitation = reviewer_of(call)
    invitation.expert.full_name = "Ada Lovelace"
    invitation.expert.save()
    content = bibtex(
        ("Lovelace, Ada and Dupont, J.-P.", "Recent work", THIS_YEAR - 1),
        ("Lovelace, Ada and Curie, Paula", "Old work", THIS_YEAR - 9),
    )
    return call, robots, other, invitation, content


def publications_url(call, invitation):
    return reverse("reviews:invitation_publications", args=[call.slug, invitation.pk])


def test_staff_import_stores_the_list_and_flags_recent_coauthors(
    client, planted, django_capture_on_commit_callbacks
):
    call, robots, other, invitation, content = planted
    staff = StaffFactory()
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(publications_url(call, invitation), upload(content))

    assert response.status_code == 302
    assert sorted(
        Publication.objects.filter(expert=invitation.expert).values_list("year", "authors")
    ) == [
        (THIS_YEAR - 9, ["Ada Lovelace", "Paula Curie"]),
        (THIS_YEAR - 1, ["Ada Lovelace", "J.-P. Dupont"]),
    ]
    event = AuditEvent.objects.get(verb="expert.publications_imported")
    assert (event.actor_id, event.data) == (staff.pk, {"imported": 2, "skipped": 0})
    conflicts = {
        c.application_id: (c.source, c.status, c.rule, c.reason)
        for c in Conflict.objects.filter(invitation=invitation)
    }
    assert conflicts == {
        robots.pk: (
            "detected",
            "suspected",
            "coauthor",
            f"Jean-Pierre Dupont ~ J.-P. Dupont ({THIS_YEAR - 1}, Recent work)",
        )
    }
    page = client.get(publications_url(call, invitation)).content.decode()
    assert "2 publications imported." in page
    assert "Recent work" in page and "Ada Lovelace, J.-P. Dupont" in page


def test_a_wider_window_of_years_reaches_older_coauthors(client, planted):
    call, robots, other, invitation, content = planted
    client.force_login(StaffFactory())
    client.post(publications_url(call, invitation), upload(content))  # detection on commit
    call.coauthorship_years = 10
    call.save(update_fields=["coauthorship_years"])

    detect_and_store(call=call)

    assert set(
        Conflict.objects.filter(invitation=invitation).values_list("application_id", "rule")
    ) == {(robots.pk, "coauthor"), (other.pk, "coauthor")}


def test_a_new_list_replaces_the_old_one_and_its_conflicts(
    client, planted, django_capture_on_commit_callbacks
):
    call, robots, _other, invitation, content = planted
    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(publications_url(call, invitation), upload(content))
    assert Conflict.objects.filter(invitation=invitation).exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            publications_url(call, invitation),
            upload(bibtex(("Lovelace, Ada and Hopper, Grace", "Compilers", THIS_YEAR))),
        )

    assert list(
        Publication.objects.filter(expert=invitation.expert).values_list("title", flat=True)
    ) == ["Compilers"]
    assert not Conflict.objects.filter(invitation=invitation).exists()


def test_a_file_without_publications_is_refused_and_changes_nothing(client, planted):
    call, _robots, _other, invitation, _content = planted
    client.force_login(StaffFactory())

    response = client.post(publications_url(call, invitation), upload(b"not bibtex at all"))

    assert response.status_code == 200
    assert (
        "No publication with its authors could be read: give a BibTeX (.bib) file."
        in response.content.decode()
    )
    assert not Publication.objects.exists()
    assert not AuditEvent.objects.filter(verb="expert.publications_imported").exists()


def test_the_expert_imports_their_own_list(client, planted, django_capture_on_commit_callbacks):
    call, robots, _other, invitation, content = planted
    client.force_login(invitation.expert.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:my_publications"), upload(content))

    assert response.status_code == 302
    assert Publication.objects.filter(expert=invitation.expert).count() == 2
    assert Conflict.objects.filter(invitation=invitation, application=robots).exists()
    home = client.get(reverse("reviews:dashboard")).content.decode()
    assert reverse("reviews:my_publications") in home


def test_the_import_page_in_french(client, planted):
    call, _robots, _other, invitation, content = planted
    client.force_login(StaffFactory(language="fr"))

    response = client.post(
        publications_url(call, invitation), upload(content), follow=True, HTTP_ACCEPT_LANGUAGE="fr"
    )

    page = response.content.decode()
    assert "2 publications importées." in page
    assert "Publications\u00a0: Ada Lovelace" in page


def test_the_pool_links_to_each_experts_publications(client, planted):
    call, _robots, _other, invitation, _content = planted
    client.force_login(StaffFactory())

    page = client.get(reverse("reviews:pool", args=[call.slug])).content.decode()

    assert publications_url(call, invitation) in page


@pytest.mark.parametrize("who", ["applicant", "reviewer", "superuser_not_programme_staff"])
def test_everyone_but_programme_staff_gets_404_on_the_staff_page(client, planted, who):
    call, _robots, _other, invitation, content = planted
    user = {
        "applicant": UserFactory,
        "reviewer": lambda: invitation.expert.user,
        "superuser_not_programme_staff": SuperuserFactory,
    }[who]()
    client.force_login(user)

    assert client.get(publications_url(call, invitation)).status_code == 404
    assert client.post(publications_url(call, invitation), upload(content)).status_code == 404
    assert not Publication.objects.exists()


def test_someone_without_an_expert_profile_gets_404_on_their_own_page(client):
    client.force_login(UserFactory())

    assert client.get(reverse("reviews:my_publications")).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, planted):
    call, _robots, _other, invitation, _content = planted
    for url in (publications_url(call, invitation), reverse("reviews:my_publications")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_page_of_another_calls_invitation_is_404(client, planted):
    _call, _robots, _other, invitation, _content = planted
    other_call = CallFactory()
    client.force_login(StaffFactory())

    assert client.get(publications_url(other_call, invitation)).status_code == 404


def test_the_window_counts_the_current_calendar_year(planted):
    call, robots, _other, invitation, _content = planted
    Publication.objects.create(
        expert=invitation.expert,
        title="Edge",
        year=THIS_YEAR - call.coauthorship_years,  # just outside
        authors=["Jean-Pierre Dupont"],
    )

    detect_and_store(call=call)

    assert not Conflict.objects.filter(invitation=invitation).exists()


def test_staff_set_the_calls_window_of_years(client):
    call = CallFactory(status="draft")
    client.force_login(StaffFactory())
    edit = reverse("calls:manage_call_edit", args=[call.slug])

    form = client.get(edit).content.decode()
    client.post(edit, call_form_data(call, coauthorship_years=8))
    call.refresh_from_db()

    assert 'name="coauthorship_years"' in form
    assert call.coauthorship_years == 8
