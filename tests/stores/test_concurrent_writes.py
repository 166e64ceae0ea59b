"""Two connections writing the same key: the documented result, not a generic store error.

Connection A writes in a transaction it holds open; connection B, in a thread, writes the same key
in a transaction of its own, then appends an audit entry in that transaction. On PostgreSQL B
waits for A (its insert meets A's uncommitted row) and decides once A commits; on SQLite B waits
to begin (writers are serialized) and runs after A. Both must give what the memory store gives
for the same two calls one after the other, and leave B's transaction usable.

PostgreSQL used to check first and then insert: B's check did not see A's row, its insert failed
with ConflictError ``store.conflict`` (no path), and the raw error aborted B's whole transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from volunteerkit.audit import AuditEntry
from volunteerkit.errors import VolunteerkitError
from volunteerkit.stores import PostgresStore, SQLiteStore
from volunteerkit.testing.conformance_awards import _grant
from volunteerkit.testing.conformance_transfer import _transfer

_NOTE = AuditEntry(
    id="b-note",
    at=datetime(2026, 3, 1, 9, tzinfo=UTC),
    actor="b",
    action="demo.note",
    subject_type="demo",
    subject_id="s",
)

Pair = tuple[Any, Any, Callable[[str], None]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    """Two stores on one database, and a function that waits until B is blocked on A."""
    if request.param == "sqlite":
        path = tmp_path / "vk.db"
        a, b = SQLiteStore(path), SQLiteStore(path)

        def blocked(table: str) -> None:
            time.sleep(0.5)  # B waits in BEGIN IMMEDIATE, which nothing outside it can see

    else:
        import psycopg

        dsn = request.getfixturevalue("postgres_dsn")
        a = request.getfixturevalue("make_postgres_store")()
        b = PostgresStore(dsn, schema=a.schema)

        def blocked(table: str) -> None:
            # B's insert waits for A's uncommitted row: a lock wait on a statement naming table
            with psycopg.connect(dsn, autocommit=True) as watcher:
                for _ in range(300):
                    row = watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE %s",
                        (f"%INSERT INTO {table}%",),
                    ).fetchone()
                    if row and row[0]:
                        return
                    time.sleep(0.05)
            raise AssertionError(f"B never waited on A's row in {table}")

    yield a, b, blocked
    b.close()
    a.close()


def _race(
    pair: Pair, table: str, first: Callable[[Any], object], second: Callable[[Any], Any]
) -> dict[str, Any]:
    """Run ``first`` on A in an open transaction and ``second`` on B; return what B saw.

    B runs ``second`` in a transaction, catching a VolunteerkitError as ``(class, code, path)``,
    then appends an audit entry in the same transaction; an error escaping it is ``"escaped"``.
    """
    a, b, blocked = pair
    seen: dict[str, Any] = {}

    def other() -> None:
        try:
            with b.transaction():
                try:
                    seen["result"] = second(b)
                except VolunteerkitError as exc:
                    seen["result"] = (type(exc).__name__, exc.code, exc.path)
                b.audit.append(_NOTE)
        except Exception as exc:  # reported to the test
            seen["escaped"] = (type(exc).__name__, getattr(exc, "code", None))

    with a.transaction():
        first(a)
        thread = threading.Thread(target=other)
        thread.start()
        blocked(table)
    thread.join(timeout=60)
    assert not thread.is_alive()
    seen["b_note_written"] = [e.id for e in a.audit.query()] == [_NOTE.id]
    return seen


@pytest.mark.parametrize(
    ("granted_by_b", "expected"),
    [
        (_grant(2), 0),  # the same award under another record id: skipped, as already held
        (_grant(1), 0),  # the same record: a replay
        (_grant(1, key="twice"), ("ConflictError", "awards.conflict", "$.id")),
    ],
    ids=["same-award", "same-record", "same-id-other-award"],
)
def test_a_grant_racing_another_connections_grant_gets_the_documented_result(
    pair: Pair, granted_by_b: Any, expected: object
) -> None:
    """A grants star-1 to v1 (record 1) in an open transaction; B grants meanwhile.

    B granting the same award under record 2, or record 1 again, records nothing (0); record 1's
    id with another award is ConflictError awards.conflict at $.id. Either way B's transaction
    goes on and commits its audit entry, and v1 holds record 1 only, with a history of record 1.
    PostgreSQL raised ConflictError store.conflict for all three and aborted B's transaction.
    """
    seen = _race(
        pair,
        "vk_award",
        lambda a: a.awards.grant([_grant(1)]),
        lambda b: b.awards.grant([granted_by_b]),
    )
    assert seen == {"result": expected, "b_note_written": True}
    a = pair[0]
    assert [g.id for g in a.awards.held("cn.cyl.stars")["v1"]] == [_grant(1).id]
    assert [r.id for r in a.awards.history("cn.cyl.stars", "v1")] == [_grant(1).id]


def test_adding_a_transfer_another_connection_is_adding_is_transfer_exists(pair: Pair) -> None:
    """A adds transfer t0001 (volunteer v1) in an open transaction; B adds t0001 (v2) meanwhile.

    B gets ConflictError transfer.exists at $.id, its transaction goes on and commits its audit
    entry, and t0001 is A's (v1, one step). PostgreSQL raised ConflictError store.conflict with
    no path and aborted B's transaction.
    """
    seen = _race(
        pair,
        "vk_transfer_transfers",
        lambda a: a.transfers.add(_transfer(1)),
        lambda b: b.transfers.add(_transfer(1, volunteer="v2")),
    )
    assert seen == {
        "result": ("ConflictError", "transfer.exists", "$.id"),
        "b_note_written": True,
    }
    stored = pair[0].transfers.get("t0001")
    assert (stored.volunteer_id, len(stored.steps)) == ("v1", 1)
