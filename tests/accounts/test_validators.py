import pytest
from django.core.exceptions import ValidationError

from aissai.accounts.forms import OrcidField
from aissai.accounts.validators import orcid_check_digit, validate_orcid


@pytest.mark.parametrize(
    "orcid", ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"]
)
def test_valid_orcid_ids_pass(orcid):
    validate_orcid(orcid)


@pytest.mark.parametrize(
    ("base", "check"),
    [("000000021825009", "7"), ("000000015109370", "0"), ("000000021694233", "X")],
)
def test_check_digit_follows_iso_7064_mod_11_2(base, check):
    assert orcid_check_digit(base) == check


@pytest.mark.parametrize(
    "orcid",
    ["0000-0002-1825-0098", "0000-0001-5109-3701", "0000-0002-1694-2330", "0000-0002-1825-009X"],
)
def test_wrong_check_digit_is_refused(orcid):
    with pytest.raises(ValidationError) as error:
        validate_orcid(orcid)
    assert error.value.code == "orcid_checksum"
    assert "check digit does not match" in error.value.messages[0]


@pytest.mark.parametrize(
    "orcid",
    [
        "",
        "0000-0002-1825",
        "0000000218250097",
        "0000-0002-1825-00971",
        "0000-0002-1825-009x",
        "0000_0002_1825_0097",
        "X000-0002-1825-0097",
        "https://orcid.org/0000-0002-1825-0097",
    ],
)
def test_malformed_orcid_is_refused_with_the_expected_form(orcid):
    with pytest.raises(ValidationError) as error:
        validate_orcid(orcid)
    assert error.value.code == "orcid_format"
    assert "0000-0002-1825-0097" in error.value.messages[0]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("  0000-0002-1825-0097 ", "0000-0002-1825-0097"),
        ("https://orcid.org/0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("orcid.org/0000-0001-5109-3700", "0000-0001-5109-3700"),
        ("000000021694233x", "0000-0002-1694-233X"),
        ("", ""),
    ],
)
def test_form_field_accepts_the_usual_ways_of_writing_an_orcid(typed, stored):
    assert OrcidField(required=False).clean(typed) == stored


def test_form_field_still_checks_the_digit():
    with pytest.raises(ValidationError):
        OrcidField(required=False).clean("https://orcid.org/0000-0002-1825-0098")
