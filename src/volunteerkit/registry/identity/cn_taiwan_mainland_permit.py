"""Mainland Travel Permit for Taiwan Residents (台湾居民来往大陆通行证, 台胞证).

Since 2008-09-25 the number is "one person, one number": an 8-digit lifetime number (chinanews
2008-09-12; nia.gov.cn 《中国出入境观察》 2020 p.36; identity.md section 2). Earlier numbers
added a 2-digit issue count and an issuer code in parentheses; that legacy form depends on local
policy and is refused here.

There is no public check digit: validation is by format only, and :func:`parse` always carries
the warning ``identity.warning.no_check_digit``.

Examples:
    >>> validate("2345 6789")
    '23456789'
"""

from __future__ import annotations

import re
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity import _warnings
from volunteerkit.registry.identity._errors import InvalidIdentity, bad_format, bad_length
from volunteerkit.registry.identity._model import IdentityDocument
from volunteerkit.registry.identity._normalize import normalize

__all__ = ["SCHEME", "compact", "format", "is_valid", "parse", "validate"]

SCHEME: Final = "cn_taiwan_mainland_permit"
"""The scheme id of this module (``cn_taiwan_mainland_permit``), as ``validate`` and ``SCHEMES`` name it."""

_SHAPE: Final = re.compile(r"[0-9]{8}", re.ASCII).fullmatch


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
        value: The number.
        clock: Accepted for a uniform interface; the number encodes no date.

    Returns:
        The 8 digits.

    Raises:
        InvalidFormat: Not digits only.
        InvalidLength: Not 8 characters.
    """
    number = normalize(value)
    if len(number) != 8:
        raise bad_length("8 digits", " 8 位数字")
    if _SHAPE(number) is None:
        raise bad_format("8 digits", " 8 位数字", code="identity.format.charset")
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
    """Return the display form of a valid number (its 8 digits).

    Args:
        value: The number.

    Returns:
        The canonical number.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return validate(value)


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate a permit number and return it with the format-only warning.

    Args:
        value: The number.
        clock: Unused (uniform interface).

    Returns:
        A document with warning ``identity.warning.no_check_digit`` and no derived fields.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    return IdentityDocument(
        scheme=SCHEME,
        number=validate(value, clock=clock),
        warnings=(_warnings.no_check_digit(),),
    )
