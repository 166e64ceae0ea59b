"""Foreigner's Permanent Residence ID Card (外国人永久居留身份证), 2017 and 2023 editions.

Both editions are in circulation, so both are accepted (identity.md section 2).

**2017 edition, 15 characters** (official: "3 Latin letters + 12 digits", NIA 2023 rules; field
layout of *medium confidence*, from published implementations):

=========  =============================================================
positions  content
=========  =============================================================
1-3        ISO 3166-1 alpha-3 nationality
4-7        accepting authority (first four digits of a GB/T 2260 code)
8-13       birth date ``YYMMDD`` (must be a real date)
14         sequence digit (odd = male, even = female)
15         ICAO 7-3-1 check digit over positions 1-14 (A=10 ... Z=35)
=========  =============================================================

Because the check-digit rule is not officially confirmed, a mismatch is a **warning**
(``identity.warning.unconfirmed_check_digit`` from :func:`parse`), not an error, unless the
caller opts in with ``enforce_check_digit=True``. The century of ``YYMMDD`` is inferred: the
edition was issued until 2023-11-30, so the birth year is ``20YY`` when that date is not later
than 2023-11-30 (nor, with a clock, later than today), else ``19YY``.

**2023 edition, 18 digits** (issued from 2023-12-01): ``9``, a 2-digit province code, the
3-digit ISO 3166-1 numeric nationality, ``YYYYMMDD``, a 3-digit sequence and the ISO 7064
MOD 11-2 check character, as for the citizen number (official: first digit 9 marks a foreigner,
last character MOD 11-2; the inner layout comes from implementations). An unknown province or
nationality code is a warning, not an error.

Examples:
    >>> validate("kaz110090123105")
    'KAZ110090123105'
    >>> validate("911398199012310021")
    '911398199012310021'
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity import _warnings
from volunteerkit.registry.identity._checksums import icao_7_3_1
from volunteerkit.registry.identity._citizen import CITIZEN_18, birth_date_of, check_body
from volunteerkit.registry.identity._data import alpha3_codes, numeric_to_alpha3, region_codes
from volunteerkit.registry.identity._dates import check_birth, to_date, today
from volunteerkit.registry.identity._errors import (
    InvalidIdentity,
    bad_checksum,
    bad_format,
    bad_length,
)
from volunteerkit.registry.identity._model import IdentityDocument, IdentityWarning, Sex
from volunteerkit.registry.identity._normalize import normalize

__all__ = [
    "LAST_2017_ISSUE",
    "SCHEME",
    "birth_date",
    "calc_check_digit",
    "compact",
    "edition",
    "format",
    "is_valid",
    "nationality",
    "parse",
    "validate",
]

SCHEME: Final = "cn_foreign_pr"
"""The scheme id of this module (``cn_foreign_pr``), as ``validate`` and ``SCHEMES`` name it."""

LAST_2017_ISSUE: Final = "20231130"
"""The 2017 edition was issued until 2023-11-30 (the 2023 edition from 2023-12-01)."""

_SHAPE_2017: Final = re.compile(r"[A-Z]{3}[0-9]{12}", re.ASCII).fullmatch
_BODY_2017: Final = re.compile(r"[A-Z]{3}[0-9]{11}", re.ASCII).fullmatch


def compact(value: object) -> str:
    """Normalize a value without validating it (NFKC, separators removed, upper case).

    Args:
        value: The raw value.

    Returns:
        The normalized text.

    Raises:
        InvalidFormat: If ``value`` is not a string or keeps non-ASCII characters.
        InvalidLength: If ``value`` is absurdly long.
    """
    return normalize(value)


def _birth_2017(yymmdd: str, today_ymd: str | None) -> str:
    """Infer the century of a 2017-edition birth date; return ``YYYYMMDD``."""
    pivot = LAST_2017_ISSUE if today_ymd is None else min(LAST_2017_ISSUE, today_ymd)
    candidate = "20" + yymmdd
    return candidate if candidate <= pivot else "19" + yymmdd


def _check(value: object, clock: Clock | None, enforce_check_digit: bool) -> tuple[str, bool]:
    """Return ``(canonical number, 7-3-1 check digit matches)``; the flag is True for 2023."""
    number = value if type(value) is str and CITIZEN_18(value) is not None else normalize(value)
    if len(number) == 15:
        if _SHAPE_2017(number) is None:
            raise bad_format(
                "3 letters and 12 digits (2017 edition)",
                " 3 个字母加 12 位数字(2017 版)",
                code="identity.format.charset",
            )
        today_ymd = today(clock)
        check_birth(_birth_2017(number[7:13], today_ymd), today_ymd)
        matches = icao_7_3_1(number[:14]) == number[14]
        if not matches and enforce_check_digit:
            raise bad_checksum()
        return number, matches
    if len(number) != 18:
        raise bad_length(
            "15 characters (2017 edition) or 18 digits (2023 edition)",
            " 15 位(2017 版)或 18 位(2023 版)",
        )
    if CITIZEN_18(number) is None:
        raise bad_format(
            "17 digits followed by a digit or X (2023 edition)",
            " 17 位数字加 1 位数字或 X(2023 版)",
            code="identity.format.charset",
        )
    if number[0] != "9":
        raise bad_format(
            "a first digit 9 (2023 edition)",
            "首位为 9(2023 版)",
            code="identity.format.prefix",
        )
    check_body(number, today(clock))
    return number, True


def validate(
    value: object, *, clock: Clock | None = None, enforce_check_digit: bool = False
) -> str:
    """Check a permanent-residence card number of either edition and return its canonical form.

    Args:
        value: The number.
        clock: Source of "today" for the future-birth-date check; with ``None`` (the default)
            that check is **not** made.
        enforce_check_digit: Refuse a 2017-edition number whose ICAO 7-3-1 check digit does not
            match (by default that is only a warning, since the rule is not official).

    Returns:
        The canonical number: 15 upper-case characters (2017) or 18 digits (2023).

    Raises:
        InvalidFormat: Not a string, wrong characters, or an 18-digit number not starting 9.
        InvalidLength: Neither 15 nor 18 characters.
        InvalidChecksum: The 2023 MOD 11-2 check fails (or, if enforced, the 2017 7-3-1 check).
        InvalidComponent: The birth date is not real (or is after the clock's date).
        NaiveDatetimeError: If ``clock`` returns a naive datetime.
    """
    return _check(value, clock, enforce_check_digit)[0]


def is_valid(
    value: object, *, clock: Clock | None = None, enforce_check_digit: bool = False
) -> bool:
    """Return whether ``value`` is a valid permanent-residence number; never raises for any value.

    Args:
        value: Anything.
        clock: See :func:`validate`.
        enforce_check_digit: See :func:`validate`.

    Returns:
        ``True`` if :func:`validate` would succeed.
    """
    try:
        _check(value, clock, enforce_check_digit)
    except InvalidIdentity:
        return False
    return True


def format(value: object) -> str:
    """Return the display form of a valid number (its canonical form).

    Args:
        value: The number.

    Returns:
        The canonical number.

    Raises:
        InvalidIdentity: If the number is not valid (checked without a clock).
    """
    return validate(value)


def parse(
    value: object, *, clock: Clock | None = None, enforce_check_digit: bool = False
) -> IdentityDocument:
    """Validate a permanent-residence number and return what it says.

    Args:
        value: The number.
        clock: See :func:`validate`.
        enforce_check_digit: See :func:`validate`.

    Returns:
        A document with ``edition`` ``"2017"`` or ``"2023"``, ``birth_date``, ``nationality``
        (ISO alpha-3, ``None`` if the code is not an ISO 3166-1 code) and ``region`` (the GB/T 2260
        code the authority/province digits point to, or ``None``). ``sex`` is given for the 2017
        edition only (its sequence digit); the 2023 layout source does not define it. Warnings:
        ``identity.warning.unconfirmed_check_digit``, ``identity.warning.nationality``,
        ``identity.warning.region``.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number, matches = _check(value, clock, enforce_check_digit)
    warnings: list[IdentityWarning] = []
    if len(number) == 15:
        alpha3: str | None = number[:3]
        region: str | None = number[3:7] + "00"
        born = to_date(_birth_2017(number[7:13], today(clock)))
        sex: Sex | None = Sex.MALE if (ord(number[13]) - 48) % 2 else Sex.FEMALE
        if not matches:
            warnings.append(_warnings.unconfirmed_check_digit())
        if alpha3 not in alpha3_codes():
            alpha3 = None
        edition_name = "2017"
    else:
        alpha3 = numeric_to_alpha3().get(number[3:6])
        region = number[1:3] + "0000"
        born = birth_date_of(number)
        sex = None
        edition_name = "2023"
    if alpha3 is None:
        warnings.append(_warnings.unknown_nationality())
    if region not in region_codes():
        region = None
        warnings.append(_warnings.unknown_region())
    return IdentityDocument(
        scheme=SCHEME,
        number=number,
        edition=edition_name,
        birth_date=born,
        sex=sex,
        region=region,
        nationality=alpha3,
        warnings=tuple(warnings),
    )


def edition(value: object) -> str:
    """Return ``"2017"`` or ``"2023"`` for a valid number.

    Args:
        value: The number.

    Returns:
        The card edition its layout belongs to.

    Raises:
        InvalidIdentity: If the number is not valid (checked without a clock).
    """
    return "2017" if len(validate(value)) == 15 else "2023"


def nationality(value: object) -> str | None:
    """Return the ISO 3166-1 alpha-3 nationality of a valid number.

    Args:
        value: The number.

    Returns:
        ``"KAZ"`` for ``KAZ110090123105`` and for ``911398199012310021``; ``None`` if the
        nationality part is not an ISO 3166-1 code.

    Raises:
        InvalidIdentity: If the number is not valid (checked without a clock).
    """
    return parse(value).nationality


def birth_date(value: object, *, clock: Clock | None = None) -> date:
    """Return the birth date of a valid number (century inferred for the 2017 edition).

    Args:
        value: The number.
        clock: See :func:`validate`.

    Returns:
        The birth date.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    number = validate(value, clock=clock)
    if len(number) == 15:
        return to_date(_birth_2017(number[7:13], today(clock)))
    return birth_date_of(number)


def calc_check_digit(body: str) -> str:
    """Return the ICAO 7-3-1 check digit of the first 14 characters of a 2017-edition number.

    Args:
        body: 3 upper-case letters and 11 digits, or a full 15-character number.

    Returns:
        ``"0"`` to ``"9"``.

    Raises:
        InvalidFormat: If ``body`` does not start with 3 letters and 11 digits.

    Examples:
        >>> calc_check_digit("KAZ11009012310")
        '5'
    """
    if not isinstance(body, str) or len(body) not in (14, 15) or _BODY_2017(body[:14]) is None:
        raise bad_format(
            "3 upper-case letters and 11 digits",
            " 3 个大写字母加 11 位数字",
            code="identity.format.charset",
        )
    return icao_7_3_1(body[:14])
