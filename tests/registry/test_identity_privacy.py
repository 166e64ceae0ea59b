"""Personal data: numbers never appear in errors, and documents show them masked."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit import FixedClock, structure, unstructure
from volunteerkit.registry import identity
from volunteerkit.registry.identity import IdentityDocument, IdentityWarning, Sex, cn_foreign_pr

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent.parent / "data" / "identity-vectors.json").read_text(encoding="utf-8")
)
CLOCK = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
WINDOW = 7  # longer than anything mask() keeps at either end


def leaks(number: str, text: str) -> bool:
    """Return whether ``text`` contains the number or any 7-character stretch of it."""
    compact = "".join(number.split()).upper()
    candidates = {number, compact}
    # Stretches of the compacted number only: a raw value's leading space is not personal data.
    candidates.update(compact[i : i + WINDOW] for i in range(len(compact) - WINDOW + 1))
    return any(c and c in text for c in candidates if len(c) >= min(WINDOW, len(number)))


def strict_validate(scheme: str, value: str) -> str:
    """Validate with the clock, enforcing the 2017 permanent-residence check digit.

    The vectors treat that check digit as an error; the library warns by default (see
    test_identity_vectors.SPEC_OVERRIDES), so it is enforced here to get the error.
    """
    if scheme == "cn_foreign_pr":
        return cn_foreign_pr.validate(value, clock=CLOCK, enforce_check_digit=True)
    return identity.validate(scheme, value, clock=CLOCK)


def error_texts(err: identity.InvalidIdentity) -> list[str]:
    """Return every text an error shows: str, repr, both messages, args, dict and pickle."""
    return [
        str(err),
        repr(err),
        err.message,
        err.message_zh,
        str(err.args),
        json.dumps(err.to_dict(), ensure_ascii=False),
        repr(pickle.loads(pickle.dumps(err)).__dict__),
    ]


@pytest.mark.parametrize("case", [c for c in VECTORS if not c["valid"]], ids=lambda c: c["kind"])
def test_errors_never_contain_the_number(case: dict[str, Any]) -> None:
    """No error text contains an invalid vector's number, whole or in 7-character pieces."""
    with pytest.raises(identity.InvalidIdentity) as info:
        strict_validate(case["scheme"], case["value"])
    for text in error_texts(info.value):
        assert not leaks(case["value"], text)
    assert info.value.path == "$"


@pytest.mark.parametrize("case", [c for c in VECTORS if c["valid"]], ids=lambda c: c["kind"])
def test_documents_show_the_number_masked(case: dict[str, Any]) -> None:
    """The repr and str of a parsed document show only the masked number."""
    doc = identity.parse(case["scheme"], case["value"], clock=CLOCK)
    for text in (repr(doc), str(doc), doc.masked):
        assert not leaks(doc.number, text)
        assert not leaks(case["value"], text)
    assert doc.masked in repr(doc)
    assert len(doc.masked) == len(doc.number)


def test_masked_forms() -> None:
    """Masks use volunteerkit.errors.mask; an MRZ keeps only its document code and state."""
    assert identity.parse("cn_ric", "11010519491231002X").masked == "110105********002X"
    assert identity.parse("hk_hkid", "A123456(3)").masked == "A1******3)"
    assert str(identity.parse("cn_mobile", "13123456789")) == "cn_mobile 13*******89"
    mrz = identity.parse(
        "icao_td3_mrz",
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )
    assert mrz.masked == "P<UTO" + "*" * 83 + "0"
    assert "ERIKSSON" not in repr(mrz)


def test_repr_leaves_out_derived_personal_fields() -> None:
    """The repr shows scheme, masked number, edition and warning codes only (no birth date)."""
    doc = identity.parse("cn_ric", "610104620927690")
    assert repr(doc) == (
        "IdentityDocument(scheme='cn_ric', number='610104********6908', edition='1989', "
        "warnings=('identity.warning.legacy_format',))"
    )
    assert "1962" not in repr(doc)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789X", min_size=18, max_size=18),
    st.sampled_from(["cn_ric", "cn_hmt_residence_permit", "cn_foreign_pr", "cn_uscc"]),
)
def test_random_invalid_numbers_never_leak(number: str, scheme: str) -> None:
    """Whatever check fails on a random 18-character value, its error does not contain it."""
    try:
        identity.validate(scheme, number, clock=CLOCK)
    except identity.InvalidIdentity as err:
        for text in error_texts(err):
            assert not leaks(number, text)


def test_errors_are_bilingual_and_coded_by_family() -> None:
    """Every error class has English and Chinese messages; codes start with the family code."""
    families = {
        identity.InvalidFormat: "identity.format",
        identity.InvalidLength: "identity.length",
        identity.InvalidChecksum: "identity.checksum",
        identity.InvalidComponent: "identity.component",
    }
    assert issubclass(identity.InvalidLength, identity.InvalidFormat)
    assert issubclass(identity.InvalidIdentity, ValueError)
    errors = []
    for case in VECTORS:
        try:
            strict_validate(case["scheme"], case["value"])
        except identity.InvalidIdentity as err:
            errors.append(err)
    assert len(errors) == len([c for c in VECTORS if not c["valid"]])
    for err in errors:
        assert err.code.startswith(families[type(err)])
        assert err.message
        assert err.message != err.message_zh
        assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message_zh)


def test_document_is_frozen_and_keyword_only() -> None:
    """IdentityDocument and IdentityWarning are frozen, keyword-only attrs classes."""
    doc = identity.parse("cn_ric", "11010519491231002X")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        doc.number = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        IdentityDocument("cn_ric", "11010519491231002X")  # type: ignore[misc]
    warning = IdentityWarning(code="identity.warning.x", message="m", message_zh="提示")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        warning.code = "y"  # type: ignore[misc]
    assert hash(doc) == hash(identity.parse("cn_ric", "11010519491231002x"))


@pytest.mark.parametrize("case", [c for c in VECTORS if c["valid"]], ids=lambda c: c["kind"])
def test_document_round_trips_through_the_converter(case: dict[str, Any]) -> None:
    """Round trip: structure(unstructure(doc)) == doc with the library's cattrs converter."""
    doc = identity.parse(case["scheme"], case["value"], clock=CLOCK)
    data = unstructure(doc)
    assert structure(data, IdentityDocument) == doc
    assert data["sex"] == (doc.sex.value if isinstance(doc.sex, Sex) else None)
    assert data["number"] == doc.number
