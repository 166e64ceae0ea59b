"""PRC mobile phone number (中国大陆手机号码), checked with libphonenumber's metadata.

11 digits, ``1`` and the network block (MIIT numbering plan), optionally written with the country
code ``+86`` or ``0086`` (identity.md section 5). Rules:

* the input is normalized (NFKC, spaces and hyphens out) and must then be exactly
  ``(+86|0086)?1[0-9]{10}``: letters, extensions and any other character are refused **before**
  ``phonenumbers`` sees the value, because ``phonenumbers.parse`` silently drops trailing letters
  (``13123456789ab`` would pass);
* the number must be ``is_valid_number`` and of type ``MOBILE`` for ``phonenumbers``; the naive
  ``1[3-9][0-9]{9}`` is wrong (it accepts the unallocated blocks 154 and 194);
* blocks that libphonenumber does not (yet) list as mobile, such as 149 (allocated to China
  Telecom, libphonenumber #1976), can be allowed with ``extra_blocks=("149",)``.

The canonical form is the 11-digit national number, as in the test vectors (``+8613123456789``
-> ``13123456789``); :func:`to_e164` gives the E.164 form ``+8613123456789`` for storage or
messaging, and :func:`format` the display form ``131 2345 6789``.

Examples:
    >>> validate("+86 131-2345-6789")
    '13123456789'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.errors import InvalidInputError
from volunteerkit.registry.identity._errors import (
    InvalidIdentity,
    bad_component,
    bad_format,
    bad_length,
)
from volunteerkit.registry.identity._model import IdentityDocument
from volunteerkit.registry.identity._normalize import normalize

__all__ = ["SCHEME", "compact", "format", "is_valid", "parse", "to_e164", "validate"]

SCHEME: Final = "cn_mobile"
"""The scheme id of this module (``cn_mobile``), as ``validate`` and ``SCHEMES`` name it."""

_SHAPE: Final = re.compile(r"(?:\+86|0086)?([0-9]+)", re.ASCII).fullmatch
_BLOCK: Final = re.compile(r"1[0-9]{2,6}", re.ASCII).fullmatch


def _blocks(extra_blocks: Iterable[str]) -> tuple[str, ...]:
    if isinstance(extra_blocks, str):
        extra_blocks = (extra_blocks,)
    try:
        blocks = tuple(extra_blocks)
    except TypeError:  # not iterable (None, a number): refused below
        blocks = (None,)  # type: ignore[assignment]
    for block in blocks:
        if not isinstance(block, str) or _BLOCK(block) is None:
            raise InvalidInputError(
                "extra_blocks must be digit prefixes of 3 to 7 digits starting with 1, "
                "such as '149'",
                "extra_blocks 必须是以 1 开头的 3 至 7 位数字前缀,例如 '149'",
                code="identity.option.extra_blocks",
                path="$.extra_blocks",
            )
    return blocks


def _libphonenumber_mobile(national: str) -> bool:
    """Return whether libphonenumber calls ``+86`` + ``national`` a valid MOBILE number."""
    import phonenumbers  # imported on first use: it takes ~15 ms, most callers never need it

    try:
        parsed = phonenumbers.parse("+86" + national, None)
    except phonenumbers.NumberParseException:  # not expected for 11 digits; refuse all the same
        return False
    return bool(
        phonenumbers.is_valid_number(parsed)
        and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    )


def compact(value: object) -> str:
    """Normalize a value without validating it (NFKC, separators removed).

    Args:
        value: The raw value.

    Returns:
        The normalized text; a country code is kept (``+8613123456789``).

    Raises:
        InvalidFormat: If ``value`` is not a string or keeps non-ASCII characters.
        InvalidLength: If ``value`` is absurdly long.
    """
    return normalize(value)


def validate(value: object, *, clock: Clock | None = None, extra_blocks: Iterable[str] = ()) -> str:
    """Check a mobile number and return its 11-digit national form.

    Args:
        value: The number, with or without ``+86``/``0086``, spaces or hyphens.
        clock: Accepted for a uniform interface; the number encodes no date.
        extra_blocks: Prefixes (``"149"``, ``"1740"``) to accept even though libphonenumber
            does not list them as mobile.

    Returns:
        The 11 digits, such as ``13123456789``.

    Raises:
        InvalidFormat: Letters or other characters (``identity.format.charset``), or a first
            digit other than 1 (``identity.format.prefix``).
        InvalidLength: Not 11 digits after the country code.
        InvalidComponent: Not an allocated mobile block (``identity.component.mobile_block``).
        InvalidInputError: If ``extra_blocks`` holds something other than digit prefixes.
    """
    blocks = _blocks(extra_blocks)
    match = _SHAPE(normalize(value))
    if match is None:
        raise bad_format(
            "digits only, optionally preceded by +86 or 0086",
            "仅含数字,可带 +86 或 0086 前缀",
            code="identity.format.charset",
        )
    national = match.group(1)
    if len(national) != 11:
        raise bad_length("11 digits", " 11 位数字")
    if national[0] != "1":
        raise bad_format("a first digit 1", "首位为 1", code="identity.format.prefix")
    if national.startswith(blocks):
        return national
    if not _libphonenumber_mobile(national):
        raise bad_component(
            "the number is not in an allocated mobile block",
            "号码不属于已分配的手机号段",
            code="identity.component.mobile_block",
        )
    return national


def is_valid(
    value: object, *, clock: Clock | None = None, extra_blocks: Iterable[str] = ()
) -> bool:
    """Return whether ``value`` is a valid mobile number; never raises for any value.

    Args:
        value: Anything.
        clock: Unused (uniform interface).
        extra_blocks: See :func:`validate`.

    Returns:
        ``True`` if :func:`validate` would succeed.

    Raises:
        InvalidInputError: If ``extra_blocks`` holds something other than digit prefixes (a
            programming error, not a bad value).
    """
    blocks = _blocks(extra_blocks)
    try:
        validate(value, clock=clock, extra_blocks=blocks)
    except InvalidIdentity:
        return False
    return True


def format(value: object, *, extra_blocks: Iterable[str] = ()) -> str:
    """Return the display form ``131 2345 6789`` of a valid number.

    Args:
        value: The number.
        extra_blocks: See :func:`validate`.

    Returns:
        The 11 digits grouped 3-4-4.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    number = validate(value, extra_blocks=extra_blocks)
    return f"{number[:3]} {number[3:7]} {number[7:]}"


def to_e164(value: object, *, extra_blocks: Iterable[str] = ()) -> str:
    """Return the E.164 form of a valid number.

    Args:
        value: The number.
        extra_blocks: See :func:`validate`.

    Returns:
        ``+86`` and the 11 digits.

    Raises:
        InvalidIdentity: If the number is not valid.
    """
    return "+86" + validate(value, extra_blocks=extra_blocks)


def parse(
    value: object, *, clock: Clock | None = None, extra_blocks: Iterable[str] = ()
) -> IdentityDocument:
    """Validate a mobile number and return it with its E.164 form.

    Args:
        value: The number.
        clock: Unused (uniform interface).
        extra_blocks: See :func:`validate`.

    Returns:
        A document with ``extra`` ``(("e164", "+86..."),)``.

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number = validate(value, clock=clock, extra_blocks=extra_blocks)
    return IdentityDocument(scheme=SCHEME, number=number, extra=(("e164", "+86" + number),))
