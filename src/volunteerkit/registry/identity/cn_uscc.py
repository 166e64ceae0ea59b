"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015 with amendment XG1-2016).

18 characters from the 31-character alphabet ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, Z, S,
V): position 1 the registration department, 2 the organisation type, 3-8 the GB/T 2260 code of
the registering authority (``100000`` = national level; digits), 9-17 the GB 11714 organisation
code and 18 the check character (identity.md section 4).

Checks, all of them errors:

* the mod-31 check character (weights 3^(i-1) mod 31);
* the department/type pair against the table shipped as data (``uscc-departments.json``), which
  includes the departments ``A``, ``N`` and ``Y`` that python-stdnum wrongly refuses, and refuses
  undefined pairs such as ``58`` and ``94`` that python-stdnum accepts;
* the GB 11714 check character of the organisation code in positions 9-17, which python-stdnum
  does not check.

Examples:
    >>> validate("91 110000 600037341l")
    '91110000600037341L'
"""

from __future__ import annotations

import re
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity._checksums import USCC_ALPHABET, gb11714, uscc_mod_31
from volunteerkit.registry.identity._data import region_codes, uscc_departments, uscc_prefixes
from volunteerkit.registry.identity._errors import (
    InvalidIdentity,
    bad_checksum,
    bad_component,
    bad_format,
    bad_length,
)
from volunteerkit.registry.identity._model import IdentityDocument
from volunteerkit.registry.identity._normalize import normalize

__all__ = [
    "ALPHABET",
    "SCHEME",
    "calc_check_digit",
    "calc_organization_check_digit",
    "compact",
    "department",
    "format",
    "is_valid",
    "organization_type",
    "parse",
    "validate",
]

SCHEME: Final = "cn_uscc"
"""The scheme id of this module (``cn_uscc``), as ``validate`` and ``SCHEMES`` name it."""

ALPHABET: Final = USCC_ALPHABET
"""The 31 characters a USCC may contain."""

_CHARS: Final = "[0-9A-HJ-NP-RTUW-Y]"
_SHAPE: Final = re.compile(_CHARS + "{18}", re.ASCII).fullmatch
_BODY: Final = re.compile(_CHARS + "{17}", re.ASCII).fullmatch
_ORG_BODY: Final = re.compile("[0-9A-Z]{8}", re.ASCII).fullmatch
_REGION: Final = re.compile("[0-9]{6}", re.ASCII).fullmatch


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
    """Check a USCC and return its canonical form.

    Args:
        value: The code, in any common typing (lower case, spaces, full-width characters).
        clock: Accepted for a uniform interface; the code encodes no date.

    Returns:
        The 18 upper-case characters.

    Raises:
        InvalidFormat: A character outside the alphabet, or non-digits in positions 3-8.
        InvalidLength: Not 18 characters.
        InvalidChecksum: The mod-31 check character (``identity.checksum``) or the GB 11714
            organisation-code check (``identity.checksum.organization_code``) does not match.
        InvalidComponent: An undefined department/type pair (``identity.component.department``).
    """
    number = value if type(value) is str and _SHAPE(value) is not None else normalize(value)
    if len(number) != 18:
        raise bad_length("18 characters", " 18 位")
    if _SHAPE(number) is None:
        raise bad_format(
            "characters from 0-9 and A-Y without I, O, S, V, Z",
            "由 0-9 和除 I、O、S、V、Z 以外的 A-Y 组成",
            code="identity.format.charset",
        )
    if _REGION(number[2:8]) is None:
        raise bad_format(
            "digits in positions 3 to 8 (administrative division code)",
            "第 3 至 8 位为数字(行政区划码)",
            code="identity.format.region",
        )
    if uscc_mod_31(number[:17]) != number[17]:
        raise bad_checksum()
    if number[:2] not in uscc_prefixes():
        raise bad_component(
            "the registration department and organisation type (positions 1 and 2) are not a "
            "defined pair",
            "登记管理部门码与机构类别码(第 1、2 位)不是已定义的组合",
            code="identity.component.department",
        )
    if gb11714(number[8:16]) != number[16]:
        raise bad_checksum(
            "organisation-code (GB 11714) check character",
            "组织机构代码(GB 11714)校验码",
            code="identity.checksum.organization_code",
        )
    return number


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` is a valid USCC; never raises for any value.

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
    """Return the display form of a valid code (its canonical 18 characters).

    Args:
        value: The code.

    Returns:
        The canonical code.

    Raises:
        InvalidIdentity: If the code is not valid.
    """
    return validate(value)


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate a USCC and return what it says.

    Args:
        value: The code.
        clock: Unused (uniform interface).

    Returns:
        A document with ``region`` (positions 3-8 when they are a GB/T 2260 code; ``None`` for
        the national level ``100000`` and unknown codes) and ``extra``: ``department`` and
        ``organization_type`` (the characters), ``department_name`` (Chinese),
        ``organization_type_name`` (Chinese, where the table names it), ``registration_authority``
        (positions 3-8) and ``organization_code`` (``XXXXXXXX-C``).

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number = validate(value, clock=clock)
    entry = uscc_departments()[number[0]]
    extra = [
        ("department", number[0]),
        ("organization_type", number[1]),
        ("department_name", entry.name_zh),
    ]
    type_name = entry.types[number[1]]
    if type_name is not None:
        extra.append(("organization_type_name", type_name))
    extra += [
        ("registration_authority", number[2:8]),
        ("organization_code", f"{number[8:16]}-{number[16]}"),
    ]
    return IdentityDocument(
        scheme=SCHEME,
        number=number,
        region=number[2:8] if number[2:8] in region_codes() else None,
        extra=tuple(extra),
    )


def department(value: object) -> str:
    """Return the Chinese name of the registration department of a valid code.

    Args:
        value: The code.

    Returns:
        ``"民政"`` for a code starting ``5``, ``"工商"`` for ``9`` ...

    Raises:
        InvalidIdentity: If the code is not valid.
    """
    return uscc_departments()[validate(value)[0]].name_zh


def organization_type(value: object) -> str | None:
    """Return the Chinese name of the organisation type of a valid code, where the table has one.

    Args:
        value: The code.

    Returns:
        ``"社会团体"`` for ``51``, ``"企业"`` for ``91``; ``None`` where the source names no type.

    Raises:
        InvalidIdentity: If the code is not valid.
    """
    number = validate(value)
    return uscc_departments()[number[0]].types[number[1]]


def calc_check_digit(body: str) -> str:
    """Return the mod-31 check character for the first 17 characters of a USCC.

    Args:
        body: 17 characters of :data:`ALPHABET`, or a full 18-character code.

    Returns:
        One character of :data:`ALPHABET`.

    Raises:
        InvalidFormat: If the first 17 characters are not from :data:`ALPHABET`.

    Examples:
        >>> calc_check_digit("91110000600037341")
        'L'
    """
    if not isinstance(body, str) or len(body) not in (17, 18) or _BODY(body[:17]) is None:
        raise bad_format(
            "17 characters of the USCC alphabet",
            " 17 位统一社会信用代码字符",
            code="identity.format.charset",
        )
    return uscc_mod_31(body[:17])


def calc_organization_check_digit(body: str) -> str:
    """Return the GB 11714 check character for an 8-character organisation-code body.

    Args:
        body: 8 upper-case letters or digits (positions 9-16 of a USCC).

    Returns:
        ``"0"`` to ``"9"`` or ``"X"``.

    Raises:
        InvalidFormat: If ``body`` is not 8 ASCII letters or digits.

    Examples:
        >>> calc_organization_check_digit("60003734")
        '1'
    """
    if not isinstance(body, str) or _ORG_BODY(body) is None:
        raise bad_format(
            "8 upper-case letters or digits", " 8 位大写字母或数字", code="identity.format.charset"
        )
    return gb11714(body)
