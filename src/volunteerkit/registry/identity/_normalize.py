r"""Normalization shared by the schemes: NFKC, separators out, ASCII only, upper case.

The order matters and is part of the contract:

1. refuse anything that is not a ``str`` and anything longer than :data:`MAX_INPUT` characters
   (before any Unicode work, so a huge input costs nothing);
2. Unicode NFKC, which maps full-width digits and letters (``１``, ``Ｘ``), ideographic spaces and
   full-width parentheses to ASCII; it is skipped for ASCII input, where it is the identity;
3. drop separators: white space, hyphens and dashes, zero-width characters (see
   :data:`SEPARATORS`);
4. refuse whatever is still not ASCII, *before* upper-casing, because ``str.upper`` turns some
   non-ASCII letters into ASCII ones (``"ß".upper() == "SS"``, ``"ı".upper() == "I"``);
5. upper-case.

Python's ``\d``, ``str.isdigit`` and ``int()`` accept digits from every script; after step 4 only
ASCII remains, and the schemes still match with explicit ``[0-9]`` classes.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from volunteerkit.registry.identity._errors import non_ascii, not_a_string, too_long

__all__ = ["MAX_INPUT", "SEPARATORS", "normalize", "require_text", "strip_check_parentheses"]

MAX_INPUT: Final = 256
"""Longest input looked at. Every identity number, even an MRZ with spaces, is far shorter."""

SEPARATORS: Final = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\xad"
    "\u058a\u05be\u1400\u1680\u1806\u180e"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2010\u2011\u2012\u2013\u2014\u2015\u2028\u2029\u202f\u205f\u2060\u2212"
    "\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d\u3000\u301c\u3030\u30a0"
    "\ufe31\ufe32\ufe58\ufe63\ufeff\uff0d\U00010ead"
    "-"
)
"""Characters removed from every non-MRZ input: all Unicode space separators (Zs, Zl, Zp), all
dash punctuation (Pd), ASCII control white space, the minus sign, the soft hyphen and the
zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM)."""

_DROP: Final = {ord(c): None for c in SEPARATORS}
_CHECK_PARENS: Final = re.compile(r"([0-9A-Z]+)\(([0-9A-Z])\)", re.ASCII)


def require_text(value: object) -> str:
    """Return ``value`` if it is a string of reasonable length.

    Args:
        value: Anything a caller passed as a number.

    Returns:
        The string.

    Raises:
        InvalidFormat: If ``value`` is not a ``str``.
        InvalidLength: If it has more than :data:`MAX_INPUT` characters.
    """
    if not isinstance(value, str):
        raise not_a_string()
    if len(value) > MAX_INPUT:
        raise too_long()
    return value


def normalize(value: object) -> str:
    """Normalize a typed identity number (steps 1 to 5 of the module docstring).

    Args:
        value: The raw value.

    Returns:
        The ASCII, upper-case value without separators.

    Raises:
        InvalidFormat: If ``value`` is not a string or has non-ASCII characters left after NFKC.
        InvalidLength: If ``value`` is absurdly long.
    """
    text = require_text(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = text.translate(_DROP)
    if not text.isascii():
        raise non_ascii()
    return text.upper()


def strip_check_parentheses(text: str) -> str:
    """Remove the parentheses printed around a final check character (HKID, Macao BIR).

    Only a single trailing ``(C)`` is removed; parentheses anywhere else are left in place so
    that the format check refuses them.

    Args:
        text: A normalized value.

    Returns:
        ``A1234563`` for ``A123456(3)``; other values unchanged.
    """
    match = _CHECK_PARENS.fullmatch(text)
    if match is None:
        return text
    return match.group(1) + match.group(2)
