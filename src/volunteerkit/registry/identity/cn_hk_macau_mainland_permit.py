"""Mainland Travel Permit for Hong Kong and Macao Residents (港澳居民来往内地通行证, 回乡证).

Ministry of Public Security rule (chinanews 2010-03-10, identity.md section 2): 11 characters,
``H`` (Hong Kong) or ``M`` (Macao), an 8-digit lifetime number, and a 2-digit issue count (``00``
for the first card). Card editions print the 9-character form, with the issue count shown
separately, so both ``H12345678`` and ``H1234567890`` are accepted and kept as given.

There is no public check digit: validation is by format only, and :func:`parse` always carries
the warning ``identity.warning.no_check_digit``.

Examples:
    >>> validate("h1234567890")
    'H1234567890'
"""

from __future__ import annotations

import re
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity import _warnings
from volunteerkit.registry.identity._errors import InvalidIdentity, bad_format, bad_length
from volunteerkit.registry.identity._model import IdentityDocument
from volunteerkit.registry.identity._normalize import normalize

__all__ = ["SCHEME", "compact", "format", "is_valid", "lifetime_number", "parse", "validate"]

SCHEME: Final = "cn_hk_macau_mainland_permit"
"""The scheme id of this module (``cn_hk_macau_mainland_permit``), as ``validate`` and ``SCHEMES`` name it."""

_SHAPE: Final = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?", re.ASCII).fullmatch
_ISSUERS: Final = {"H": ("HK", "810000"), "M": ("MO", "820000")}


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
    """Check a permit number's format and return its canonical form.

    Args:
        value: The number, 9 or 11 characters.
        clock: Accepted for a uniform interface; the number encodes no date.

    Returns:
        The number, upper-case, as 9 or 11 characters.

    Raises:
        InvalidFormat: Not ``H``/``M`` followed by digits.
        InvalidLength: Neither 9 nor 11 characters.
    """
    number = normalize(value)
    if len(number) not in (9, 11):
        raise bad_length("9 or 11 characters", " 9 位或 11 位")
    if _SHAPE(number) is None:
        raise bad_format(
            "H (Hong Kong) or M (Macao) followed by 8 or 10 digits",
            " H(香港)或 M(澳门)加 8 位或 10 位数字",
        )
    return number


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` has the permit-number format; never raises for any value.

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
    """Return the display form of a valid number (its canonical form).

    Args:
        value: The number.

    Returns:
        The canonical number.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return validate(value)


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate a permit number and return what it says.

    Args:
        value: The number.
        clock: Unused (uniform interface).

    Returns:
        A document with ``region`` 810000 (``H``) or 820000 (``M``), ``extra`` ``issuer``
        (``HK``/``MO``), ``lifetime_number`` (9 characters) and, for 11 characters,
        ``issue_count``; warning ``identity.warning.no_check_digit``.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number = validate(value, clock=clock)
    issuer, region = _ISSUERS[number[0]]
    extra = [("issuer", issuer), ("lifetime_number", number[:9])]
    if len(number) == 11:
        extra.append(("issue_count", number[9:]))
    return IdentityDocument(
        scheme=SCHEME,
        number=number,
        region=region,
        extra=tuple(extra),
        warnings=(_warnings.no_check_digit(),),
    )


def lifetime_number(value: object) -> str:
    """Return the 9-character lifetime number (letter and 8 digits) of a valid number.

    Args:
        value: The number.

    Returns:
        ``H12345678`` for ``H1234567890``.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return validate(value)[:9]
