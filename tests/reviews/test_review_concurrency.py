"""A review open in two tabs, and review requests that leave fields out: what one tab
saved is never overwritten silently by the other."""

# ruff: noqa: F811 (the fixtures of the review form's tests, imported by name)
import pytest

from aissai.concurrency import EditConflict
from reviews.services.review_input import ReviewData, ScoreInput, review_base
from reviews.services.reviewing import save_review
from tests.reviews.test_reviewing_review import (  # noqa: F401
    application,
    assignment,
    call,
    criteria,
    form_data,
    review_url,
    reviewer_client,
    stored,
)

pytestmark = pytest.mark.django_db


def open_tab(client, application, criteria):
    response = client.get(review_url(application))
    assert response.status_code == 200
    data = form_data(criteria, [None, None, None, None])
    for name, bound in response.context["form"]._bound_items():
        value = bound.value()
        if name.startswith("na_") or value is None:
            continue
        data[name] = str(value)
    for name in list(data):
        if name.startswith("na_"):
            del data[name]
    return data


def test_service_merges_a_review_saved_in_another_tab(assignment, criteria):
    user = assignment.invitation.expert.user
    first = criteria[0]
    base = review_base(assignment)
    save_review(
        assignment=assignment,
        by=user,
        data=ReviewData(scores={first.pk: ScoreInput(score=4)}),
    )

    outcome = save_review(
        assignment=assignment,
        by=user,
        data=ReviewData(comments_for_staff="From the second tab"),
        base=base,
    )

    review = stored(assignment)
    assert review.scores.get(criterion=first).score == 4
    assert review.comments_for_staff == "From the second tab"
    assert outcome.stale is True
    assert outcome.kept == [f"score_{first.pk}"]


def test_service_refuses_the_same_score_changed_in_two_tabs(assignment, criteria):
    user = assignment.invitation.expert.user
    first = criteria[0]
    base = review_base(assignment)
    save_review(
        assignment=assignment, by=user, data=ReviewData(scores={first.pk: ScoreInput(score=4)})
    )

    with pytest.raises(EditConflict) as caught:
        save_review(
            assignment=assignment,
            by=user,
            data=ReviewData(scores={first.pk: ScoreInput(score=1)}, comments_for_staff="x"),
            base=base,
        )

    [conflict] = caught.value.conflicts
    assert (conflict.name, conflict.mine, conflict.theirs) == (f"score_{first.pk}", 1, 4)
    review = stored(assignment)
    assert review.scores.get(criterion=first).score == 4
    assert review.comments_for_staff == ""


def test_two_tabs_on_the_review_page_keep_both_changes(reviewer_client, application, criteria):
    tab_a = open_tab(reviewer_client, application, criteria)
    tab_b = open_tab(reviewer_client, application, criteria)
    first = criteria[0]
    reviewer_client.post(review_url(application), {**tab_a, f"score_{first.pk}": "5"})

    response = reviewer_client.post(
        review_url(application), {**tab_b, "comments_for_staff": "Second tab"}, follow=True
    )

    review = stored(response.context["assignment"])
    assert review.scores.get(criterion=first).score == 5
    assert review.comments_for_staff == "Second tab"
    texts = [str(m) for m in response.context["messages"]]
    assert any("both sets of changes are kept" in text for text in texts)


def test_two_tabs_changing_one_score_show_both_and_save_nothing(
    reviewer_client, application, criteria
):
    tab_a = open_tab(reviewer_client, application, criteria)
    tab_b = open_tab(reviewer_client, application, criteria)
    first = criteria[0]
    reviewer_client.post(review_url(application), {**tab_a, f"score_{first.pk}": "5"}, follow=True)

    response = reviewer_client.post(
        review_url(application),
        {**tab_b, f"score_{first.pk}": "1", "comments_for_staff": "Second tab"},
    )

    assert response.status_code == 409
    [row] = response.context["form"].conflicts
    assert (row.name, row.mine, row.theirs) == (f"keep-score_{first.pk}", "1", "5")
    assert row.label == f"{first.name}: score"
    review = stored(response.context["assignment"])
    assert review.scores.get(criterion=first).score == 5
    assert review.comments_for_staff == ""

    again = {
        **tab_b,
        f"score_{first.pk}": "1",
        "comments_for_staff": "Second tab",
        "edit_base": response.context["form"]["edit_base"].value(),
        f"keep-score_{first.pk}": "mine",
    }
    assert reviewer_client.post(review_url(application), again).status_code == 302
    review.refresh_from_db()
    assert review.scores.get(criterion=first).score == 1
    assert review.comments_for_staff == "Second tab"


def test_a_review_field_left_out_of_the_request_keeps_its_saved_value(
    reviewer_client, application, assignment, criteria
):
    tab = open_tab(reviewer_client, application, criteria)
    reviewer_client.post(
        review_url(application),
        {**tab, "comments_for_applicants": "Keep me", "comments_for_staff": "Me too"},
    )
    tab = open_tab(reviewer_client, application, criteria)
    del tab["comments_for_applicants"]
    del tab["comments_for_staff"]

    response = reviewer_client.post(review_url(application), {**tab, "recommendation": "yes"})

    assert response.status_code == 302
    review = stored(assignment)
    assert (review.comments_for_applicants, review.comments_for_staff) == ("Keep me", "Me too")
    assert review.recommendation == "yes"
