"""Check-character algorithms (pure functions over already-validated ASCII text).

Every function here assumes its argument has passed the scheme's format check: it contains only
the characters the algorithm defines. They do no validation of their own, which is what keeps
them fast; the public ``calc_check_digit`` helpers in the scheme modules validate first.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "TW_LETTER_CODES",
    "USCC_ALPHABET",
    "gb11714",
    "hkid",
    "icao_7_3_1",
    "mod_11_2",
    "tw_sum",
    "uscc_mod_31",
]

_MOD_11_2_CHARS: Final = "0123456789X"


def mod_11_2(body: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of a string of ASCII digits.

    ISO 7064 MOD 11-2 gives the character at position *i* (counted from the right, the check
    character being *i* = 1) the weight 2^(i-1) mod 11 and requires the weighted sum, check
    included, to be 1 mod 11. For a body of *n* digits the check value is therefore
    ``c = 1 - 2 * sum(a_j * 2^(n-j)) mod 11``. Because 13 = 2 (mod 11), the inner sum is congruent
    to ``int(body, 13)``, which CPython evaluates in C: this is the same identity python-stdnum
    uses, derived independently here (identity.md section 1).

    Args:
        body: ASCII digits only (17 for a citizen number).

    Returns:
        ``"0"`` to ``"9"``, or ``"X"`` for 10.
    """
    return _MOD_11_2_CHARS[(1 - 2 * int(body, 13)) % 11]


_ICAO_VALUES: Final = {
    **{str(d): d for d in range(10)},
    **{chr(ord("A") + i): 10 + i for i in range(26)},
    "<": 0,
}
_ICAO_WEIGHTS: Final = (7, 3, 1)


def icao_7_3_1(text: str) -> str:
    """Return the ICAO Doc 9303 check digit (weights 7, 3, 1 from the left; A=10, ``<``=0).

    Args:
        text: Characters from ``[0-9A-Z<]``.

    Returns:
        The check digit, ``"0"`` to ``"9"``.
    """
    total = 0
    for index, char in enumerate(text):
        total += _ICAO_VALUES[char] * _ICAO_WEIGHTS[index % 3]
    return str(total % 10)


USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100-2015 (no I, O, Z, S, V)."""

# Translating the USCC alphabet onto int()'s digit alphabet gives every character its USCC value;
# base 34 is congruent to 3 mod 31, so int(reversed, 34) = sum(a_i * 3^(i-1)) (mod 31).
_USCC_AS_DIGITS: Final = str.maketrans(USCC_ALPHABET, "0123456789ABCDEFGHIJKLMNOPQRSTU")


def uscc_mod_31(body: str) -> str:
    """Return the GB 32100-2015 check character of the first 17 USCC characters.

    Weights are 3^(i-1) mod 31 (1, 3, 9, 27, 19, 26, ...); the check character is
    ``alphabet[(31 - sum mod 31) mod 31]``.

    Args:
        body: 17 characters from :data:`USCC_ALPHABET`.

    Returns:
        One character of :data:`USCC_ALPHABET`.
    """
    total = int(body.translate(_USCC_AS_DIGITS)[::-1], 34) % 31
    return USCC_ALPHABET[(31 - total) % 31]


_GB11714_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


def _alnum_value(char: str) -> int:
    return ord(char) - 48 if char <= "9" else ord(char) - 55


def gb11714(body: str) -> str:
    """Return the GB 11714 organisation-code check character of 8 characters.

    Weights 3, 7, 9, 10, 5, 8, 4, 2; digits count as themselves and letters as A=10 ... Z=35;
    ``c = 11 - sum mod 11``, written ``X`` for 10 and ``0`` for 11.

    Read from the right, the weights are 2 * 2^k mod 11 (2, 4, 8, 5, 10, 9, 7, 3), and 35 = 2
    (mod 11), so the sum is congruent to ``2 * int(body, 35)`` whenever ``body`` has no ``Z``
    (``int`` reads A=10 ... Y=34 as GB 11714 does). A USCC never contains ``Z``.

    Args:
        body: 8 characters from ``[0-9A-Z]``.

    Returns:
        ``"0"`` to ``"9"`` or ``"X"``.
    """
    if "Z" in body:
        total = sum(_alnum_value(c) * w for c, w in zip(body, _GB11714_WEIGHTS, strict=True))
    else:
        total = 2 * int(body, 35)
    return _GB11714_CHARS[total % 11]


_GB11714_CHARS: Final = "0X987654321"
"""Check character by ``sum mod 11``: ``11 - r`` with 10 written X and 11 written 0."""


def hkid(letters: str, digits: str) -> str:
    """Return the HKID check character.

    A one-letter prefix is padded on the left with a space worth 36; letters are A=10 ... Z=35;
    weights are 9, 8, ..., 2; the check value is ``(11 - S mod 11) mod 11``, 10 written ``A``.

    Args:
        letters: One or two letters ``A``-``Z``.
        digits: Six ASCII digits.

    Returns:
        ``"0"`` to ``"9"`` or ``"A"``.
    """
    first = 36 if len(letters) == 1 else ord(letters[0]) - 55
    total = 9 * first + 8 * (ord(letters[-1]) - 55)
    for weight, char in zip(range(7, 1, -1), digits, strict=True):
        total += weight * (ord(char) - 48)
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


TW_LETTER_CODES: Final = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27,
    "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip
"""Taiwan's letter codes for the first character (magiclen.org/tw-id-num)."""


def tw_sum(first: str, second: int, digits: str) -> int:
    """Return the Taiwan ID weighted sum of the first nine characters (check digit excluded).

    The letter's two-digit code is weighted 1 and 9, the second character (a digit, or for the
    old ARC the code of its letter mod 10) 8, the next seven digits 7 ... 1.

    Args:
        first: The leading letter.
        second: The value of the second character.
        digits: The seven digits in positions 3 to 9.

    Returns:
        The sum; a number is valid when ``sum + check`` is divisible by 10.
    """
    code = TW_LETTER_CODES[first]
    total = code // 10 + 9 * (code % 10) + 8 * second
    for weight, char in zip(range(7, 0, -1), digits, strict=True):
        total += weight * (ord(char) - 48)
    return total
