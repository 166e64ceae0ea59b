"""Whether two IANA zone names name the same zone (``Asia/Rangoon`` and ``Asia/Yangon``).

The tz database keeps old names as links to the zone that replaced them: ``Asia/Rangoon`` to
``Asia/Yangon``, ``Asia/Katmandu`` to ``Asia/Kathmandu``, ``Asia/Calcutta`` to ``Asia/Kolkata``.
Phones, older Java and Windows-to-IANA tables still send the old names, and :mod:`zoneinfo`
keeps the name it was given (``ZoneInfo("Asia/Rangoon").key == "Asia/Rangoon"``), so comparing
keys would call one place two zones.

:func:`same_zone` compares the compiled zone data (the TZif file) that :mod:`zoneinfo` reads for
each name, found the way it finds it: the folders of :data:`zoneinfo.TZPATH` first, then the
``tzdata`` package. A link is the same file under a second name, so linked names compare equal,
and so does any pair of names whose rules are identical in the database on this machine: such
zones give the same local time at every instant.
"""

from __future__ import annotations

import functools
import os
import zoneinfo
from importlib import resources

__all__ = ["same_zone"]


@functools.lru_cache(maxsize=512)
def _data(tzpath: tuple[str, ...], key: str) -> bytes | None:
    """The TZif bytes that :mod:`zoneinfo` reads for ``key`` under ``tzpath``; ``None`` if none."""
    for root in tzpath:
        path = os.path.join(root, key)
        if os.path.isfile(path):
            try:
                with open(path, "rb") as f:
                    return f.read()
            except OSError:
                return None
    try:
        return resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()
    except (ImportError, OSError):
        return None


def same_zone(a: zoneinfo.ZoneInfo, b: zoneinfo.ZoneInfo) -> bool:
    """Tell whether two zones are one: the same name, or names whose zone data is identical.

    Args:
        a: A zone.
        b: Another zone.

    Returns:
        ``True`` for the same object, the same key, or two keys with the same compiled data
        (a name and its link, such as ``Asia/Rangoon`` and ``Asia/Yangon``); ``False``
        otherwise, and for a zone made from a file (no key) unless it is the same object.
    """
    if a is b or (a.key is not None and a.key == b.key):
        return True
    if a.key is None or b.key is None:
        return False
    tzpath = tuple(zoneinfo.TZPATH)
    data = _data(tzpath, a.key)
    return data is not None and data == _data(tzpath, b.key)
