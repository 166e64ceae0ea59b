"""Residence permit for Hong Kong, Macao and Taiwan residents (港澳台居民居住证).

Source: 国办发〔2018〕81号 (in force since 2018-09-01), identity.md section 2. The number is a
citizen ID number (GB 11643 layout) whose address code is **exactly** ``810000`` (Hong Kong),
``820000`` (Macao) or ``830000`` (Taiwan); birth date, sequence number and the ISO 7064
MOD 11-2 check character are as for :mod:`~volunteerkit.registry.identity.cn_ric`. There is no
15-digit form. python-stdnum refuses most of these numbers (identity.md section 6, defect 2).

The future-birth-date check is made only when a clock is passed.

Examples:
    >>> validate("810000199408230021")
    '810000199408230021'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity._citizen import (
    CITIZEN_18,
    birth_date_of,
    check_body,
    citizen_shape,
    sex_of,
)
from volunteerkit.registry.identity._dates import today
from volunteerkit.registry.identity._errors import InvalidIdentity, bad_component
from volunteerkit.registry.identity._model import IdentityDocument, Sex
from volunteerkit.registry.identity._normalize import normalize

__all__ = [
    "AREAS",
    "SCHEME",
    "area",
    "birth_date",
    "compact",
    "format",
    "is_valid",
    "parse",
    "sex",
    "validate",
]

SCHEME: Final = "cn_hmt_residence_permit"
"""The scheme id of this module (``cn_hmt_residence_permit``), as ``validate`` and ``SCHEMES`` name it."""

AREAS: Final[Mapping[str, str]] = MappingProxyType({"810000": "HK", "820000": "MO", "830000": "TW"})
"""Address code -> area the holder is a resident of."""


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
    """Check a residence-permit number and return its canonical form.

    Args:
        value: The number.
        clock: Source of "today" for the future-birth-date check; with ``None`` (the default)
            that check is **not** made.

    Returns:
        The 18 ASCII characters, upper-case ``X``.

    Raises:
        InvalidFormat: Not a string, or wrong characters.
        InvalidLength: Not 18 characters.
        InvalidChecksum: The check character does not match.
        InvalidComponent: Address code other than 810000/820000/830000, or a bad birth date.
        NaiveDatetimeError: If ``clock`` returns a naive datetime.
    """
    if type(value) is str and CITIZEN_18(value) is not None:
        number = value
    else:
        number = normalize(value)
        citizen_shape(number)
    if number[:6] not in AREAS:
        raise bad_component(
            "the address code of a Hong Kong/Macao/Taiwan residence permit must be exactly "
            "810000, 820000 or 830000",
            "港澳台居民居住证的地址码必须为 810000、820000 或 830000",
            code="identity.component.region",
        )
    check_body(number, today(clock))
    return number


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` is a valid residence-permit number; never raises for any value.

    Args:
        value: Anything.
        clock: See :func:`validate`.

    Returns:
        ``True`` if :func:`validate` would succeed.
    """
    try:
        validate(value, clock=clock)
    except InvalidIdentity:
        return False
    return True


def format(value: object) -> str:
    """Return the display form of a valid number (its canonical 18 characters).

    Args:
        value: The number.

    Returns:
        The canonical number.

    Raises:
        InvalidIdentity: If the number is not valid (checked without a clock).
    """
    return validate(value)


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate a residence-permit number and return what it says.

    Args:
        value: The number.
        clock: See :func:`validate`.

    Returns:
        A document with ``birth_date``, ``sex``, ``region`` (810000/820000/830000) and
        ``extra`` ``(("area", "HK" | "MO" | "TW"),)``. ``nationality`` is ``None``.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number = validate(value, clock=clock)
    return IdentityDocument(
        scheme=SCHEME,
        number=number,
        birth_date=birth_date_of(number),
        sex=sex_of(number),
        region=number[:6],
        extra=(("area", AREAS[number[:6]]),),
    )


def area(value: object) -> str:
    """Return ``"HK"``, ``"MO"`` or ``"TW"`` for a valid number.

    Args:
        value: The number.

    Returns:
        The area the holder is a resident of.

    Raises:
        InvalidIdentity: If the number is not valid (checked without a clock).
    """
    return AREAS[validate(value)[:6]]


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
