"""Hong Kong Identity Card number (香港身份證號碼, HKID).

Format ``L{1,2}DDDDDD(C)``: one or two letters, six digits and a check character ``0``-``9`` or
``A``. Letters are worth A=10 ... Z=35, a one-letter prefix is padded on the left with a space
worth 36, the weights are 9, 8, ..., 2, and the weighted sum plus the check value is divisible
by 11 (``A`` = 10). Not published by the Immigration Department; the sources (identity.md
section 2) and idnumbers 1.22.0 agree on all vectors. Other published variants (padding 58, or
A=1 ... K=11) are congruent mod 11 and give the same check character.

The parentheses may be typed or not; the canonical form is the printed one, ``A123456(3)``.

Examples:
    >>> validate("a1234563")
    'A123456(3)'
"""

from __future__ import annotations

import re
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity._checksums import hkid
from volunteerkit.registry.identity._errors import (
    InvalidIdentity,
    bad_checksum,
    bad_format,
    bad_length,
)
from volunteerkit.registry.identity._model import IdentityDocument
from volunteerkit.registry.identity._normalize import normalize, strip_check_parentheses

__all__ = ["SCHEME", "calc_check_digit", "compact", "format", "is_valid", "parse", "validate"]

SCHEME: Final = "hk_hkid"
"""The scheme id of this module (``hk_hkid``), as ``validate`` and ``SCHEMES`` name it."""

_SHAPE: Final = re.compile(r"([A-Z]{1,2})([0-9]{6})([0-9A])", re.ASCII).fullmatch
_BODY: Final = re.compile(r"([A-Z]{1,2})([0-9]{6})", re.ASCII).fullmatch


def compact(value: object) -> str:
    """Normalize a value without validating it; the parentheses around the check go.

    Args:
        value: The raw value.

    Returns:
        The normalized text, ``A1234563`` for ``A123456(3)``.

    Raises:
        InvalidFormat: If ``value`` is not a string or keeps non-ASCII characters.
        InvalidLength: If ``value`` is absurdly long.
    """
    return strip_check_parentheses(normalize(value))


def validate(value: object, *, clock: Clock | None = None) -> str:
    """Check an HKID number and return its canonical, printed form.

    Args:
        value: The number, ``A123456(3)``, ``A1234563``, ``a123456 (3)`` ...
        clock: Accepted for a uniform interface; the number encodes no date.

    Returns:
        The number as printed, check character in parentheses: ``A123456(3)``.

    Raises:
        InvalidFormat: Not one or two letters, six digits and ``0``-``9``/``A``.
        InvalidLength: Not 8 or 9 characters (without parentheses).
        InvalidChecksum: The check character does not match.
    """
    number = compact(value)
    if len(number) not in (8, 9):
        raise bad_length(
            "8 or 9 characters: 1 or 2 letters, 6 digits and a check character",
            " 8 或 9 位:1 至 2 个字母、6 位数字和 1 位校验码",
        )
    match = _SHAPE(number)
    if match is None:
        raise bad_format(
            "1 or 2 letters, 6 digits and a check character 0-9 or A",
            " 1 至 2 个字母、6 位数字和 1 位校验码(0-9 或 A)",
        )
    letters, digits, check = match.groups()
    if hkid(letters, digits) != check:
        raise bad_checksum()
    return f"{letters}{digits}({check})"


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` is a valid HKID number; never raises for any value.

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
    """Return the printed form ``A123456(3)`` of a valid number.

    Args:
        value: The number.

    Returns:
        The canonical (printed) number.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return validate(value)


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate an HKID number and return it (the number encodes no personal facts).

    Args:
        value: The number.
        clock: Unused (uniform interface).

    Returns:
        A document with only ``scheme`` and ``number``.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    return IdentityDocument(scheme=SCHEME, number=validate(value, clock=clock))


def calc_check_digit(body: str) -> str:
    """Return the check character for the letters and six digits of an HKID number.

    Args:
        body: One or two upper-case letters and six digits, such as ``"A123456"``.

    Returns:
        ``"0"`` to ``"9"`` or ``"A"``.

    Raises:
        InvalidFormat: If ``body`` is not one or two letters and six digits.

    Examples:
        >>> calc_check_digit("A123456")
        '3'
    """
    match = _BODY(body) if isinstance(body, str) else None
    if match is None:
        raise bad_format("1 or 2 upper-case letters and 6 digits", " 1 至 2 个大写字母加 6 位数字")
    return hkid(match.group(1), match.group(2))
