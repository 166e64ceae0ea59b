"""PRC ordinary passport number (typed, not from an MRZ).

Secondary sources only (**low confidence**, identity.md section 3):

* ``E`` + 8 digits: electronic passports 2012-2017;
* ``E`` + a letter other than ``I`` and ``O`` + 7 digits: from 2017-04-05;
* ``G`` + 8 digits: the legacy series.

A passport number has no check digit of its own (the MRZ adds one, see
:mod:`~volunteerkit.registry.identity.icao_td3_mrz`), so :func:`parse` always carries the warnings
``identity.warning.no_check_digit`` and ``identity.warning.low_confidence``. Where the MRZ is
available, check that its document number equals the typed number.

Examples:
    >>> validate("ea1234567")
    'EA1234567'
"""

from __future__ import annotations

import re
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity import _warnings
from volunteerkit.registry.identity._errors import InvalidIdentity, bad_format, bad_length
from volunteerkit.registry.identity._model import IdentityDocument
from volunteerkit.registry.identity._normalize import normalize

__all__ = ["SCHEME", "compact", "format", "is_valid", "parse", "series", "validate"]

SCHEME: Final = "cn_passport_number"
"""The scheme id of this module (``cn_passport_number``), as ``validate`` and ``SCHEMES`` name it."""

_SHAPE: Final = re.compile(r"E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}", re.ASCII).fullmatch


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
    """Check a passport number's format and return its canonical form.

    Args:
        value: The number.
        clock: Accepted for a uniform interface; the number encodes no date.

    Returns:
        The 9 upper-case characters.

    Raises:
        InvalidFormat: Not one of the three series.
        InvalidLength: Not 9 characters.
    """
    number = normalize(value)
    if len(number) != 9:
        raise bad_length("9 characters", " 9 位")
    if _SHAPE(number) is None:
        raise bad_format(
            "E + 8 digits, E + a letter (not I or O) + 7 digits, or G + 8 digits",
            " E 加 8 位数字、E 加 1 个字母(非 I、O)加 7 位数字,或 G 加 8 位数字",
        )
    return number


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` has a PRC passport-number format; never raises for any value.

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
    """Return the display form of a valid number (its canonical 9 characters).

    Args:
        value: The number.

    Returns:
        The canonical number.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return validate(value)


def series(value: object) -> str:
    """Return the series of a valid number.

    Args:
        value: The number.

    Returns:
        ``"E2012"`` (E + 8 digits), ``"E2017"`` (E + letter + 7 digits) or ``"G"``.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    number = validate(value)
    if number[0] == "G":
        return "G"
    return "E2012" if number[1].isdigit() else "E2017"


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate a passport number and return it with its warnings.

    Args:
        value: The number.
        clock: Unused (uniform interface).

    Returns:
        A document with ``nationality="CHN"``, ``edition`` from :func:`series` and warnings
        ``identity.warning.no_check_digit`` and ``identity.warning.low_confidence``.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number = validate(value, clock=clock)
    return IdentityDocument(
        scheme=SCHEME,
        number=number,
        edition=series(number),
        nationality="CHN",
        warnings=(_warnings.no_check_digit(), _warnings.low_confidence()),
    )
