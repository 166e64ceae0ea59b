"""Macao Resident Identity Card number (澳門居民身份證, BIR).

8 digits printed ``NNNNNNN(N)``; the first digit marks the issuer (1, 5 and 7 are seen). The
algorithm of the last digit is not public, so validation is by format only (**low confidence**:
en.wikipedia, idnumbers; identity.md section 2) and :func:`parse` always carries the warnings
``identity.warning.no_check_digit`` and ``identity.warning.low_confidence``.

Input may be typed with or without the parentheses; the canonical form is the printed one,
``5215432(8)``, as for HKID.

Examples:
    >>> validate("52154328")
    '5215432(8)'
"""

from __future__ import annotations

import re
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity import _warnings
from volunteerkit.registry.identity._errors import InvalidIdentity, bad_format, bad_length
from volunteerkit.registry.identity._model import IdentityDocument
from volunteerkit.registry.identity._normalize import normalize, strip_check_parentheses

__all__ = ["SCHEME", "compact", "format", "is_valid", "parse", "validate"]

SCHEME: Final = "mo_bir"
"""The scheme id of this module (``mo_bir``), as ``validate`` and ``SCHEMES`` name it."""

_SHAPE: Final = re.compile(r"[0-9]{8}", re.ASCII).fullmatch


def compact(value: object) -> str:
    """Normalize a value without validating it; the parentheses around the last digit go.

    Args:
        value: The raw value.

    Returns:
        The normalized text, ``52154328`` for ``5215432(8)``.

    Raises:
        InvalidFormat: If ``value`` is not a string or keeps non-ASCII characters.
        InvalidLength: If ``value`` is absurdly long.
    """
    return strip_check_parentheses(normalize(value))


def validate(value: object, *, clock: Clock | None = None) -> str:
    """Check a BIR number's format and return its canonical, printed form.

    Args:
        value: The number, ``5215432(8)`` or ``52154328``.
        clock: Accepted for a uniform interface; the number encodes no date.

    Returns:
        The number as printed: 7 digits and the last digit in parentheses.

    Raises:
        InvalidFormat: Not digits only (parentheses are allowed only around the last digit).
        InvalidLength: Not 8 digits.
    """
    number = compact(value)
    if len(number) != 8:
        raise bad_length("8 digits, printed NNNNNNN(N)", " 8 位数字,印作 NNNNNNN(N)")
    if _SHAPE(number) is None:
        raise bad_format("8 digits, printed NNNNNNN(N)", " 8 位数字,印作 NNNNNNN(N)")
    return f"{number[:7]}({number[7]})"


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` has the BIR format; never raises for any value.

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
    """Return the printed form ``NNNNNNN(N)`` of a valid number.

    Args:
        value: The number.

    Returns:
        The canonical (printed) number.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return validate(value)


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate a BIR number and return it with its format-only warnings.

    Args:
        value: The number.
        clock: Unused (uniform interface).

    Returns:
        A document with warnings ``identity.warning.no_check_digit`` and
        ``identity.warning.low_confidence``.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    return IdentityDocument(
        scheme=SCHEME,
        number=validate(value, clock=clock),
        warnings=(_warnings.no_check_digit(), _warnings.low_confidence()),
    )
