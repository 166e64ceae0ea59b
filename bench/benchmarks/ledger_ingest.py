"""ledger-ingest: record and approve entries into SQLite through the Ledger vs raw executemany.

Method. Before timing, build ``n`` pending (self-declared) service entries of ``n / 10``
volunteers, with time-ordered ids. Timed: ``Ledger.record_many`` (policy checks, approval
decision, replay check, bulk insert, one audit entry per batch) followed by
``Ledger.approve_many`` of every entry. Under the national rule most entries are plain (pending,
no event, isolated, one UTC offset): the store writes their approval events and credit rows with
``INSERT ... SELECT`` (``stores._sql_hours_direct``); the others get one approval event each and
their credit rows from the core's ``fold`` and ``accrue``. Baseline, in the same run:
every row the ledger wrote (entries, events, credit rows, audit entries, the policy setting),
read back as tuples, then inserted with raw ``sqlite3.executemany`` into a fresh database of the
same schema (the store's own migrations), in one transaction. Both sides run in WAL with
``synchronous=NORMAL``, garbage collection frozen and disabled during the timed part. Both sides
also get the store's page cache (32 MiB). The schema includes the triggers that keep the credit
sums per volunteer and month (``hours/0003_credit_sums``, read by award evaluation), so the raw
side pays for them as the ledger does. The raw side loads with foreign keys unchecked (SQLite's
default for a new connection); the store checks them. Figures are entries per second; the ratio
is ledger / raw (goal >= 0.8). A run starts with a warm-up ledger run, not counted, whose rows
the raw loads insert; a full run then times each side four times, in the order raw, ledger,
ledger, raw, raw, ledger, ledger, raw, each into a fresh database, and compares the fastest of
each (``bench._harness.rounds``); the note lists every timing. The baselines of the other figures
(the entry rows alone, the load without the kept sums, the floor) run in every raw slot, right
after the raw load, so each of them is also the fastest of as many runs as the ledger's time.

A fourth figure, ``ledger-ingest (raw, with kept sums)``, loads the same rows raw into the schema
without those triggers too: what keeping the sums costs a writer.

A second figure, ``ledger-ingest (record only)``, times ``record_many`` alone against raw
``executemany`` of the entry rows alone.

A third figure, ``ledger-ingest (vs floor)``, compares the ledger with the fastest way we know to do
the same *job* by hand in Python: a loop over ``sqlite3`` that inserts the entry rows, then, 500
ids at a time, reads the entries back, builds one approval event and the credit rows of each (its
local days from :func:`~volunteerkit.hours._time.split_minutes_by_day`), and inserts them, with
the store's connection settings (foreign keys on). It checks nothing (no policy, no replays, no
states, no overlaps), builds no model and writes no audit entry. The run asserts that it wrote the
ledger's entry, event and credit rows, except the credited minutes of the few entries that overlap
another of their volunteer's (the ledger counts the overlap once, the floor does not look). The
floor / raw ratio in the note is the ceiling of the first figure for a ledger that computes credit
in Python; the set-based approval of plain entries is how the ledger gets past it.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._harness import Figure, alternate, rounds_note, store_cache, timed_without_gc
from bench.benchmarks._ledger_data import (
    APPROVED_AT,
    FLOOR_SELECT,
    SAME_ROWS,
    TABLES,
    approve_by_hand,
    entries,
    floor_figure,
    ledger_round,
)
from volunteerkit.hours import ServiceEntry
from volunteerkit.stores import SQLiteStore
from volunteerkit.stores._sql_hours import CREDIT_COLUMNS, ENTRY_COLUMNS, EVENT_COLUMNS

NAME = "ledger-ingest"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
    finally:
        conn.close()


def _raw(
    rows: dict[str, list[tuple[Any, ...]]],
    path: Path,
    tables: tuple[str, ...],
    *,
    sums: bool = True,
) -> float:
    SQLiteStore(path).close()  # the same schema, from the store's migrations
    conn = store_cache(sqlite3.connect(path, isolation_level=None))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    if not sums:  # the schema as it was before the credit sums (hours/0003_credit_sums)
        conn.execute("DROP TRIGGER vk_hours_credit_sums_insert")
        conn.execute("DROP TRIGGER vk_hours_credit_sums_close")

    def load() -> None:
        conn.execute("BEGIN IMMEDIATE")
        for table in tables:
            if rows[table]:
                marks = ", ".join("?" * len(rows[table][0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows[table])
        conn.execute("COMMIT")

    seconds, _ = timed_without_gc(load)
    conn.close()
    return seconds


def _remove(path: Path) -> None:
    """Delete a finished database and its WAL files (a million entries take about 1 GB)."""
    for extra in ("", "-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)


def _micros(value: datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _floor(data: list[ServiceEntry], path: Path, approved_at: datetime) -> float:
    """Record and approve ``data`` by hand, checking nothing; return the wall seconds."""
    SQLiteStore(path).close()
    conn = store_cache(sqlite3.connect(path, isolation_level=None))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    t = _micros
    at = t(approved_at)

    def job() -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            _insert("vk_hours_entries", ENTRY_COLUMNS),
            [
                (str(e.id), e.volunteer_id, e.organization_id, e.activity_id, e.category,
                 t(e.start), t(e.end), e.zone.key, e.break_minutes, e.travel_minutes,
                 e.source.value, "pending", e.recorded_by, t(e.recorded_at), e.note)
                for e in data
            ],
        )
        conn.execute("COMMIT")
        keys = [str(e.id) for e in data]
        conn.execute("BEGIN IMMEDIATE")
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            events: list[tuple[Any, ...]] = []
            credit: list[tuple[Any, ...]] = []
            marks = ", ".join("?" * len(chunk))
            for row in conn.execute(FLOOR_SELECT.format("") + f"id IN ({marks})", chunk):
                start, end = row[4] // 60_000_000, row[5] // 60_000_000
                approve_by_hand(row, start, end, approved_at, at, events, credit)
            conn.executemany(_insert("vk_hours_events", EVENT_COLUMNS), events)
            conn.executemany(_insert("vk_hours_credit", CREDIT_COLUMNS), credit)
        conn.execute("COMMIT")

    seconds, _ = timed_without_gc(job)
    conn.close()
    return seconds


def _same_rows(ledger_db: Path, floor_db: Path) -> bool:
    """Whether the floor wrote the ledger's rows (see ``SAME_ROWS``)."""
    a, b = sqlite3.connect(ledger_db), sqlite3.connect(floor_db)
    try:
        return all(
            a.execute(q.format("")).fetchall() == b.execute(q.format("")).fetchall()
            for q in SAME_ROWS
        )
    finally:
        a.close()
        b.close()


