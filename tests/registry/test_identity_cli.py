"""``volunteerkit identity validate`` never prints a full number unless ``--reveal`` is given."""

from __future__ import annotations

import io
import json

import pytest

from volunteerkit.cli import main
from volunteerkit.registry import identity

# The ICAO Doc 9303 specimen (identity.md section 3): document number L898902C3.
SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.mark.parametrize(
    ("scheme", "value", "secret"),
    [
        ("icao_td3_mrz", SPECIMEN, "L898902C3"),
        ("cn_hk_macau_mainland_permit", "H1234567800", "H12345678"),
        ("cn_mobile", "13123456789", "13123456789"),
        ("cn_ric", "11010519491231002X", "11010519491231002X"),
    ],
)
def test_json_output_masks_numbers_inside_the_details(scheme: str, value: str, secret: str) -> None:
    """JSON details that repeat the number are masked too; --reveal shows them whole.

    They are an MRZ's document number, a travel permit's lifetime number and the E.164 form.
    """
    code, text = run("--json", "identity", "validate", scheme, value)
    assert code == 0
    assert secret not in text
    data = json.loads(text)
    assert data["number"] == identity.parse(scheme, value).masked
    code, text = run("--json", "identity", "validate", scheme, value, "--reveal")
    assert code == 0
    assert secret in text


def test_mrz_is_masked_as_the_document_masks_it() -> None:
    """An MRZ is masked as IdentityDocument.masked does: document code and issuing state only.

    The generic mask kept the first letter of the holder's surname.
    """
    code, text = run("identity", "validate", "icao_td3_mrz", SPECIMEN)
    assert code == 0
    first = text.splitlines()[0]
    assert first == f"valid icao_td3_mrz: {identity.parse('icao_td3_mrz', SPECIMEN).masked}"
    assert first.startswith("valid icao_td3_mrz: P<UTO*")


def test_json_details_that_are_not_the_number_stay_readable() -> None:
    """Details that do not disclose the number (issuer, issue count) are left as they are."""
    _, text = run("--json", "identity", "validate", "cn_hk_macau_mainland_permit", "H1234567800")
    extra = dict(json.loads(text)["extra"])
    assert extra["issuer"] == "HK"
    assert extra["issue_count"] == "00"
    assert extra["lifetime_number"] == "H1*******"


@pytest.mark.parametrize(
    ("scheme", "value", "key", "shown"),
    [
        ("cn_hk_macau_mainland_permit", "H1234567800", "lifetime_number", "H1*******"),
        ("cn_mobile", "13123456789", "e164", "+8613*******89"),
        ("icao_td3_mrz", SPECIMEN, "document_number", "*********"),
    ],
)
def test_json_details_show_no_more_of_the_number_than_its_mask(
    scheme: str, value: str, key: str, shown: str
) -> None:
    """A detail that repeats part of the number is masked where the number's mask masks it.

    Before, each was masked on its own, and the two masks together showed more than either:
    ``13*******89`` beside ``+86131****6789`` gave away 7 of a mobile number's 11 digits, and
    ``H1*******00`` beside ``H1*****78`` two more digits of the permit's lifetime number.
    """
    _, text = run("--json", "identity", "validate", scheme, value)
    data = json.loads(text)
    assert dict(data["extra"])[key] == shown
    number, masked = identity.validate(scheme, value), data["number"]
    hidden = {i for i, char in enumerate(masked) if char == "*"}
    detail = dict(identity.parse(scheme, value).extra)[key]
    start = number.find(detail)
    offset = -start if start >= 0 else detail.find(number)
    for i, char in enumerate(shown):
        if char != "*" and 0 <= i - offset < len(number):
            assert i - offset not in hidden, (i, char)


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("cn_ric", "11010519491231002X"),
        ("cn_hmt_residence_permit", "810000199408230021"),
        ("cn_foreign_pr", "911398199012310021"),
    ],
)
def test_json_output_does_not_give_the_number_back_through_the_birth_date(
    scheme: str, value: str
) -> None:
    """Without --reveal the birth date is left out of the JSON.

    The mask ``110105********002X`` hides exactly the eight birth-date digits, so printing
    ``"birth_date": "1949-12-31"`` beside it disclosed the whole number. With --reveal the birth
    date is printed as before.
    """
    _, text = run("--json", "identity", "validate", scheme, value)
    data = json.loads(text)
    assert "birth_date" not in data
    digits = value[6:14]
    assert digits not in text and f"{digits[:4]}-{digits[4:6]}-{digits[6:]}" not in text
    _, text = run("--json", "identity", "validate", scheme, value, "--reveal")
    assert json.loads(text)["birth_date"] == f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"


def test_a_number_typed_with_spaces_is_one_value_not_an_error_that_shows_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An unquoted number with spaces is joined, as the library joins them, and masked.

    Before, ``identity validate cn_ric 360426 199101010071`` was a usage error that printed
    ``unrecognized arguments: 199101010071``: the birth date, sequence and check digit.
    An MRZ may be given as its two lines.
    """
    code, text = run("identity", "validate", "cn_ric", "360426", "199101010071")
    assert (code, text) == (0, "valid cn_ric: 360426********0071\n")
    code, text = run("--json", "identity", "detect", "360426", "1991", "0101", "0071")
    assert (code, json.loads(text)) == (0, {"schemes": ["cn_ric"]})
    code, text = run("identity", "validate", "icao_td3_mrz", *SPECIMEN.split("\n"))
    assert code == 0
    assert text.splitlines()[0] == (
        f"valid icao_td3_mrz: {identity.parse('icao_td3_mrz', SPECIMEN).masked}"
    )
    assert "199101010071" not in capsys.readouterr().err


def test_detect_takes_an_mrz_typed_as_its_two_lines_as_validate_does() -> None:
    """``identity detect`` joins an MRZ's two lines by a newline, as ``identity validate`` does.

    Joined by a space only, the two lines that ``validate icao_td3_mrz`` accepts were no number
    at all for ``detect`` (exit 1, no scheme).
    """
    code, text = run("--json", "identity", "detect", *SPECIMEN.split("\n"))
    assert (code, json.loads(text)) == (0, {"schemes": ["icao_td3_mrz"]})
    code, text = run("identity", "detect", *SPECIMEN.split("\n"))
    assert (code, text) == (0, "icao_td3_mrz\n")
    code, text = run("--json", "identity", "detect", "360426", "199101010071")
    assert (code, json.loads(text)) == (0, {"schemes": ["cn_ric"]})


@pytest.mark.parametrize(
    ("value", "masked", "shown"),
    [
        ("91110000600037341L", "911100********341L", "******34-1"),
        ("9144030071526726XG", "914403********26XG", "******26-X"),
    ],
)
def test_a_detail_that_repeats_the_number_with_a_separator_is_masked_too(
    value: str, masked: str, shown: str
) -> None:
    """A USCC's organization code is 8 of its hidden characters and its check, with a hyphen.

    Written ``60003734-1``, it was not found in the number and was shown whole beside
    ``911100********341L``: the two together were the whole number. It is masked where the
    number's mask hides it, its hyphen kept.
    """
    _, text = run("--json", "identity", "validate", "cn_uscc", value)
    data = json.loads(text)
    assert data["number"] == masked
    assert dict(data["extra"])["organization_code"] == shown
