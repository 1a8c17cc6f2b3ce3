"""The sortable column headers shared by the staff tables."""

from aissai.sorting import sort_headers

LABELS = {"reference": "Reference", "mean": "Mean"}


def test_an_inactive_column_sorts_ascending_unless_higher_values_come_first():
    headers = sort_headers(LABELS, LABELS, "reference", higher_first={"mean"})

    assert headers["mean"] == {
        "key": "mean",
        "label": "Mean",
        "active": False,
        "descending": False,
        "link": "-mean",
    }
    assert sort_headers(LABELS, LABELS, "reference")["mean"]["link"] == "mean"


def test_the_active_column_link_reverses_its_direction():
    ascending = sort_headers(LABELS, LABELS, "reference")["reference"]
    descending = sort_headers(LABELS, LABELS, "-reference")["reference"]

    assert (ascending["active"], ascending["descending"], ascending["link"]) == (
        True,
        False,
        "-reference",
    )
    assert (descending["active"], descending["descending"], descending["link"]) == (
        True,
        True,
        "reference",
    )


def test_a_key_without_a_label_shows_the_key():
    assert sort_headers(["criterion_9"], {}, "")["criterion_9"]["label"] == "criterion_9"
