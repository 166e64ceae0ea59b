"""Session 15: what the public API raises is what its docstrings say, and masked numbers."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.errors import InvalidInputError, VolunteerkitError
from volunteerkit.registry.identity import SCHEMES, is_masked, mask_number
from volunteerkit.registry.models import SealedNumber
from volunteerkit.transfer.models import VolunteerRef
from volunteerkit.transfer.schema import package_schema

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _volunteer_validator() -> jsonschema.Draft202012Validator:
    schema = {k: v for k, v in package_schema().items() if k != "oneOf"}
    schema["$ref"] = "#/$defs/volunteer"
    return jsonschema.Draft202012Validator(schema)


VOLUNTEER = _volunteer_validator()
INDEX = "k1:" + "0" * 64


def _ref(scheme: str | None, masked: str | None) -> dict[str, object]:
    return {
        "blind_index": INDEX,
        "document_scheme": scheme,
        "masked_number": masked,
        "unified_number": None,
    }


def _model_accepts(scheme: str | None, masked: str | None) -> bool:
    try:
        VolunteerRef(blind_index=INDEX, document_scheme=scheme, masked_number=masked)
    except VolunteerkitError:
        return False
    return True


# ------------------------------------------------------------------ is_masked


@pytest.mark.parametrize("scheme", [*SCHEMES, None, "no_such_scheme"])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 18, 44, 88, 128])
def test_is_masked_accepts_what_mask_number_gives(scheme, n):
    """Whatever the masking gives, for every scheme and length, has the masked shape."""
    number = ("1234567890ABCDEFGHJK<\n" * 8)[:n]
    assert is_masked(scheme, mask_number(scheme or "", number))


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("cn_ric", "11010519491231002X"),  # the full number
        ("cn_ric", "110105194912****2X"),  # a few * in the wrong place
        ("cn_ric", "1101051949123100**"),
        ("cn_ric", "110105*******0002X"),  # one kept character too many
        ("cn_ric", "*10105********002X"),  # a * in the kept start
        ("icao_td3_mrz", "110105********002X"),  # masked with another scheme's rule
        ("cn_ric", ""),
        ("cn_ric", 110105),
        ("cn_ric", None),
    ],
)
def test_is_masked_refuses_other_shapes(scheme, value):
    """A full number, stars elsewhere, another scheme's shape or a non-text value is not masked."""
    assert not is_masked(scheme, value)


# ------------------------------------------------------------------ SealedNumber.masked


@pytest.mark.parametrize(
    "masked",
    ["11010519491231002X", "110105194912310**X", "1101051949123100 2X", "110105****"],
)
def test_a_sealed_number_refuses_a_masked_number_that_is_not_masked(masked):
    """``SealedNumber(masked=<full number>)`` used to show the number in its repr."""
    with pytest.raises(InvalidInputError) as info:
        SealedNumber(scheme="cn_ric", masked=masked, key_id=None, payload="11010519491231002X")
    assert info.value.code == "registry.masked_number"
    assert info.value.path == "$.masked"
    assert "1949" not in str(info.value) and "1949" not in repr(info.value)


def test_a_sealed_number_keeps_the_masks_the_registry_gives():
    """The masks of every scheme (an MRZ keeps less) are accepted; type errors keep their code."""
    for scheme in SCHEMES:
        masked = mask_number(scheme, "P<UTOERIKSSON<<ANNA<MARIA"[: 9 + len(scheme) % 9])
        assert SealedNumber(scheme=scheme, masked=masked, payload="x").masked == masked
    with pytest.raises(InvalidInputError) as info:
        SealedNumber(scheme="cn_ric", masked=None, payload="x")  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("registry.sealed", "$.masked")


# ------------------------------------------------------------------ the published schema


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
@pytest.mark.parametrize("n", [1, 5, 9, 10, 11, 12, 13, 14, 18, 88, 128])
def test_the_schema_accepts_every_masked_number_the_model_accepts(scheme, n):
    """The schema's pattern for a scheme accepts what the registry's masking gives for it."""
    masked = mask_number(scheme, "7" * n)
    assert _model_accepts(scheme, masked)
    assert VOLUNTEER.is_valid(_ref(scheme, masked)), list(VOLUNTEER.iter_errors(_ref(scheme, masked)))


@pytest.mark.parametrize(
    ("scheme", "masked"),
    [
        ("cn_ric", "11010519491231002X"),
        ("cn_ric", "110105194912****"),  # the old pattern only asked for four *
        ("cn_ric", "****110105194912310"),
        ("cn_ric", "1****0****1****9****"),
        ("cn_ric", "P<UTO*****************X"),  # an MRZ's shape under another scheme
        ("icao_td3_mrz", "110105********002X"),  # and the other way round
        (None, "11010519491231002X"),
    ],
)
def test_the_schema_refuses_a_full_number_or_another_shape(scheme, masked):
    """Neither the schema nor the model takes a number that is not in its scheme's masked form."""
    assert not _model_accepts(scheme, masked)
    assert not VOLUNTEER.is_valid(_ref(scheme, masked))


@st.composite
def _near_masks(draw: st.DrawFn) -> tuple[str | None, str]:
    """A scheme and a text: random, a mask of the scheme or another, or a mask with one change."""
    scheme = draw(st.sampled_from([*sorted(SCHEMES), None, "x"]))
    text = draw(st.text(alphabet="0123456789X*<", min_size=1, max_size=40))
    kind = draw(st.sampled_from(["random", "mask", "other", "changed"]))
    if kind == "random":
        return scheme, text
    rule = scheme or "" if kind != "other" else draw(st.sampled_from(sorted(SCHEMES)))
    masked = mask_number(rule, text.replace("*", "0"))
    if kind == "changed":
        i = draw(st.integers(0, len(masked) - 1))
        masked = masked[:i] + draw(st.sampled_from(["*", "1", ""])) + masked[i + 1 :]
    return scheme, masked


@settings(max_examples=400, deadline=None)
@given(_near_masks())
def test_the_schema_and_the_model_agree_on_masked_numbers(case):
    """For any text, the published schema accepts a masked number exactly when the model does."""
    scheme, masked = case
    assert VOLUNTEER.is_valid(_ref(scheme, masked)) == _model_accepts(scheme, masked)


def test_the_published_schema_file_has_the_strict_pattern():
    """The copy in docs/ carries the per-scheme patterns (and no longer the four-* one)."""
    text = (DOCS / "transfer-package.schema.json").read_text("utf-8")
    assert "(\\\\*.*){4}" not in text
    volunteer = json.loads(text)["$defs"]["volunteer"]
    assert volunteer == package_schema()["$defs"]["volunteer"]
    assert len(volunteer["allOf"]) == 2
