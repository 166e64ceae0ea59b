"""PRC Resident Identity Card number (居民身份证号码, GB 11643-1999).

18 characters: a 6-digit GB/T 2260 address code, the birth date ``YYYYMMDD``, a 3-digit sequence
number (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (``X`` for 10).

Rules (identity.md section 1):

* the address code must be in the union of every historical GB/T 2260 revision (abolished codes
  stay valid: numbers never change); codes starting ``81``/``82``/``83`` belong to
  :mod:`~volunteerkit.registry.identity.cn_hmt_residence_permit` and ``71`` (Taiwan) is not used,
  so those are refused here;
* the birth date must be a real date, not before 1800, and, **only when a clock is passed**, not
  after the clock's date in China Standard Time. With ``clock=None`` no future-date check is made:
  pass ``clock=SystemClock()`` at the edge of your application;
* the 15-digit first-generation number (GB 11643-1989: address, ``YYMMDD``, sequence, no check
  character) is accepted as legacy data and upgraded: ``19`` is inserted before the year and the
  check character appended, so ``validate`` returns 18 characters;
* an address code first listed after the birth date is a *warning* of :func:`parse`
  (``identity.warning.region_after_birth``), not an error: python-stdnum refuses such numbers,
  wrongly (identity.md section 6, defect 3).

Examples:
    >>> validate("11010519491231002x")
    '11010519491231002X'
    >>> validate("110105491231002")
    '11010519491231002X'
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity import _warnings
from volunteerkit.registry.identity._checksums import mod_11_2
from volunteerkit.registry.identity._citizen import (
    CITIZEN_18,
    birth_date_of,
    check_body,
    region_warnings,
    sex_of,
)
from volunteerkit.registry.identity._data import ric_region_codes
from volunteerkit.registry.identity._dates import check_birth, today
from volunteerkit.registry.identity._errors import (
    InvalidIdentity,
    bad_component,
    bad_format,
    bad_length,
    bad_region,
)
from volunteerkit.registry.identity._model import IdentityDocument, Sex
from volunteerkit.registry.identity._normalize import normalize

__all__ = [
    "SCHEME",
    "birth_date",
    "calc_check_digit",
    "compact",
    "format",
    "is_valid",
    "parse",
    "region",
    "sex",
    "to_18",
    "validate",
]

SCHEME: Final = "cn_ric"
"""The scheme id of this module (``cn_ric``), as ``validate`` and ``SCHEMES`` name it."""

_DIGITS_15: Final = re.compile(r"[0-9]{15}", re.ASCII).fullmatch
_DIGITS_17: Final = re.compile(r"[0-9]{17}", re.ASCII).fullmatch


def compact(value: object) -> str:
    """Normalize a value without validating it (NFKC, separators removed, upper case).

    Args:
        value: The raw value.

    Returns:
        The normalized text (a 15-digit number stays 15 digits here).

    Raises:
        InvalidFormat: If ``value`` is not a string or keeps non-ASCII characters.
        InvalidLength: If ``value`` is absurdly long.
    """
    return normalize(value)


def _region_error(code: str) -> InvalidIdentity:
    if code[:2] in ("81", "82", "83"):
        return bad_component(
            "address codes 810000, 820000 and 830000 belong to residence permits for Hong Kong, "
            "Macao and Taiwan residents (scheme cn_hmt_residence_permit), not to citizen ID cards",
            "810000、820000、830000 是港澳台居民居住证的地址码(cn_hmt_residence_permit),"
            "不用于居民身份证",
            code="identity.component.region",
        )
    if code[:2] == "71":
        return bad_component(
            "province code 71 (Taiwan) is not used in citizen ID numbers",
            "省级代码 71(台湾)不用于居民身份证号码",
            code="identity.component.region",
        )
    return bad_region()


def _check(value: object, clock: Clock | None) -> tuple[str, bool]:
    """Return ``(canonical 18-character number, given_as_15_digits)`` or raise."""
    if type(value) is str and CITIZEN_18(value) is not None:
        number = value  # fast path: already canonical ASCII, nothing to normalize
    else:
        number = normalize(value)
        if len(number) == 15:
            return _check_15(number, clock), True
        if len(number) != 18:
            raise bad_length(
                "18 characters (or 15 digits for a first-generation number)",
                " 18 位(第一代身份证为 15 位数字)",
            )
        if CITIZEN_18(number) is None:
            raise bad_format(
                "17 digits followed by a digit or X",
                " 17 位数字加 1 位数字或 X",
                code="identity.format.charset",
            )
    if number[:6] not in ric_region_codes():
        raise _region_error(number[:6])
    check_body(number, today(clock))
    return number, False


def _check_15(number: str, clock: Clock | None) -> str:
    if _DIGITS_15(number) is None:
        raise bad_format(
            "15 digits for a first-generation number",
            " 15 位数字(第一代身份证)",
            code="identity.format.charset",
        )
    if number[:6] not in ric_region_codes():
        raise _region_error(number[:6])
    check_birth("19" + number[6:12], today(clock))
    body = number[:6] + "19" + number[6:]
    return body + mod_11_2(body)


def validate(value: object, *, clock: Clock | None = None) -> str:
    """Check a citizen ID number and return its canonical 18-character form.

    Args:
        value: The number, 18 characters or the legacy 15 digits, in any common typing
            (lower-case ``x``, full-width digits, spaces, hyphens).
        clock: Source of "today" for the future-birth-date check. With ``None`` (the default)
            that check is **not** made; pass ``SystemClock()`` at the edge of your application.

    Returns:
        The canonical number: 18 ASCII characters, upper-case ``X``.

    Raises:
        InvalidFormat: Not a string, or wrong characters.
        InvalidLength: Neither 18 characters nor 15 digits.
        InvalidChecksum: The check character does not match.
        InvalidComponent: Unknown or excluded address code (``identity.component.region``),
            impossible birth date (``identity.component.birth_date``) or a birth date after the
            clock's date (``identity.component.future_birth_date``).
        NaiveDatetimeError: If ``clock`` returns a naive datetime.
    """
    if type(value) is str and CITIZEN_18(value) is not None:
        if value[:6] not in ric_region_codes():
            raise _region_error(value[:6])
        check_body(value, today(clock))
        return value
    return _check(value, clock)[0]


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` is a valid citizen ID number; never raises for any value.

    Args:
        value: Anything.
        clock: See :func:`validate` (``None``: no future-date check).

    Returns:
        ``True`` if :func:`validate` would succeed.
    """
    try:
        validate(value, clock=clock)
    except InvalidIdentity:
        return False
    return True


