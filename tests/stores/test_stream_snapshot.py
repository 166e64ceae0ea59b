"""Streamed queries answer from the rows there when they started, on every store.

The audit log's version of these checks is in the conformance suite
(``StoreConformance.test_a_query_answers_from_the_rows_there_when_it_started`` and its
neighbours); here the registry's listing on the three stores, and the two ways the SQLite store
reads a stream (a read connection of its own outside a transaction on a file; the whole result
read out first inside a transaction and for ``":memory:"``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from volunteerkit.audit import AuditEntry
from volunteerkit.errors import UnavailableError
from volunteerkit.registry.models import Volunteer, VolunteerRecord
from volunteerkit.stores import MemoryStore, SQLiteStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _volunteer(volunteer_id: str) -> VolunteerRecord:
    return VolunteerRecord(volunteer=Volunteer(id=volunteer_id, name="n", registered_at=T0))


def _entry(n: int) -> AuditEntry:
    return AuditEntry(
        id=f"e{n:06d}",
        at=T0 + timedelta(seconds=n),
        actor="a",
        action="x.y",
        subject_type="t",
        subject_id="s",
    )


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """Fresh stores of one backend; the PostgreSQL ones need the session's server."""
    if request.param == "memory":
        yield MemoryStore
    elif request.param == "sqlite":
        counter = itertools.count()
        yield lambda: SQLiteStore(tmp_path / f"s{next(counter)}.db")
    else:
        yield request.getfixturevalue("make_postgres_store")


def test_volunteers_added_while_the_listing_is_read_are_not_in_it(
    make_store: Callable[[], Any],
) -> None:
    """volunteers.iter() over 1,500 volunteers, adding two after the 5th and 1,200th: 1,500 read.

    Both added ids sort after every stored one. SQLite listed the second of them too (1,501).
    """
    store = make_store()
    try:
        stored = [f"v{i:05d}" for i in range(1500)]
        for volunteer_id in stored:
            store.volunteers.add(_volunteer(volunteer_id))
        read: list[str] = []
        for record in store.volunteers.iter():
            read.append(record.volunteer.id)
            if len(read) in (5, 1200):
                store.volunteers.add(_volunteer(f"w{len(read):05d}"))
            if len(read) > 2000:
                break
        assert read == stored
        assert store.volunteers.count() == 1502
    finally:
        store.close()


def test_a_memory_sqlite_database_answers_from_the_start_too() -> None:
    """``SQLiteStore(":memory:")``: a loop appending one entry per entry read reads 1,500.

    No second connection can open such a database, so its streams are read out first: the loop
    reads the 1,500 entries stored and leaves 3,000 (it used to run on).
    """
    store = SQLiteStore(":memory:")
    store.audit.append_many(_entry(n) for n in range(1500))
    read = 0
    for _ in store.audit.query():
        read += 1
        store.audit.append(_entry(10_000 + read))
        if read > 3000:
            break
    assert (read, store.audit.count()) == (1500, 3000)
    store.close()


@pytest.mark.parametrize("where", ["file", "memory"])
def test_a_stream_read_out_first_returns_every_row_in_order(tmp_path: Path, where: str) -> None:
    """In a transaction, a result of several batches comes back whole and in order.

    A batch of 3 over 10 rows: the first 3 stay in memory, the other 7 go through a temporary
    file; 3 rows (exactly one batch) and 0 rows too. Rows written after the first row are not
    returned, though they are the block's own.
    """
    store = SQLiteStore(":memory:" if where == "memory" else tmp_path / "vk.db")
    db = store._db
    with store.transaction():
        db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, s TEXT, f REAL, b BLOB)")
        db.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?)",
            [(n, f"s{n}", n / 2, bytes([n]) if n % 2 else None) for n in range(10)],
        )
        rows = db.stream("SELECT n, s, f, b FROM t ORDER BY n", batch=3)
        first = next(rows)
        db.execute("INSERT INTO t VALUES (10, 's10', 5.0, NULL)")
        assert [first, *rows] == [
            (n, f"s{n}", n / 2, bytes([n]) if n % 2 else None) for n in range(10)
        ]
        assert list(db.stream("SELECT n FROM t WHERE n < 3 ORDER BY n", batch=3)) == [
            (0,),
            (1,),
            (2,),
        ]
        assert list(db.stream("SELECT n FROM t WHERE n < 0", batch=3)) == []
        early = db.stream("SELECT n FROM t ORDER BY n", batch=3)
        assert next(early) == (0,)
        early.close()  # stopped early: the temporary file is closed, nothing is left open
    assert db.fetchall("SELECT COUNT(*) FROM t") == [(11,)]
    store.close()


def test_streams_outside_a_transaction_read_their_own_snapshot(tmp_path: Path) -> None:
    """On a file, two streams open at once each keep the rows there when they started.

    The second starts after a write the first does not see; a write committed after both
    started is in neither. Their read connections are kept for later streams; one left open
    when the store closes raises UnavailableError store.closed, as a new one does.
    """
    store = SQLiteStore(tmp_path / "vk.db")
    db = store._db
    db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(5)])
    one = db.stream("SELECT n FROM t ORDER BY n", batch=2)
    assert next(one) == (0,)
    db.execute("INSERT INTO t VALUES (5)")
    two = db.stream("SELECT n FROM t ORDER BY n", batch=2)
    assert next(two) == (0,)
    with store.transaction():
        db.execute("INSERT INTO t VALUES (6)")
    assert [n for (n,) in one] == [1, 2, 3, 4]
    assert [n for (n,) in two] == [1, 2, 3, 4, 5]
    assert [n for (n,) in db.stream("SELECT n FROM t ORDER BY n")] == list(range(7))
    assert len(db._idle_readers) == 2
    left = db.stream("SELECT n FROM t ORDER BY n", batch=2)
    assert next(left) == (0,)
    store.close()
    for rows in (left, db.stream("SELECT n FROM t")):
        with pytest.raises(UnavailableError) as info:
            list(rows)
        assert info.value.code == "store.closed"


def test_a_store_opened_by_a_relative_path_streams_its_own_file_after_chdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stream's own read connection opens the store's file, wherever the process has moved.

    It reopened the relative path given, so after ``os.chdir`` a listing read (and created) a
    file of that name in the new folder: it failed with "no such table", or listed another
    store's rows.
    """
    first, elsewhere = tmp_path / "first", tmp_path / "elsewhere"
    first.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(first)
    store = SQLiteStore("store.db")
    store.volunteers.add(_volunteer("v1"))
    monkeypatch.chdir(elsewhere)
    try:
        assert [r.volunteer.id for r in store.volunteers.iter()] == ["v1"]
        assert list(elsewhere.iterdir()) == []
    finally:
        store.close()
