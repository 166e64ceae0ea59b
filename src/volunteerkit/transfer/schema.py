"""The JSON Schema (Draft 2020-12) of the transfer format, for platforms that do not use Python.

:func:`package_schema` returns the schema of **one line of a chunk file** (a head, an entry or a
seal line, told apart by their required keys); its ``$defs`` also describe receipts
(``#/$defs/signed_receipt``). The published copy is ``docs/transfer-package.schema.json``; a test
checks that it equals :func:`schema_json`, so regenerate it after changing the format::

    python -m volunteerkit.transfer.schema > docs/transfer-package.schema.json

The schema checks the shape of each line. What a schema cannot say is checked by the reader
(:mod:`volunteerkit.transfer.package`): canonical bytes, the order of entries, that the certified
days are the entry's local dates, the digests, the signatures and the totals.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Final

from volunteerkit.hours.models import Source
from volunteerkit.registry.identity import SCHEMES, mask_number
from volunteerkit.transfer.canonical import MAX_SAFE_INTEGER
from volunteerkit.transfer.models import (
    BASE64_PATTERN,
    BLIND_INDEX_PATTERN,
    DIGEST_PATTERN,
    FORMAT,
    ID_PATTERN,
    KEY_ID_PATTERN,
    MAX_TEXT,
    PARTY_PATTERN,
    UNIFIED_NUMBER_PATTERN,
    VERSION,
    Algorithm,
    ReceiptOutcome,
    RejectReason,
)

__all__ = ["SCHEMA_ID", "package_schema", "schema_json"]

SCHEMA_ID: Final = "https://volunteerkit.dev/schemas/transfer-package-1.json"
"""The ``$id`` of the schema."""

_INSTANT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?\+00:00$"


def _anchored(pattern: str) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^{pattern}$"}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_MASKED_MAX = 128
"""The longest masked number a volunteer reference holds."""


def _masked_pattern(scheme: str) -> str:
    """The pattern of every text :func:`mask_number` gives for ``scheme`` (up to 128 characters).

    Read off the masking itself: for each length, how many characters it keeps at each end (kept
    characters are anything but ``*``, the middle is all ``*``). Lengths that keep the same are
    one alternative, and from the length where the kept ends stop changing the middle is open.
    """
    shapes: list[tuple[int, int, int]] = []  # (kept at start, kept at end, the fewest *)
    for n in range(1, _MASKED_MAX + 1):
        masked = mask_number(scheme, "0" * n)
        start = len(masked) - len(masked.lstrip("0"))
        end = len(masked) - len(masked.rstrip("0"))
        shapes.append((start, end, n - start - end))
    alternatives: list[str] = []
    i = 0
    while i < len(shapes):
        start, end, fewest = shapes[i]
        j = i
        while j + 1 < len(shapes) and shapes[j + 1][:2] == (start, end):
            j += 1
        most = "" if j == len(shapes) - 1 else str(shapes[j][2])
        stars = f"{{{fewest},{most}}}" if most != str(fewest) else f"{{{fewest}}}"
        kept = [f"[^*]{{{k}}}" if k > 1 else "[^*]" if k == 1 else "" for k in (start, end)]
        alternatives.append(f"{kept[0]}\\*{stars}{kept[1]}")
        i = j + 1
    return f"^({'|'.join(alternatives)})$"


def _masked_number() -> dict[str, Any]:
    """The schema of a volunteer's ``masked_number``: the masked form of its ``document_scheme``.

    Schemes whose masking keeps other ends than the default one (an MRZ keeps less) get their own
    pattern, chosen by ``document_scheme`` with ``if``/``then``; any other scheme (or none) uses the
    default masking's pattern.
    """
    default = _masked_pattern("")
    special = {s: p for s in SCHEMES if (p := _masked_pattern(s)) != default}
    rules: list[dict[str, Any]] = [
        {
            "if": {
                "properties": {"document_scheme": {"const": scheme}},
                "required": ["document_scheme"],
            },
            "then": {"properties": {"masked_number": {"pattern": pattern}}},
        }
        for scheme, pattern in sorted(special.items())
    ]
    rules.append(
        {
            "if": {
                "properties": {"document_scheme": {"enum": sorted(special)}},
                "required": ["document_scheme"],
            },
            "else": {"properties": {"masked_number": {"pattern": default}}},
        }
    )
    return {"allOf": rules}


def package_schema() -> dict[str, Any]:
    """Return the JSON Schema of a line of a chunk file (and, in ``$defs``, of receipts).

    Returns:
        The schema as plain data.
    """
    text = {"type": "string", "minLength": 1, "maxLength": 200}
    defs: dict[str, Any] = {
        "party": {
            **_anchored(PARTY_PATTERN),
            "description": "A region or platform id, such as hami.volunteer-cloud.",
        },
        "id": _anchored(ID_PATTERN),
        "entry_id": {
            "type": "string",
            "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}:[^\s]{1,128}$",
            "description": "A global entry id: origin, ':' and the local id.",
        },
        "instant": {
            "type": "string",
            "pattern": _INSTANT,
            "description": "An instant in UTC, ISO 8601 with +00:00 (microseconds only if not 0).",
        },
        "date": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "count": {"type": "integer", "minimum": 0, "maximum": MAX_SAFE_INTEGER},
        "digest": _anchored(DIGEST_PATTERN),
        "text": text,
        "volunteer": {
            **_object(
                {
                    "blind_index": _nullable(_anchored(BLIND_INDEX_PATTERN)),
                    "document_scheme": _nullable({"type": "string", "minLength": 1, "maxLength": 64}),
                    "masked_number": _nullable(
                        {
                            "type": "string",
                            "maxLength": _MASKED_MAX,
                            "description": (
                                "The number masked as its document_scheme masks it "
                                "(650102********1234 for cn_ric); never a full number."
                            ),
                        }
                    ),
                    "unified_number": _nullable(_anchored(UNIFIED_NUMBER_PATTERN)),
                }
            ),
            "anyOf": [
                {"properties": {"blind_index": {"type": "string"}}},
                {"properties": {"unified_number": {"type": "string"}}},
            ],
            **_masked_number(),
        },
        "header": _object(
            {
                "consent": _ref("text"),
                "created_at": _ref("instant"),
                "destination": _ref("party"),
                "format": {"const": FORMAT},
                "package_id": _ref("id"),
                "policy": {"type": "string", "minLength": 1, "maxLength": 100},
                "source": _ref("party"),
                "transfer_id": _ref("id"),
                "version": {"const": VERSION},
                "volunteer": _ref("volunteer"),
            }
        ),
        "totals": _object({"credited_minutes": _ref("count"), "entries": _ref("count")}),
        "day": _object({"day": _ref("date"), "minutes": _ref("count")}),
        "entry": _object(
            {
                "activity_id": _nullable(text),
                "break_minutes": _ref("count"),
                "category": _ref("text"),
                "certified_at": _ref("instant"),
                "certified_by": _ref("text"),
                "credited_minutes": _ref("count"),
                "days": {"type": "array", "items": _ref("day"), "minItems": 1},
                "end": _ref("instant"),
                "id": _ref("entry_id"),
                "note": {"type": "string", "maxLength": MAX_TEXT},
                "organization_id": _ref("text"),
                "recorded_at": _ref("instant"),
                "recorded_by": _ref("text"),
                "source": {"enum": [s.value for s in Source]},
                "start": _ref("instant"),
                "travel_minutes": _ref("count"),
                "zone": {"type": "string", "pattern": r"^[A-Za-z0-9_+\-/]{1,64}$"},
            }
        ),
        "chunk": _object(
            {
                "count": {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER},
                "number": {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER},
            }
        ),
        "signature": _object(
            {
                "algorithm": {"enum": [a.value for a in Algorithm]},
                "key_id": _anchored(KEY_ID_PATTERN),
                "value": _anchored(BASE64_PATTERN),
            }
        ),
        "head": _object(
            {
                "chunk": _ref("chunk"),
                "header": _ref("header"),
                "totals": _ref("totals"),
                "type": {"const": "head"},
            }
        ),
        "seal": _object(
            {
                "credited_minutes": _ref("count"),
                "digest": _ref("digest"),
                "entries": _ref("count"),
                "signature": _ref("signature"),
                "type": {"const": "seal"},
            }
        ),
        "receipt": _object(
            {
                "at": _ref("instant"),
                "credited_minutes_imported": _ref("count"),
                "destination": _ref("party"),
                "entries_already_present": _ref("count"),
                "entries_flagged": _ref("count"),
                "entries_imported": _ref("count"),
                "entries_received": _ref("count"),
                "entries_skipped": _ref("count"),
                "flagged": {"type": "array", "items": _ref("entry_id")},
                "header_digest": _ref("digest"),
                "outcome": {"enum": [o.value for o in ReceiptOutcome]},
                "package_id": _ref("id"),
                "reason": {"type": "string", "maxLength": MAX_TEXT},
                "reason_code": {"enum": [*(r.value for r in RejectReason), None]},
                "receipt_id": _ref("id"),
                "skipped": {"type": "array", "items": _ref("entry_id")},
                "source": _ref("party"),
                "transfer_id": _ref("id"),
            }
        ),
        "signed_receipt": _object({"receipt": _ref("receipt"), "signature": _ref("signature")}),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"volunteerkit transfer package, format version {VERSION}: one line of a chunk file",
        "description": (
            "A chunk file is JSON Lines: a head line, the chunk's entry lines in increasing id "
            "order, and a seal line. Every line is canonical JSON (sorted ASCII keys, no white "
            "space, integers only, NFC text). Receipts are described by #/$defs/signed_receipt."
        ),
        "oneOf": [_ref("head"), _ref("entry"), _ref("seal")],
        "$defs": defs,
    }


def schema_json() -> str:
    """Return the schema as the text published in ``docs/transfer-package.schema.json``.

    Returns:
        Indented JSON with a trailing newline.
    """
    return json.dumps(package_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    sys.stdout.write(schema_json())
