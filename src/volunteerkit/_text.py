"""Text that every store can keep.

PostgreSQL text cannot hold NUL, and a lone surrogate (a code point of U+D800 to U+DFFF on its
own, which is not a Unicode character) has no UTF-8 form, so neither SQLite nor PostgreSQL can
store it, while the memory store could. Models refuse both, so every backend behaves alike.
"""

from __future__ import annotations

import re

__all__ = ["unstorable"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(text: str) -> bool:
    r"""Return whether ``text`` holds NUL or a lone surrogate, which no store can keep.

    Args:
        text: The text.

    Returns:
        ``True`` if a store would refuse it.

    Examples:
        >>> unstorable("志愿服务"), unstorable("a\x00b"), unstorable("\ud800")
        (False, True, True)
    """
    return "\x00" in text or (not text.isascii() and _SURROGATE.search(text) is not None)
