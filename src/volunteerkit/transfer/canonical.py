r"""Canonical JSON: the same content always has the same bytes.

Transfer packages are signed, so both sides must agree on the exact bytes of every line. The
canonical form is a subset of RFC 8785 (JSON Canonicalization Scheme) that any platform can
produce without a special library:

* UTF-8, no byte order mark, no white space outside strings;
* object keys are ASCII and sorted by code point (for ASCII keys this is RFC 8785's order), each
  key once;
* strings are escaped exactly as RFC 8785 does: ``\"``, ``\\``, ``\b``, ``\f``, ``\n``,
  ``\r``, ``\t``, other control characters below U+0020 as ``\u00XX`` with lower-case hex, and
  every other character written as itself (no ``\u`` escapes for non-ASCII text);
* strings are in Unicode normalization form C (NFC). Text that is not NFC is **refused**, never
  normalized silently, because normalizing would change an identifier that another platform
  stores;
* numbers are integers between ``-(2^53 - 1)`` and ``2^53 - 1`` written in decimal without a sign
  for positives, leading zeros or exponent; floats are refused (minutes are whole numbers, and a
  float would have more than one spelling);
* ``true``, ``false`` and ``null`` as usual.

A reader checks canonical form by parsing a line and encoding it again: the bytes must be equal.
That one comparison also refuses duplicate keys, reordered keys, extra white space and
alternative escapes.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any, Final

from volunteerkit.transfer.errors import PackageRefused, TransferInputError

__all__ = ["MAX_SAFE_INTEGER", "canonical_bytes", "check_canonical", "parse_line"]

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""The largest integer a canonical package may hold (exact in every JSON implementation)."""

_dumps = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
).encode


def _check(value: Any, path: str) -> None:
    """Walk plain data and refuse what the canonical form cannot hold."""
    if isinstance(value, str):
        if not value.isascii() and not unicodedata.is_normalized("NFC", value):
            raise PackageRefused.of("transfer.not_nfc", path)
        return
    if value is None or value is True or value is False:
        return
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return
        raise PackageRefused.of("transfer.integer_range", path)
    if isinstance(value, float):
        raise PackageRefused.of("transfer.float", path)
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise PackageRefused.of("transfer.key", path)
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    raise PackageRefused.of("transfer.type", path)


def _refuse_float(text: str) -> Any:
    raise ValueError("float")


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise ValueError("integer range")
    return value


def _ascii_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if not all(key.isascii() for key, _ in pairs):
        raise ValueError("key")
    return dict(pairs)


def _fast_ok(text: str) -> bool:
    r"""Check dumped text in C-speed passes: integers only and in range, NFC text, ASCII keys.

    The whole text is NFC when every string in it is, with one exception: the letter of an
    escape (the ``n`` of ``\n``) may compose with a combining mark that follows it. A ``False``
    here is therefore confirmed string by string (:func:`_check`) before anything is refused.
    """
    plain = text.isascii()
    if not plain and not unicodedata.is_normalized("NFC", text):
        return False
    try:
        json.loads(
            text,
            parse_float=_refuse_float,
            parse_int=_safe_int,
            parse_constant=_no_constant,
            object_pairs_hook=None if plain else _ascii_keys,
        )
    except ValueError:
        return False
    return True


def canonical_bytes(value: Any, *, path: str = "$") -> bytes:
    """Encode plain data as canonical JSON bytes.

    Args:
        value: Dicts with ASCII string keys, lists, strings, integers, booleans and ``None``
            (such as the result of :func:`volunteerkit.unstructure`).
        path: The path of ``value``, the root of reported paths.

    Returns:
        The UTF-8 bytes, without a trailing newline.

    Raises:
        PackageRefused: ``transfer.float``, ``transfer.integer_range``, ``transfer.not_nfc``,
            ``transfer.key`` or ``transfer.type``, with the path of the offending value;
            ``transfer.malformed`` for a string with a lone surrogate (not encodable as UTF-8),
            or at ``path`` for data nested too deeply to walk (or holding itself).

    Examples:
        >>> canonical_bytes({"b": 1, "a": ["x", None, True]})
        b'{"a":["x",null,true],"b":1}'
        >>> canonical_bytes({"name": "张三", "minutes": 90}).decode()
        '{"minutes":90,"name":"张三"}'
    """
    try:
        return _canonical_bytes(value, path)
    except RecursionError:
        pass  # raised below, outside the handler
    raise PackageRefused.of("transfer.malformed", path, "nested too deeply")