def run(quick: bool) -> list[Figure]:
    n = 20_000 if quick else 1_000_000
    data = entries(n, n // 10)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        made = 0

        def ledger_run() -> tuple[float, float]:
            """Record and approve into a fresh database; the (record, approve) seconds."""
            nonlocal made
            path = folder / f"ledger-{made}.db"  # ledger-0.db, the warm-up's, is kept
            made += 1
            seconds = ledger_round(SQLiteStore(path), data)
            if made > 1:
                _remove(path)
            return seconds

        # The other figures' baselines run in every baseline slot, right after the raw load, so
        # that each is the fastest of as many runs as the ledger's time it is compared with.
        entries_s: list[float] = []
        unsummed_s: list[float] = []
        floor_s: list[float] = []

        def raw_run() -> float:
            path = folder / "raw-all.db"
            seconds = _raw(rows, path, TABLES)
            _remove(path)
            path = folder / "raw-entries.db"
            entries_s.append(_raw(rows, path, ("vk_hours_entries",)))
            _remove(path)
            path = folder / "raw-unsummed.db"
            unsummed_s.append(_raw(rows, path, TABLES, sums=False))
            _remove(path)
            path = folder / "floor.db"
            floor_s.append(_floor(data, path, APPROVED_AT))
            if len(floor_s) == 1:
                assert _same_rows(folder / "ledger-0.db", path)
            _remove(path)
            return seconds

        warm_up = ledger_run()  # not counted: it gives the rows of the raw loads
        rows = _rows(folder / "ledger-0.db")
        timed, raws = alternate(ledger_run, raw_run, quick)
    record_s, approve_s = min(timed, key=sum)
    record_best = min(r for r, _ in timed)
    raw_all = min(raws)
    raw_entries, raw_unsummed, floor = min(entries_s), min(unsummed_s), min(floor_s)
    each = f"fastest of {len(raws)} each" if len(raws) > 1 else "one run each"
    ours = record_s + approve_s
    counts = ", ".join(f"{t.removeprefix('vk_')} {len(r):,}" for t, r in rows.items())
    return [
        Figure(
            name=NAME,
            value=n / ours,
            baseline=n / raw_all,
            unit="entries/s",
            higher_is_better=True,
            note=(
                f"{n:,} entries recorded+approved in {ours:.1f} s (record {record_s:.1f} s, "
                f"approve+credit {approve_s:.1f} s); raw executemany of the same rows "
                f"({counts}) {raw_all:.1f} s; {rounds_note(sum(warm_up), [sum(r) for r in timed], raws)}"
            ),
        ),
        Figure(
            name=f"{NAME} (record only)",
            value=n / record_best,
            baseline=n / raw_entries,
            unit="entries/s",
            higher_is_better=True,
            note=(
                f"record_many {record_best:.2f} s; raw executemany of the entry rows "
                f"{raw_entries:.2f} s ({each})"
            ),
        ),
        floor_figure(NAME, n, ours, floor, raw_all, "raw executemany"),
        Figure(
            name=f"{NAME} (raw, with kept sums)",
            value=n / raw_all,
            baseline=n / raw_unsummed,
            unit="entries/s",
            higher_is_better=True,
            note=(
                f"raw executemany of the same rows {raw_all:.1f} s with the triggers that keep the "
                f"credit sums, {raw_unsummed:.1f} s without them ({each}): "
                f"{(raw_all - raw_unsummed) / len(rows['vk_hours_credit']) * 1e6:.1f} µs a credit row"
            ),
        ),
    ]
