"""Hypothesis properties: generated numbers, cross-checks with python-stdnum, error detection."""

from __future__ import annotations

from datetime import UTC, date, datetime

import stdnum.cn.ric
import stdnum.cn.uscc
import stdnum.iso7064.mod_11_2
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit import FixedClock
from volunteerkit.registry import identity
from volunteerkit.registry.identity import Sex, cn_ric, cn_uscc, hk_hkid
from volunteerkit.registry.identity._data import ric_region_codes, uscc_prefixes

CLOCK = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
REGIONS = sorted(ric_region_codes())
PREFIXES = sorted(uscc_prefixes())
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def ric_parts() -> st.SearchStrategy[tuple[str, date, int]]:
    """Return a strategy for (region, birth date, sequence) of a valid citizen number."""
    return st.tuples(
        st.sampled_from(REGIONS),
        st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 28)),
        st.integers(min_value=0, max_value=999),
    )


def build_ric(region: str, born: date, seq: int) -> str:
    """Build an 18-character citizen number with its MOD 11-2 check character."""
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + cn_ric.calc_check_digit(body)


@settings(max_examples=400)
@given(ric_parts())
def test_generated_rics_validate_and_round_trip(parts: tuple[str, date, int]) -> None:
    """A generated valid RIC validates to itself and parse gives back its parts."""
    region, born, seq = parts
    number = build_ric(region, born, seq)
    assert identity.validate("cn_ric", number, clock=CLOCK) == number
    doc = identity.parse("cn_ric", number, clock=CLOCK)
    assert (doc.region, doc.birth_date) == (region, born)
    assert doc.sex is (Sex.MALE if seq % 2 else Sex.FEMALE)
    assert identity.validate("cn_ric", number.lower()) == number


@settings(max_examples=400)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_agrees_with_stdnum(body: str) -> None:
    """Our calc_check_digit equals stdnum's MOD 11-2 and cn.ric check digits for any 17 digits."""
    ours = cn_ric.calc_check_digit(body)
    assert ours == stdnum.iso7064.mod_11_2.calc_check_digit(body)
    assert ours == stdnum.cn.ric.calc_check_digit(body + "0")
    assert stdnum.iso7064.mod_11_2.is_valid(body + ours)


@settings(max_examples=300)
@given(
    st.sampled_from(REGIONS),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_15_to_18_conversion(region: str, born: date, seq: int) -> None:
    """A 15-digit number upgrades by inserting 19 and appending stdnum's MOD 11-2 check."""
    legacy = f"{region}{born:%y%m%d}{seq:03d}"
    upgraded = cn_ric.to_18(legacy)
    body = legacy[:6] + "19" + legacy[6:]
    assert upgraded == body + stdnum.iso7064.mod_11_2.calc_check_digit(body)
    assert cn_ric.validate(upgraded) == upgraded
    assert cn_ric.birth_date(legacy) == born


def _substitutions(number: str, alphabet: str) -> st.SearchStrategy[tuple[int, str]]:
    return st.tuples(
        st.integers(min_value=0, max_value=len(number) - 1), st.sampled_from(alphabet)
    ).filter(lambda change: number[change[0]] != change[1])


@settings(max_examples=300)
@given(ric_parts(), st.data())
def test_any_single_character_change_of_a_ric_is_caught(
    parts: tuple[str, date, int], data: st.DataObject
) -> None:
    """MOD 11-2 detects every single substitution, so no changed RIC validates."""
    number = build_ric(*parts)
    position, char = data.draw(_substitutions(number, "0123456789X"))
    changed = number[:position] + char + number[position + 1 :]
    assert not identity.is_valid("cn_ric", changed)


def uscc_numbers() -> st.SearchStrategy[str]:
    """Return a strategy for valid USCCs over every department/type pair of the table."""

    def build(prefix: str, region: str, org: str) -> str:
        body = prefix + region + org + cn_uscc.calc_organization_check_digit(org)
        return body + cn_uscc.calc_check_digit(body)

    return st.builds(
        build,
        st.sampled_from(PREFIXES),
        st.text(alphabet="0123456789", min_size=6, max_size=6),
        st.text(alphabet=USCC_CHARS, min_size=8, max_size=8),
    )


@settings(max_examples=300)
@given(uscc_numbers())
def test_generated_usccs_validate_and_agree_with_stdnum(number: str) -> None:
    """Generated USCCs validate; stdnum agrees on the mod-31 check wherever it accepts digits."""
    assert identity.validate("cn_uscc", number) == number
    assert stdnum.cn.uscc.calc_check_digit(number[:17]) == number[17]
    if number[:8].isdigit():
        assert stdnum.cn.uscc.validate(number) == number


@settings(max_examples=300)
@given(uscc_numbers(), st.data())
def test_any_single_character_change_of_a_uscc_is_caught(number: str, data: st.DataObject) -> None:
    """Mod 31 (a prime above every character value) detects every single substitution."""
    position, char = data.draw(_substitutions(number, USCC_CHARS + "IOZSV"))
    changed = number[:position] + char + number[position + 1 :]
    assert not identity.is_valid("cn_uscc", changed)


def hkid_numbers() -> st.SearchStrategy[str]:
    """Return a strategy for valid compact HKIDs (one or two letters)."""
    letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2)
    digits = st.text(alphabet="0123456789", min_size=6, max_size=6)
    return st.builds(lambda a, d: a + d + hk_hkid.calc_check_digit(a + d), letters, digits)


@settings(max_examples=300)
@given(hkid_numbers(), st.data())
def test_single_character_changes_of_an_hkid(number: str, data: st.DataObject) -> None:
    """Digit and check changes are always caught; a letter change only when not 11 apart.

    The HKID checksum is mod 11 and letters are worth 10-35, so swapping A/L/W, B/M/X ... (values
    11 apart) is undetectable by design; every other substitution is caught.
    """
    position, char = data.draw(_substitutions(number, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    changed = number[:position] + char + number[position + 1 :]
    letters = len(number) - 7
    old = number[position]
    undetectable = position < letters and char.isalpha() and (ord(old) - ord(char)) % 11 == 0
    assert identity.is_valid("hk_hkid", changed) is undetectable


@settings(max_examples=200)
@given(ric_parts(), st.data())
def test_ric_survives_typing_noise(parts: tuple[str, date, int], data: st.DataObject) -> None:
    """Spaces, hyphens, full-width digits and a lower-case x all normalize to the canonical form."""
    number = build_ric(*parts)
    noisy = []
    for char in number.lower():
        if data.draw(st.booleans()):
            char = chr(ord(char) + 0xFEE0)  # full-width form
        noisy.append(char)
        noisy.append(data.draw(st.sampled_from(["", " ", "-", "\u3000", "\t"])))
    assert identity.validate("cn_ric", "".join(noisy)) == number


@settings(max_examples=200)
@given(ric_parts())
def test_future_birth_dates_are_refused_only_with_a_clock(parts: tuple[str, date, int]) -> None:
    """A birth date after the clock's date is a component error; before or on it, valid."""
    region, _born, seq = parts
    future = build_ric(region, date(2026, 11, 29), seq)
    assert identity.is_valid("cn_ric", future)
    assert not identity.is_valid("cn_ric", future, clock=CLOCK)
    assert identity.is_valid("cn_ric", build_ric(region, date(2026, 11, 28), seq), clock=CLOCK)
