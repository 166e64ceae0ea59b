r"""Passport machine-readable zone, ICAO Doc 9303 TD3 (two lines of 44 characters).

The value is the two lines joined by a line break (``\n``; ``\r\n`` is accepted). MRZ text is
**not** normalized: it must already be upper-case ``[A-Z0-9<]`` (identity.md section 3). Only white
space around the whole value and at the ends of each line is ignored.

Checks (Doc 9303 Parts 3 and 4):

* line 1: ``P`` and a type letter or ``<``; issuing state ``[A-Z<]{3}``; name ``[A-Z<]{39}``;
* line 2: document number (1-9) with check digit (10); nationality ``[A-Z<]{3}`` (11-13); birth
  date ``YYMMDD`` (14-19, ``<`` allowed for unknown parts) with check digit (20); sex ``M``/``F``/
  ``X``/``<`` (21); expiry ``YYMMDD`` (22-27) with check digit (28); personal number (29-42) with
  check digit (43; ``<`` or ``0`` when 29-42 are all ``<``); composite check digit (44) over
  1-10, 14-20 and 22-43;
* check digits use weights 7, 3, 1 with A=10 ... Z=35 and ``<`` = 0;
* a fully given birth or expiry date must be a real date.

The expiry date is a business rule, not an MRZ check: an expired passport's MRZ is valid, and
with a clock :func:`parse` adds ``identity.warning.expired``.

Centuries: the expiry year is ``20YY``. The birth year is ``20YY`` if that date is not after the
reference date, else ``19YY``; the reference is the expiry date, or with a clock the earlier of
the expiry date and today (China Standard Time).

Examples:
    >>> mrz = (
    ...     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    ...     "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    ... )
    >>> validate(mrz) == mrz
    True
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from volunteerkit._clock import Clock
from volunteerkit.registry.identity import _warnings
from volunteerkit.registry.identity._checksums import icao_7_3_1
from volunteerkit.registry.identity._data import alpha3_codes
from volunteerkit.registry.identity._dates import is_real_date, to_date, today
from volunteerkit.registry.identity._errors import (
    InvalidIdentity,
    bad_checksum,
    bad_component,
    bad_format,
    bad_length,
)
from volunteerkit.registry.identity._model import IdentityDocument, IdentityWarning, Sex
from volunteerkit.registry.identity._normalize import require_text

__all__ = [
    "SCHEME",
    "birth_date",
    "calc_check_digit",
    "compact",
    "document_number",
    "expiry_date",
    "format",
    "is_valid",
    "nationality",
    "parse",
    "sex",
    "validate",
]

SCHEME: Final = "icao_td3_mrz"
"""The scheme id of this module (``icao_td3_mrz``), as ``validate`` and ``SCHEMES`` name it."""

_LINE_1: Final = re.compile(r"P[A-Z<][A-Z<]{3}[A-Z<]{39}", re.ASCII).fullmatch
_LINE_2: Final = re.compile(
    r"[A-Z0-9<]{9}[0-9][A-Z<]{3}[0-9<]{6}[0-9][MFX<][0-9]{6}[0-9][A-Z0-9<]{14}[0-9<][0-9]",
    re.ASCII,
).fullmatch
_CHARSET: Final = re.compile(r"[A-Z0-9<]*", re.ASCII).fullmatch
_CHECK_INPUT: Final = re.compile(r"[A-Z0-9<]*", re.ASCII).fullmatch
_SEXES: Final = {"M": Sex.MALE, "F": Sex.FEMALE, "X": Sex.UNSPECIFIED, "<": Sex.UNSPECIFIED}
_ICAO_ONLY_STATES: Final = {"D": "DEU"}


def compact(value: object) -> str:
    r"""Tidy the line structure of an MRZ without touching its characters.

    White space around the value and at the ends of each line is removed and ``\r\n`` becomes
    ``\n``. Nothing is upper-cased or removed inside a line.

    Args:
        value: The raw value.

    Returns:
        The lines joined by ``\n``.

    Raises:
        InvalidFormat: If ``value`` is not a string.
        InvalidLength: If ``value`` is absurdly long.
    """
    text = require_text(value).strip().replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.strip(" \t") for line in text.split("\n"))


def _birth_ymd(yymmdd: str, expiry_ymd: str, today_ymd: str | None) -> str:
    reference = expiry_ymd if today_ymd is None else min(expiry_ymd, today_ymd)
    candidate = "20" + yymmdd
    return candidate if candidate <= reference else "19" + yymmdd


def _check(value: object) -> str:
    number = compact(value)
    lines = number.split("\n")
    if len(lines) != 2:
        raise bad_format(
            "two lines of 44 characters separated by a line break",
            "以换行分隔的两行、每行 44 个字符",
            code="identity.format.lines",
        )
    line1, line2 = lines
    if len(line1) != 44 or len(line2) != 44:
        raise bad_length("two lines of 44 characters each", "两行、每行 44 个字符")
    if _CHARSET(line1) is None or _CHARSET(line2) is None:
        raise bad_format(
            "upper-case letters, digits and < only (MRZ text is not normalized)",
            "仅含大写字母、数字和 <(机读区文本不做规范化)",
            code="identity.format.charset",
        )
    if _LINE_1(line1) is None or _LINE_2(line2) is None:
        raise bad_format(
            "the TD3 field layout of ICAO Doc 9303 Part 4",
            " ICAO Doc 9303 第 4 部分 TD3 的字段布局",
            code="identity.format.layout",
        )
    _check_digit(line2[0:9], line2[9], "document_number", "document number", "证件号码")
    _check_digit(line2[13:19], line2[19], "birth_date", "date-of-birth", "出生日期")
    _check_digit(line2[21:27], line2[27], "expiry_date", "date-of-expiry", "有效期")
    optional, optional_check = line2[28:42], line2[42]
    if not (optional_check == "<" and optional == "<" * 14):
        if optional_check == "<":
            raise bad_checksum(
                "personal-number check digit",
                "个人号码校验位",
                code="identity.checksum.optional_data",
            )
        _check_digit(optional, optional_check, "optional_data", "personal-number", "个人号码")
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    _check_digit(composite, line2[43], "composite", "composite", "总")
    expiry_ymd = "20" + line2[21:27]
    if not is_real_date(expiry_ymd):
        raise bad_component(
            "the expiry date is not a real calendar date",
            "有效期不是有效日期",
            code="identity.component.expiry_date",
        )
    birth = line2[13:19]
    if "<" not in birth and not (is_real_date("20" + birth) or is_real_date("19" + birth)):
        raise bad_component(
            "the birth date is not a real calendar date",
            "出生日期不是有效日期",
            code="identity.component.birth_date",
        )
    return number


def _check_digit(field: str, check: str, code: str, what: str, what_zh: str) -> None:
    if icao_7_3_1(field) != check:
        raise bad_checksum(
            f"{what} check digit", f"{what_zh}校验位", code=f"identity.checksum.{code}"
        )


def validate(value: object, *, clock: Clock | None = None) -> str:
    r"""Check a TD3 MRZ and return it with its lines joined by ``\n``.

    Args:
        value: The two MRZ lines joined by a line break.
        clock: Accepted for a uniform interface; an MRZ is valid whatever its expiry date.

    Returns:
        The MRZ, two lines of 44 characters joined by ``\n``.

    Raises:
        InvalidFormat: Not two lines, characters outside ``[A-Z0-9<]`` (lower case included), or
            a field that breaks the TD3 layout.
        InvalidLength: A line that is not 44 characters.
        InvalidChecksum: One of the five check digits (``identity.checksum.document_number``,
            ``.birth_date``, ``.expiry_date``, ``.optional_data``, ``.composite``).
        InvalidComponent: A birth or expiry date that is not a real date.
    """
    return _check(value)


def is_valid(value: object, *, clock: Clock | None = None) -> bool:
    """Return whether ``value`` is a valid TD3 MRZ; never raises for any value.

    Args:
        value: Anything.
        clock: Unused (uniform interface).

    Returns:
        ``True`` if :func:`validate` would succeed.
    """
    try:
        _check(value)
    except InvalidIdentity:
        return False
    return True


def format(value: object) -> str:
    r"""Return the display form of a valid MRZ (its two lines joined by ``\n``).

    Args:
        value: The MRZ.

    Returns:
        The canonical MRZ.

    Raises:
        InvalidIdentity: If the MRZ is not valid.
    """
    return _check(value)


def parse(value: object, *, clock: Clock | None = None) -> IdentityDocument:
    """Validate a TD3 MRZ and return what it says (not the holder's name).

    Args:
        value: The MRZ.
        clock: Optional; refines the birth century and adds ``identity.warning.expired`` when
            the expiry date is before today.

    Returns:
        A document with ``birth_date`` (``None`` if the MRZ marks it unknown), ``sex``,
        ``nationality`` (ISO alpha-3, ``D`` read as ``DEU``, ``None`` for other ICAO-only codes),
        ``expiry_date`` and ``extra``: ``document_code``, ``issuing_state`` and
        ``document_number`` (without ``<`` padding).

    Raises:
        InvalidIdentity: As :func:`validate`.
    """
    number = _check(value)
    line1, line2 = number.split("\n")
    today_ymd = today(clock)
    expiry_ymd = "20" + line2[21:27]
    birth = line2[13:19]
    born = None if "<" in birth else _birth_ymd(birth, expiry_ymd, today_ymd)
    warnings: tuple[IdentityWarning, ...] = ()
    if today_ymd is not None and expiry_ymd < today_ymd:
        warnings = (_warnings.expired(),)
    return IdentityDocument(
        scheme=SCHEME,
        number=number,
        birth_date=to_date(born) if born is not None and is_real_date(born) else None,
        sex=_SEXES[line2[20]],
        nationality=_alpha3(line2[10:13]),
        expiry_date=to_date(expiry_ymd),
        extra=(
            ("document_code", line1[0:2].rstrip("<")),
            ("issuing_state", line1[2:5].rstrip("<")),
            ("document_number", line2[0:9].rstrip("<")),
        ),
        warnings=warnings,
    )


def _alpha3(code: str) -> str | None:
    code = code.rstrip("<")
    if code in alpha3_codes():
        return code
    return _ICAO_ONLY_STATES.get(code)


def document_number(value: object) -> str:
    """Return the document number of a valid MRZ, without its ``<`` padding.

    Compare it with the typed passport number (identity.md section 3, step 3).

    Args:
        value: The MRZ.

    Returns:
        ``"L898902C3"`` for the ICAO specimen.

    Raises:
        InvalidIdentity: If the MRZ is not valid.
    """
    return _check(value).split("\n")[1][0:9].rstrip("<")


def birth_date(value: object, *, clock: Clock | None = None) -> date | None:
    """Return the birth date of a valid MRZ (century inferred, see the module docstring).

    Args:
        value: The MRZ.
        clock: Optional; with it the century is never in the future.

    Returns:
        The date, or ``None`` if the MRZ marks it (partly) unknown with ``<``.

    Raises:
        InvalidIdentity: If the MRZ is not valid.
    """
    return parse(value, clock=clock).birth_date


def expiry_date(value: object) -> date:
    """Return the expiry date of a valid MRZ (year ``20YY``).

    Args:
        value: The MRZ.

    Returns:
        The expiry date (``2012-04-15`` for the ICAO specimen).

    Raises:
        InvalidIdentity: If the MRZ is not valid.
    """
    return to_date("20" + _check(value).split("\n")[1][21:27])


def sex(value: object) -> Sex:
    """Return the sex a valid MRZ states.

    Args:
        value: The MRZ.

    Returns:
        :attr:`Sex.MALE`, :attr:`Sex.FEMALE` or :attr:`Sex.UNSPECIFIED` (``X`` or ``<``).

    Raises:
        InvalidIdentity: If the MRZ is not valid.
    """
    return _SEXES[_check(value).split("\n")[1][20]]


def nationality(value: object) -> str | None:
    """Return the holder's nationality as an ISO 3166-1 alpha-3 code.

    Args:
        value: The MRZ.

    Returns:
        The code (``D`` is read as ``DEU``), or ``None`` for ICAO codes outside ISO 3166-1
        (``UTO`` of the specimen, ``XXA`` stateless ...).

    Raises:
        InvalidIdentity: If the MRZ is not valid.
    """
    return _alpha3(_check(value).split("\n")[1][10:13])


def calc_check_digit(field: str) -> str:
    """Return the ICAO 7-3-1 check digit of an MRZ field.

    Args:
        field: Characters from ``[A-Z0-9<]``.

    Returns:
        ``"0"`` to ``"9"``.

    Raises:
        InvalidFormat: If ``field`` has other characters.

    Examples:
        >>> calc_check_digit("520727")
        '3'
        >>> calc_check_digit("L898902C3")
        '6'
    """
    if not isinstance(field, str) or len(field) > 64 or _CHECK_INPUT(field) is None:
        raise bad_format(
            "characters from A-Z, 0-9 and <", " A-Z、0-9 和 <", code="identity.format.charset"
        )
    return icao_7_3_1(field)
