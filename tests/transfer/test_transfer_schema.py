"""The published JSON Schema: current, valid Draft 2020-12, and it accepts real packages."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings

from volunteerkit import unstructure
from volunteerkit.testing.strategies_transfer import signed_receipts, transfer_entries
from volunteerkit.transfer.schema import package_schema, schema_json

from .conftest import lines_of

DOCS = Path(__file__).resolve().parents[2] / "docs" / "transfer-package.schema.json"
VALIDATOR = jsonschema.Draft202012Validator(package_schema())


def _valid(data: object, ref: str) -> bool:
    """Validate ``data`` against one of the schema's $defs."""
    schema = {k: v for k, v in package_schema().items() if k != "oneOf"}
    schema["$ref"] = f"#/$defs/{ref}"
    return jsonschema.Draft202012Validator(schema).is_valid(data)


def test_the_published_file_is_current():
    """docs/transfer-package.schema.json equals what transfer/schema.py generates."""
    assert DOCS.read_text(encoding="utf-8") == schema_json()


def test_the_schema_is_valid_draft_2020_12():
    """The schema itself passes the Draft 2020-12 meta-schema."""
    jsonschema.Draft202012Validator.check_schema(package_schema())
    assert package_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_line_of_a_written_package_validates(write):
    """Head, entry and seal lines of a real package all match the schema, each as one kind."""
    package = write(n=5, chunk_size=2)
    kinds = []
    for path in package.files:
        for line in lines_of(path):
            data = json.loads(line)
            assert VALIDATOR.is_valid(data), list(VALIDATOR.iter_errors(data))
            kinds.append(data.get("type", "entry"))
    assert kinds == ["head", "entry", "entry", "seal"] * 2 + ["head", "entry", "seal"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(credited_minutes=1.5), "a float"),
        (lambda d: d.update(source="transfered"), "an unknown capture method"),
        (lambda d: d.update(start="2026-03-02T09:00:00+08:00"), "a time not in UTC"),
        (lambda d: d.update(extra=1), "an unknown field"),
        (lambda d: d.pop("days"), "a missing field"),
    ],
)
def test_the_schema_refuses_malformed_entries(write, change, where):
    """Entries with floats, unknown values, non-UTC times or wrong fields fail the schema."""
    package = write(n=1, chunk_size=1)
    data = json.loads(lines_of(package.files[0])[1])
    assert VALIDATOR.is_valid(data)
    change(data)
    assert not VALIDATOR.is_valid(data), where


@settings(max_examples=40)
@given(transfer_entries())
def test_generated_entries_validate(entry):
    """Any valid TransferEntry, unstructured, matches the schema."""
    assert VALIDATOR.is_valid(unstructure(entry))


@settings(max_examples=20)
@given(signed_receipts)
def test_generated_receipts_validate(signed):
    """Any SignedReceipt matches #/$defs/signed_receipt (and is no line of a chunk file)."""
    assert _valid(unstructure(signed), "signed_receipt")
    assert not VALIDATOR.is_valid(unstructure(signed))
