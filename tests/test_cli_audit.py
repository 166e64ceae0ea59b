"""volunteerkit audit: its --limit, its text output, and the audit log's checks behind it.

The library checks live here beside the command they serve: AuditEntry's field types, and the
memory audit log's ``limit`` and ``append`` arguments.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from volunteerkit import FixedClock
from volunteerkit.audit import AuditEntry, record
from volunteerkit.cli import main
from volunteerkit.errors import InvalidInputError
from volunteerkit.stores import MemoryStore, SQLiteStore

CLOCK = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def _entry(subject_id: str = "e1", **fields: str) -> AuditEntry:
    """An entry about ``subject_id``, at minute ``int(subject_id[1:])`` of 1 March 2026 UTC."""
    values = {"actor": "coordinator-7", "action": "hours.void", "reason": "duplicate", **fields}
    clock = FixedClock(datetime(2026, 3, 1, 0, int(subject_id[1:]), tzinfo=UTC))
    return record(clock, subject_type="entry", subject_id=subject_id, **values)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite store holding two audit entries."""
    store = SQLiteStore(tmp_path / "vk.db")
    store.audit.append_many([_entry("e1"), _entry("e2")])
    store.close()
    return f"sqlite:///{tmp_path / 'vk.db'}"


@pytest.mark.parametrize(
    "limit", ["99999999999999999999", "9223372036854775808", "-1", "abc", "1.9", "\uff12"]
)
@pytest.mark.parametrize("url", ["memory:", "sqlite"])
def test_audit_limit_outside_0_to_2_63_minus_1_exits_2(
    sqlite_url: str, url: str, limit: str
) -> None:
    """--limit that is not a whole number from 0 to 2**63 - 1: audit.limit at $.limit, exit 2.

    Before, 99999999999999999999 was a ValueError traceback on memory: and store.out_of_range on
    SQLite, abc a usage error, and -1 printed no entry with exit 0.
    """
    code, text = run("--json", "audit", sqlite_url if url == "sqlite" else url, "--limit", limit)
    assert code == 2
    assert json.loads(text)["error"] == {
        "code": "audit.limit",
        "message": "--limit must be a whole number from 0 to 9223372036854775807",
        "message_zh": "--limit 必须是 0 至 9223372036854775807 之间的整数",
        "path": "$.limit",
    }
    code, text = run("audit", sqlite_url, "--limit", "1")
    assert code == 0 and len(text.splitlines()) == 1
    assert run("audit", sqlite_url, "--limit", "9223372036854775807")[1].count("\n") == 2
    assert run("audit", sqlite_url, "--limit", "0") == (0, "")


def test_memory_audit_query_refuses_a_limit_that_is_not_a_non_negative_int() -> None:
    """The memory log's query(limit=…) takes None or an int from 0 to 2**63 - 1, as SQLite.

    Before, 2**64 was a bare ValueError from islice, "abc" a bare ValueError, -1 gave no entry,
    and 1.9 and True were taken as 1. Now: audit.limit at $.limit for a value that is not an int
    or is negative, store.out_of_range at $.limit (SQLite's code) above 2**63 - 1.
    """
    store = MemoryStore()
    store.audit.append_many([_entry("e1"), _entry("e2")])
    for limit, code in [
        ("abc", "audit.limit"),
        (-1, "audit.limit"),
        (1.9, "audit.limit"),
        (True, "audit.limit"),
        (2**64, "store.out_of_range"),
        (2**63, "store.out_of_range"),
    ]:
        with pytest.raises(InvalidInputError) as caught:
            store.audit.query(limit=limit)  # type: ignore[arg-type]
        assert (caught.value.code, caught.value.path) == (code, "$.limit"), limit
    assert [e.subject_id for e in store.audit.query(limit=2**63 - 1)] == ["e1", "e2"]
    assert [e.subject_id for e in store.audit.query(limit=1)] == ["e1"]
    assert list(store.audit.query(limit=0)) == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("details", [("k", "v")], "audit.invalid_details"),
        ("details", "kv", "audit.invalid_details"),
        ("details", None, "audit.invalid_details"),
        ("actor", 5, "audit.invalid_field"),
        ("id", 5, "audit.invalid_field"),
        ("subject_id", 1, "audit.invalid_field"),
        ("reason", None, "audit.invalid_field"),
    ],
)
def test_audit_entry_refuses_a_field_of_the_wrong_type(field: str, value: object, code: str) -> None:
    """AuditEntry(details=[...]) or actor=5 is a typed error at the field's path.

    Before, they were a bare AttributeError ('list' object has no attribute 'items') and a bare
    TypeError (argument of type 'int' is not iterable).
    """
    fields: dict[str, object] = {
        "id": "i",
        "at": CLOCK.now(),
        "actor": "a",
        "action": "b",
        "subject_type": "c",
        "subject_id": "d",
        field: value,
    }
    with pytest.raises(InvalidInputError) as caught:
        AuditEntry(**fields)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == (code, f"$.{field}")
    assert caught.value.message_zh


def test_memory_audit_append_refuses_what_is_not_an_entry() -> None:
    """append(None), append_many([entry, None]), append_many(5): audit.invalid_entry, no write.

    Before, the memory log raised a bare TypeError.
    """
    store = MemoryStore()
    cases = [
        (lambda: store.audit.append(None), "$.entry"),  # type: ignore[arg-type]
        (lambda: store.audit.append_many([_entry(), None]), "$.entries[1]"),  # type: ignore[list-item]
        (lambda: store.audit.append_many(5), "$.entries"),  # type: ignore[arg-type]
        (lambda: store.audit.append_many(_entry()), "$.entries"),  # type: ignore[arg-type]
    ]
    for call, path in cases:
        with pytest.raises(InvalidInputError) as caught:
            call()
        assert (caught.value.code, caught.value.path) == ("audit.invalid_entry", path)
    assert store.audit.count() == 0


def test_audit_text_prints_one_line_an_entry_with_control_characters_escaped(
    tmp_path: Path,
) -> None:
    r"""A reason with "\n" and an ANSI escape cannot forge a second audit line.

    Text output escapes C0 and C1 controls, DEL, U+2028/U+2029, the bidirectional formatting
    characters and the backslash in every field; --json prints the stored texts unchanged.
    Before, the reason below printed as two audit lines and a terminal erase sequence.
    """
    reason = (
        "duplicate\n2026-03-01T00:00:00+00:00  admin  volunteer.anonymise  volunteer:v-42  "
        "at the person's request\x1b[2K\r\t\x7f\x85\u2028\u2029\u202e C:\\tmp"
    )
    store = SQLiteStore(tmp_path / "forge.db")
    store.audit.append(_entry("e1", actor="coordinator\n7", reason=reason))
    store.close()
    url = f"sqlite:///{tmp_path / 'forge.db'}"
    code, text = run("audit", url)
    assert code == 0
    assert text == (
        "2026-03-01T00:01:00+00:00  coordinator\\n7  hours.void  entry:e1  duplicate\\n"
        "2026-03-01T00:00:00+00:00  admin  volunteer.anonymise  volunteer:v-42  "
        "at the person's request\\x1b[2K\\r\\t\\x7f\\x85\\u2028\\u2029\\u202e C:\\\\tmp\n"
    )
    code, text = run("--json", "audit", url)
    assert code == 0 and text.count("\n") == 1  # JSON escapes "\n"; U+2028 stays as it is
    assert (json.loads(text)["reason"], json.loads(text)["actor"]) == (reason, "coordinator\n7")