def _canonical_bytes(value: Any, path: str) -> bytes:
    try:
        text = _dumps(value)
    except (TypeError, ValueError):
        text = None
    if text is None or not _fast_ok(text):
        _check(value, path)  # finds the offending value and raises with its path
        if text is None:
            raise PackageRefused.of("transfer.type", path)  # pragma: no cover - _check raised
        # Every value is fine: the text only looked non-NFC because an escape's letter (the
        # ``n`` of ``\n``) precedes a combining mark that begins the rest of its string.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        pass  # raised below, outside the handler: the UnicodeEncodeError holds the whole text
    raise PackageRefused.of("transfer.malformed", path, "lone surrogate")


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def parse_line(line: bytes, *, path: str = "$") -> Any:
    """Parse one line of JSON (without its newline) into plain data.

    Args:
        line: The bytes of the line.
        path: Where the line is (``$.files[0].lines[3]``), for the error.

    Returns:
        The parsed data (floats come back as :class:`float`; :func:`check_canonical` refuses them).

    Raises:
        PackageRefused: ``transfer.malformed`` if the bytes are not UTF-8 JSON (or are nested too
            deeply to parse).
        TransferInputError: ``transfer.invalid`` at ``path`` if ``line`` is not bytes.
    """
    _check_bytes(line, path)
    try:
        return json.loads(line.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        pass
    # Raised here, outside the handler: the decoder's error holds the whole line (``doc``,
    # ``object``), which may hold an identity number, and would stay behind ours as __context__.
    raise PackageRefused.of("transfer.malformed", path)


def check_canonical(line: bytes, *, path: str = "$") -> Any:
    """Parse one line and check that it is in canonical form.

    Args:
        line: The bytes of the line, without its newline.
        path: Where the line is, for errors.

    Returns:
        The parsed data.

    Raises:
        PackageRefused: ``transfer.malformed`` (not UTF-8 JSON, or nested too deeply to parse),
            one of the codes of :func:`canonical_bytes` (floats, large integers, text not in
            NFC), or ``transfer.not_canonical`` when the bytes differ from the canonical encoding.
        TransferInputError: ``transfer.invalid`` at ``path`` if ``line`` is not bytes.
    """
    _check_bytes(line, path)
    try:
        return _check_canonical(line, path)
    except RecursionError:
        pass  # raised below, outside the handler
    raise PackageRefused.of("transfer.malformed", path, "nested too deeply")


def _check_bytes(line: object, path: str) -> None:
    if not isinstance(line, (bytes, bytearray)):
        raise TransferInputError.of("transfer.invalid", path, "a line is bytes")


def _check_canonical(line: bytes, path: str) -> Any:
    malformed = False
    try:
        text = line.decode("utf-8")
        plain = text.isascii()
        data = json.loads(
            text,
            parse_float=_refuse_float,
            parse_int=_safe_int,
            parse_constant=_no_constant,
            object_pairs_hook=None if plain else _ascii_keys,
        )
    except (UnicodeDecodeError, ValueError):
        malformed = True  # handled below, outside the handler (its error holds the line)
    if malformed:
        data = parse_line(line, path=path)  # malformed: raises
        canonical_bytes(data, path=path)  # a float, large integer or non-ASCII key: raises
        raise PackageRefused.of("transfer.malformed", path)  # pragma: no cover
    if not plain and not unicodedata.is_normalized("NFC", text):
        canonical_bytes(data, path=path)  # raises not_nfc with the path of a non-NFC string
    if _dumps(data) != text:
        raise PackageRefused.of("transfer.not_canonical", path)
    return data
