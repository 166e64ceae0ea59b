"""Package data and normalization tables."""

from __future__ import annotations

import hashlib
import json
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pytest

from volunteerkit.registry import identity
from volunteerkit.registry.identity import _data
from volunteerkit.registry.identity._normalize import MAX_INPUT, SEPARATORS, normalize

_ROOT = Path(__file__).resolve().parents[2]
SHARED = next(
    (
        path
        for path in (
            _ROOT.parent / "shared" / "reference" / "gb2260-codes.json",
            Path("/work/shared/reference/gb2260-codes.json"),
        )
        if path.exists()
    ),
    _ROOT.parent / "shared" / "reference" / "gb2260-codes.json",
)


def test_region_union_has_7391_codes() -> None:
    """The shipped GB/T 2260 union has the 7,391 six-digit codes of identity.md."""
    codes = _data.region_codes()
    assert len(codes) == 7391
    assert all(len(c) == 6 and c.isascii() and c.isdigit() for c in codes)
    assert {"362324", "500154", "810000", "820000", "830000", "710000"} <= codes
    assert "340524" not in codes


# SHA-256 of the shared reference's codes, sorted, one a line: the reference folder sits beside
# the repository, not in it, so a clean checkout (CI) has only this digest of it.
SHARED_DIGEST = "c1a7ea17d8bed3fa565f56d3cd830624eefccbaa466d46d8e8a6407d0ddadf8d"


def _digest(codes: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(codes)).encode("ascii")).hexdigest()


def test_region_union_is_the_shared_reference() -> None:
    """The package copy equals the shared reference file, or its digest where it is absent.

    The reference folder is not in the repository: this test skipped silently on a clean
    checkout, CI included. The digest pins the reference's 7,391 codes; where the folder is
    present, the file is checked against the digest and the package against the file.
    """
    assert _digest(_data.region_codes()) == SHARED_DIGEST
    if SHARED.exists():
        shared = json.loads(SHARED.read_text(encoding="utf-8"))
        assert _digest(shared) == SHARED_DIGEST
        assert _data.region_codes() == frozenset(shared)


def test_ric_regions_exclude_71_81_82_83() -> None:
    """Citizen numbers may use every code of the union except provinces 71, 81, 82 and 83."""
    ric = _data.ric_region_codes()
    assert not {c for c in ric if c[:2] in {"71", "81", "82", "83"}}
    assert len(_data.region_codes()) - len(ric) == len(
        [c for c in _data.region_codes() if c[:2] in {"71", "81", "82", "83"}]
    )


def test_data_is_loaded_once() -> None:
    """The loaders are cached: repeated calls return the very same objects."""
    assert _data.region_codes() is _data.region_codes()
    assert _data.uscc_departments() is _data.uscc_departments()
    assert _data.region_introduced() is _data.region_introduced()


def test_code_lifetime_data() -> None:
    """500154 was absent from the 2016-06 revision; codes of the first revision have no entry."""
    introduced = _data.region_introduced()
    assert introduced["500154"] == "201606"
    assert "110105" not in introduced
    assert set(introduced) <= _data.region_codes()


def test_uscc_department_table() -> None:
    """The table holds the 12 departments of identity.md §4 with their types."""
    departments = _data.uscc_departments()
    assert sorted(departments) == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "N", "Y"]
    assert dict(departments["5"].types) == {
        "1": "社会团体",
        "2": "民办非企业单位",
        "3": "基金会",
        "9": "其他",
    }
    assert sorted(departments["9"].types) == ["1", "2", "3"]
    assert sorted(departments["Y"].types) == ["1"]
    assert len(_data.uscc_prefixes()) == 36


def test_iso3166_table() -> None:
    """Numeric codes map to alpha-3 (398 KAZ, 840 USA, 156 CHN)."""
    table = _data.numeric_to_alpha3()
    assert (table["398"], table["840"], table["156"]) == ("KAZ", "USA", "CHN")
    assert len(_data.alpha3_codes()) == len(table)


def test_separators_cover_every_unicode_space_and_dash() -> None:
    """Every Zs/Zl/Zp/Pd character, after NFKC, is removed by normalize."""
    for codepoint in range(sys.maxunicode + 1):
        char = chr(codepoint)
        if unicodedata.category(char) in {"Zs", "Zl", "Zp", "Pd"}:
            assert normalize("1" + char + "2") == "12", hex(codepoint)
    assert all(normalize("1" + c + "2") == "12" for c in SEPARATORS)


def test_normalize_refuses_before_upper_casing() -> None:
    """Non-ASCII letters whose upper case is ASCII (ß -> SS, ı -> I) are refused, not mapped."""
    for raw in ("ß", "ı", "ẞ"):
        with pytest.raises(identity.InvalidFormat):
            normalize("A" + raw)
    assert normalize("ａｂ－１\u3000２") == "AB12"


def test_normalize_length_cap() -> None:
    """Values longer than MAX_INPUT are refused before any Unicode work."""
    assert normalize("1" * MAX_INPUT) == "1" * MAX_INPUT
    with pytest.raises(identity.InvalidLength) as info:
        normalize("1" * (MAX_INPUT + 1))
    assert info.value.code == "identity.length.too_long"
