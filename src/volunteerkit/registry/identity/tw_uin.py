"""Taiwan Unified Identification Number for residents (居留證統一證號, UIN / ARC number).

Two forms are accepted (identity.md section 2):

* **2021 form** (from 2021-01-02, CNA 2021-01-02): a letter, ``8`` (male) or ``9`` (female) and 8
  digits, with the national-ID checksum (see :mod:`~volunteerkit.registry.identity.tw_national_id`);
* **old ARC form**: a letter, a letter ``A``-``D`` and 8 digits; the second letter counts as its
  letter code mod 10 (A=0, B=1, C=2, D=3). These will no longer be used from 2031-01-01
  (newtalk 2020-12-16), and :func:`parse` marks them ``identity.warning.legacy_format``. No sex is
  derived from them: the notes give no source for that.

Examples:
    >>> validate("A800000014")
    'A800000014'
"""

from __future__ import annotations

import re
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity import _warnings
from volunteerkit.registry.identity._checksums import TW_LETTER_CODES, tw_sum
from volunteerkit.registry.identity._errors import (
    InvalidIdentity,
    bad_checksum,
    bad_format,
    bad_length,
)
from volunteerkit.registry.identity._model import IdentityDocument, Sex
from volunteerkit.registry.identity._normalize import normalize

__all__ = ["SCHEME", "calc_check_digit", "compact", "format", "is_valid", "parse", "validate"]

SCHEME: Final = "tw_uin"
"""The scheme id of this module (``tw_uin``), as ``validate`` and ``SCHEMES`` name it."""

_SHAPE: Final = re.compile(r"[A-Z](?:[89]|[A-D])[0-9]{8}", re.ASCII).fullmatch
_BODY: Final = re.compile(r"[A-Z](?:[89]|[A-D])[0-9]{7}", re.ASCII).fullmatch


def _second_value(char: str) -> int:
    if char.isdigit():
        return ord(char) - 48
    return TW_LETTER_CODES[char] % 10


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
    """Check a resident's UIN (2021 or old ARC form) and return its canonical form.

    Args:
        value: The number.
        clock: Accepted for a uniform interface; the number encodes no date.

    Returns:
        The 10 upper-case characters.

    Raises:
        InvalidFormat: Not a letter, ``8``/``9`` or ``A``-``D``, and 8 digits.
        InvalidLength: Not 10 characters.
        InvalidChecksum: The check digit does not match.
    """
    number = normalize(value)
    if len(number) != 10:
        raise bad_length("10 characters", " 10 位")
    if _SHAPE(number) is None:
        raise bad_format(
            "a letter, then 8 or 9 (2021 form) or a letter A-D (old ARC form), then 8 digits",
            "1 个字母,接 8 或 9(2021 年新式)或 A-D 字母(旧式居留证),再加 8 位数字",
        )
    if (tw_sum(number[0], _second_value(number[1]), number[2:9]) + ord(number[9]) - 48) % 10:
        raise bad_checksum()
    return number


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` is a valid resident's UIN; never raises for any value.

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
    """Validate a resident's UIN and return what it says.

    Args:
        value: The number.
        clock: Unused (uniform interface).

    Returns:
        A document with ``edition`` ``"2021"`` (with ``sex``) or ``"arc"`` (old form, warning
        ``identity.warning.legacy_format``), and ``extra`` ``(("issuer_letter", ...),)``.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number = validate(value, clock=clock)
    extra = (("issuer_letter", number[0]),)
    if number[1].isdigit():
        return IdentityDocument(
            scheme=SCHEME,
            number=number,
            edition="2021",
            sex=Sex.MALE if number[1] == "8" else Sex.FEMALE,
            extra=extra,
        )
    return IdentityDocument(
        scheme=SCHEME,
        number=number,
        edition="arc",
        extra=extra,
        warnings=(_warnings.legacy_arc(),),
    )


def calc_check_digit(body: str) -> str:
    """Return the check digit for the first nine characters of a UIN (either form).

    Args:
        body: A letter, ``8``/``9`` or ``A``-``D``, and 7 digits, such as ``"A80000001"``.

    Returns:
        ``"0"`` to ``"9"``.

    Raises:
        InvalidFormat: If ``body`` does not have that shape.

    Examples:
        >>> calc_check_digit("A80000001")
        '4'
    """
    if not isinstance(body, str) or _BODY(body) is None:
        raise bad_format(
            "a letter, 8/9 or A-D, and 7 digits", "1 个字母、8/9 或 A-D、再加 7 位数字"
        )
    return str(-tw_sum(body[0], _second_value(body[1]), body[2:]) % 10)