def format(value: object) -> str:
    """Return the display form of a valid number (the canonical 18 characters).

    Args:
        value: The number.

    Returns:
        The canonical number; a 15-digit number is shown upgraded.

    Raises:
        InvalidIdentity: If the number is not valid (checked without a clock).
    """
    return validate(value)


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate a citizen ID number and return what it says.

    Args:
        value: The number.
        clock: See :func:`validate` (``None``: no future-date check).

    Returns:
        An :class:`~volunteerkit.registry.identity.IdentityDocument` with ``birth_date``,
        ``sex``, ``region`` (the address code), ``nationality="CHN"``, ``edition`` ``"1989"``
        for a number given in 15 digits (else ``None``) and warnings
        ``identity.warning.legacy_format`` (15 digits) and
        ``identity.warning.region_after_birth`` (address code newer than the birth date).

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number, legacy = _check(value, clock)
    warnings = region_warnings(number[:6], number[6:14])
    if legacy:
        warnings = (_warnings.legacy_ric(), *warnings)
    return IdentityDocument(
        scheme=SCHEME,
        number=number,
        edition="1989" if legacy else None,
        birth_date=birth_date_of(number),
        sex=sex_of(number),
        region=number[:6],
        nationality="CHN",
        warnings=warnings,
    )


def calc_check_digit(body: str) -> str:
    """Return the MOD 11-2 check character for the first 17 digits of a number.

    Args:
        body: 17 ASCII digits, or a full 18-character number (its first 17 are used).

    Returns:
        ``"0"`` to ``"9"`` or ``"X"``.

    Raises:
        InvalidFormat: If the first 17 characters are not ASCII digits.

    Examples:
        >>> calc_check_digit("11010519491231002")
        'X'
    """
    if not isinstance(body, str) or len(body) not in (17, 18) or _DIGITS_17(body[:17]) is None:
        raise bad_format("17 ASCII digits", " 17 位数字", code="identity.format.charset")
    return mod_11_2(body[:17])


def to_18(value: object, *, clock: Clock | None = None) -> str:
    """Upgrade a valid 15-digit first-generation number to 18 characters.

    An 18-character number is validated and returned as it is.

    Args:
        value: The number.
        clock: See :func:`validate`.

    Returns:
        The 18-character number (``610104620927690`` -> ``610104196209276908``).

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return validate(value, clock=clock)


def birth_date(value: object, *, clock: Clock | None = None) -> date:
    """Return the birth date of a valid number.

    Args:
        value: The number.
        clock: See :func:`validate`.

    Returns:
        The birth date.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return birth_date_of(validate(value, clock=clock))


def sex(value: object) -> Sex:
    """Return the sex a valid number encodes (odd sequence number = male).

    Args:
        value: The number.

    Returns:
        :attr:`Sex.MALE` or :attr:`Sex.FEMALE`.

    Raises:
        InvalidIdentity: If the number is not valid (checked without a clock).
    """
    return sex_of(validate(value))


def region(value: object) -> str:
    """Return the GB/T 2260 address code of a valid number.

    Args:
        value: The number.

    Returns:
        The first six digits.

    Raises:
        InvalidIdentity: If the number is not valid (checked without a clock).
    """
    return validate(value)[:6]
