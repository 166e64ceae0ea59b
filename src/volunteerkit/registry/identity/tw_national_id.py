"""Taiwan National Identification Number (中華民國國民身分證統一編號).

A letter (the registering city or county), ``1`` (male) or ``2`` (female), and 8 digits, the last
a check digit. The letter's two-digit code (A10 B11 C12 D13 E14 F15 G16 H17 **I34** J18 K19 L20
M21 N22 **O35** P23 Q24 R25 S26 T27 U28 V29 **W32 X30 Y31 Z33**) is weighted 1 and 9, the next
8 digits 8 ... 1 and the check digit 1; the total must be divisible by 10 (magiclen.org/tw-id-num,
identity.md section 2).

Numbers whose second digit is ``8`` or ``9`` are the 2021 foreign-resident numbers: they belong to
:mod:`~volunteerkit.registry.identity.tw_uin`, and are refused here.

Examples:
    >>> validate("a123456789")
    'A123456789'
"""

from __future__ import annotations

import re
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity._checksums import tw_sum
from volunteerkit.registry.identity._errors import (
    InvalidIdentity,
    bad_checksum,
    bad_format,
    bad_length,
)
from volunteerkit.registry.identity._model import IdentityDocument, Sex
from volunteerkit.registry.identity._normalize import normalize

__all__ = [
    "SCHEME",
    "calc_check_digit",
    "compact",
    "format",
    "is_valid",
    "parse",
    "sex",
    "validate",
]

SCHEME: Final = "tw_national_id"
"""The scheme id of this module (``tw_national_id``), as ``validate`` and ``SCHEMES`` name it."""

_SHAPE: Final = re.compile(r"[A-Z][12][0-9]{8}", re.ASCII).fullmatch
_BODY: Final = re.compile(r"[A-Z][12][0-9]{7}", re.ASCII).fullmatch
_UIN_SHAPE: Final = re.compile(r"[A-Z](?:[89]|[A-D])[0-9]{8}", re.ASCII).fullmatch


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


def validate(value: object, *, clock: Clock | None = None) -> str:
    """Check a national ID number and return its canonical form.

    Args:
        value: The number.
        clock: Accepted for a uniform interface; the number encodes no date.

    Returns:
        The 10 upper-case characters.

    Raises:
        InvalidFormat: Not a letter, ``1``/``2`` and 8 digits (a resident's UIN is refused here
            with code ``identity.format.scheme``).
        InvalidLength: Not 10 characters.
        InvalidChecksum: The check digit does not match.
    """
    number = normalize(value)
    if len(number) != 10:
        raise bad_length("10 characters", " 10 位")
    if _SHAPE(number) is None:
        if _UIN_SHAPE(number) is not None:
            raise bad_format(
                "a national ID (second digit 1 or 2); this is a resident's number (scheme tw_uin)",
                "国民身分证号码(第二位为 1 或 2);此为居留证统一证号(tw_uin)",
                code="identity.format.scheme",
            )
        raise bad_format("a letter, 1 or 2, and 8 digits", "1 个字母、1 或 2、再加 8 位数字")
    if (tw_sum(number[0], ord(number[1]) - 48, number[2:9]) + ord(number[9]) - 48) % 10:
        raise bad_checksum()
    return number


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` is a valid national ID number; never raises for any value.

    Args:
        value: Anything.
        clock: Unused (uniform interface).

    Returns:
        ``True`` if :func:`validate` would succeed.
    """
    try:
        validate(value, clock=clock)
    except InvalidIdentity:
        return False
    return True


def format(value: object) -> str:
    """Return the display form of a valid number (its canonical 10 characters).

    Args:
        value: The number.

    Returns:
        The canonical number.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return validate(value)


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate a national ID number and return what it says.

    Args:
        value: The number.
        clock: Unused (uniform interface).

    Returns:
        A document with ``sex`` and ``extra`` ``(("issuer_letter", "A"),)``.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number = validate(value, clock=clock)
    return IdentityDocument(
        scheme=SCHEME,
        number=number,
        sex=Sex.MALE if number[1] == "1" else Sex.FEMALE,
        extra=(("issuer_letter", number[0]),),
    )


def sex(value: object) -> Sex:
    """Return the sex a valid number encodes (``1`` male, ``2`` female).

    Args:
        value: The number.

    Returns:
        :attr:`Sex.MALE` or :attr:`Sex.FEMALE`.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return Sex.MALE if validate(value)[1] == "1" else Sex.FEMALE


def calc_check_digit(body: str) -> str:
    """Return the check digit for the first nine characters of a national ID number.

    Args:
        body: A letter, ``1`` or ``2``, and 7 digits, such as ``"A12345678"``.

    Returns:
        ``"0"`` to ``"9"``.

    Raises:
        InvalidFormat: If ``body`` does not have that shape.

    Examples:
        >>> calc_check_digit("A12345678")
        '9'
    """
    if not isinstance(body, str) or _BODY(body) is None:
        raise bad_format("a letter, 1 or 2, and 7 digits", "1 个字母、1 或 2、再加 7 位数字")
    return str(-tw_sum(body[0], ord(body[1]) - 48, body[2:]) % 10)
