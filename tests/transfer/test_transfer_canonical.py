"""Canonical JSON: one spelling per content, refusals with codes and paths."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.transfer.canonical import (
    MAX_SAFE_INTEGER,
    canonical_bytes,
    check_canonical,
    parse_line,
)
from volunteerkit.transfer.errors import PackageRefused


def test_keys_are_sorted_and_there_is_no_white_space():
    """Keys come out sorted by code point, with no spaces after separators."""
    assert canonical_bytes({"b": 1, "a": [True, None, "x"], "B": 0}) == (
        b'{"B":0,"a":[true,null,"x"],"b":1}'
    )


def test_strings_are_escaped_as_rfc_8785_does():
    """Control characters use short escapes or lower-case u00xx escapes; other text is literal."""
    text = 'a"\\\b\f\n\r\t\x01\x7f张€\u2028😀'
    assert canonical_bytes(text) == (
        '"a\\"\\\\\\b\\f\\n\\r\\t\\u0001\x7f张€\u2028😀"'.encode()
    )


def test_same_content_gives_the_same_bytes_whatever_the_insertion_order():
    """Two dicts with the same items in another order encode to identical bytes."""
    one = {"z": {"y": 1, "x": 2}, "a": [3]}
    two = {"a": [3], "z": {"x": 2, "y": 1}}
    assert canonical_bytes(one) == canonical_bytes(two) == b'{"a":[3],"z":{"x":2,"y":1}}'


@pytest.mark.parametrize(
    ("value", "code", "path"),
    [
        ({"minutes": 1.5}, "transfer.float", "$.minutes"),
        ({"n": [1, 2**53]}, "transfer.integer_range", "$.n[1]"),
        ({"n": -(2**53)}, "transfer.integer_range", "$.n"),
        ({"name": "e\u0301"}, "transfer.not_nfc", "$.name"),
        ({"名": 1}, "transfer.key", "$"),
        ({"x": {1, 2}}, "transfer.type", "$.x"),
        ({"x": "\ud800"}, "transfer.malformed", "$"),
    ],
)
def test_values_the_format_cannot_hold_are_refused(value, code, path):
    """Floats, unsafe integers, non-NFC text, non-ASCII keys and other types are refused."""
    with pytest.raises(PackageRefused) as info:
        canonical_bytes(value)
    assert (info.value.code, info.value.path) == (code, path)


def test_the_largest_safe_integers_are_accepted():
    """Integers of magnitude 2^53 - 1 are exact everywhere and allowed."""
    assert canonical_bytes([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == (
        b"[9007199254740991,-9007199254740991]"
    )


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b'{"a":1,"a":1}', "transfer.not_canonical"),
        (b'{"b":1,"a":2}', "transfer.not_canonical"),
        (b'{"a": 1}', "transfer.not_canonical"),
        (b'{"a":"\\u00e9"}', "transfer.not_canonical"),
        (b'{"a":1.0}', "transfer.float"),
        (b'{"a":1e2}', "transfer.float"),
        (b'{"a":NaN}', "transfer.malformed"),
        (b'{"a":"\xff"}', "transfer.malformed"),
        (b'{"a":', "transfer.malformed"),
    ],
)
def test_non_canonical_lines_are_refused(line, code):
    """Duplicate or unsorted keys, spaces, needless escapes, floats and bad bytes are refused."""
    with pytest.raises(PackageRefused) as info:
        check_canonical(line, path="$.files[0].lines[2]")
    assert info.value.code == code
    assert info.value.path is not None and info.value.path.startswith("$.files[0].lines[2]")


def test_a_canonical_line_parses_back_to_its_data():
    """check_canonical returns the parsed data of a canonical line."""
    assert check_canonical(b'{"a":[1,"\xe5\xbc\xa0"],"b":null}') == {"a": [1, "张"], "b": None}
    assert parse_line(b"[1,2]") == [1, 2]


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.text().filter(lambda s: s == __import__("unicodedata").normalize("NFC", s)),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(alphabet="abcdefgh_", max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100)
@given(_json)
def test_encoding_is_stable_and_round_trips(value):
    """Encoding, parsing and encoding again gives the same bytes, and the same data back."""
    first = canonical_bytes(value)
    assert check_canonical(first) == json.loads(first)
    assert canonical_bytes(json.loads(first)) == first


def test_nfc_text_after_an_escape_is_encoded_and_read_back():
    r"""NFC text with a combining mark right after an escaped control character round-trips.

    In the encoded line the escape's letter (the ``n`` of ``\n``) stands before the mark and
    would compose with it, but every string is NFC, so nothing is refused.
    """
    value = {"note": "签到\n\u0301", "tab": "\t\u0307"}
    line = canonical_bytes(value)
    assert line == '{"note":"签到\\n\u0301","tab":"\\t\u0307"}'.encode()
    assert check_canonical(line) == value


_escaped = st.sampled_from('\b\f\n\r\t\x01\x1f"\\')
_marks = st.characters(categories=["Mn"])


@settings(max_examples=200)
@given(st.lists(st.tuples(_escaped, _marks), min_size=1, max_size=3), st.text(max_size=5))
def test_escapes_followed_by_combining_marks_round_trip(pairs, tail):
    """Any NFC string of escaped characters each followed by a combining mark round-trips."""
    text = unicodedata.normalize("NFC", "".join(a + b for a, b in pairs) + tail)
    line = canonical_bytes({"t": text})
    assert check_canonical(line) == {"t": text}
