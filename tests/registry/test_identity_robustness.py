"""Junk fed to every scheme: is_valid says False, validate raises only InvalidIdentity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit import FixedClock
from volunteerkit.errors import InvalidInputError
from volunteerkit.registry import identity

CLOCK = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))

JUNK: list[object] = [
    None,
    0,
    1.5,
    True,
    b"bytes",
    b"11010519491231002X",
    bytearray(b"11010519491231002X"),
    110105194912310018,
    "",
    " ",
    "\x00",
    "\x00" * 18,
    "11010519491231002X\x00",
    "🙂",
    "🙂" * 18,
    "1" * 10_000,
    "﷽" * 200,  # NFKC expands each to 18 characters
    "ß" * 18,
    "\u0301" * 18,
    "\ud800",  # lone surrogate
    ["11010519491231002X"],
    ("11010519491231002X",),
    {"number": "11010519491231002X"},
    object(),
    "(" * 50,
    "\n" * 3,
    "<" * 89,
    "P<" + "\n" * 2,
    "+86",
    "0086",
    "Ｘ" * 18,
    "١٢٣٤٥٦٧٨",  # Arabic-Indic digits
    "H１２３４５６７８９",  # full-width is fine, but 9 digits are not
]


def _name(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


@pytest.mark.parametrize("scheme", identity.SCHEMES)
@pytest.mark.parametrize("value", JUNK, ids=_name)
def test_is_valid_is_false_for_junk(scheme: str, value: object) -> None:
    """The is_valid function returns False, without raising, for junk of every type."""
    assert identity.is_valid(scheme, value) is False
    assert identity.is_valid(scheme, value, clock=CLOCK) is False


@pytest.mark.parametrize("scheme", identity.SCHEMES)
@pytest.mark.parametrize("value", JUNK, ids=_name)
def test_validate_raises_only_invalid_identity_for_junk(scheme: str, value: object) -> None:
    """Both validate and parse raise an InvalidIdentity subclass (nothing else) for junk."""
    with pytest.raises(identity.InvalidIdentity):
        identity.validate(scheme, value, clock=CLOCK)
    with pytest.raises(identity.InvalidIdentity):
        identity.parse(scheme, value)


@pytest.mark.parametrize("value", JUNK, ids=_name)
def test_detect_never_raises_for_junk(value: object) -> None:
    """The detect function finds no scheme for junk and does not raise."""
    assert identity.detect(value) == []


@pytest.mark.parametrize("scheme", identity.SCHEMES)
@pytest.mark.parametrize("value", [None, 7, b"x", "\x00", "🙂" * 300])
def test_module_level_functions_handle_junk(scheme: str, value: object) -> None:
    """The scheme modules' own is_valid/validate/compact/format behave the same way."""
    module = identity.scheme_module(scheme)
    assert module.is_valid(value) is False
    for function in (module.validate, module.format):
        with pytest.raises(identity.InvalidIdentity):
            function(value)
    if not isinstance(value, str) or len(value) > 256:
        with pytest.raises(identity.InvalidIdentity):
            module.compact(value)


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(identity.SCHEMES), value=st.text(max_size=60))
def test_arbitrary_text_never_escapes_the_error_family(scheme: str, value: str) -> None:
    """For any text, is_valid gives a bool and validate a str or an InvalidIdentity."""
    result = identity.is_valid(scheme, value, clock=CLOCK)
    assert isinstance(result, bool)
    try:
        canonical = identity.validate(scheme, value, clock=CLOCK)
    except identity.InvalidIdentity:
        assert result is False
    else:
        assert result is True
        assert canonical.isascii()


@settings(max_examples=200, deadline=None)
@given(
    scheme=st.sampled_from(identity.SCHEMES),
    value=st.text(alphabet="0123456789XxABCEHMGP<()-+ \n", min_size=5, max_size=45),
)
def test_near_miss_text_never_escapes_the_error_family(scheme: str, value: str) -> None:
    """Text built from identity-number characters is judged without unexpected exceptions."""
    code = "identity.valid"
    try:
        identity.validate(scheme, value)
    except identity.InvalidIdentity as err:
        code = err.code
    assert code.startswith("identity.")


@pytest.mark.parametrize("clock", ["now", 5, CLOCK.now()])
@pytest.mark.parametrize("scheme", sorted(identity.SCHEMES))
def test_a_clock_of_the_wrong_type_is_a_typed_error(scheme: str, clock: object) -> None:
    """validate, is_valid, parse and detect refuse a clock without a now() giving a datetime.

    Before, cn_ric, the permits and the MRZ raised a bare AttributeError ('str' object has no
    attribute 'now'), and the other schemes ignored the clock. A datetime itself (whose
    ``now()`` is naive) is refused too.
    """
    value = "11010519491231002X"
    calls: list[Callable[[], object]] = [
        lambda: identity.validate(scheme, value, clock=clock),  # type: ignore[arg-type]
        lambda: identity.is_valid(scheme, value, clock=clock),  # type: ignore[arg-type]
        lambda: identity.parse(scheme, value, clock=clock),  # type: ignore[arg-type]
        lambda: identity.detect(value, clock=clock),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(InvalidInputError) as caught:
            call()
        assert (caught.value.code, caught.value.path) == ("identity.clock", "$.clock")
        assert not isinstance(caught.value, identity.InvalidIdentity)
