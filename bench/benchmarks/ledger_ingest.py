"""ledger-ingest: record and approve entries into SQLite through the Ledger vs raw executemany.

Method. Before timing, build ``n`` pending (self-declared) service entries of ``n / 10``
volunteers, with time-ordered ids. Timed: ``Ledger.record_many`` (policy checks, approval
decision, replay check, bulk insert, one audit entry per batch) followed by
``Ledger.approve_many`` of every entry (one approval event each, then the credit rows of every
volunteer computed with the core's ``fold`` and ``accrue`` and written). Baseline, in the same run:
every row the ledger wrote (entries, events, credit rows, audit entries, the policy setting),
read back as tuples, then inserted with raw ``sqlite3.executemany`` into a fresh database of the
same schema (the store's own migrations), in one transaction. Both sides run in WAL with
``synchronous=NORMAL``, garbage collection frozen and disabled during the timed part. Figures are
entries per second; the ratio is ledger / raw (goal >= 0.8).

A second figure, ``ledger-ingest (record only)``, times ``record_many`` alone against raw
``executemany`` of the entry rows alone.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench._harness import Figure, timed_without_gc
from bench.benchmarks._ledger_data import NOW, TABLES, entries
from volunteerkit import FixedClock
from volunteerkit.hours import NATIONAL
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import SQLiteStore

NAME = "ledger-ingest"


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
    finally:
        conn.close()


def _raw(rows: dict[str, list[tuple[Any, ...]]], path: Path, tables: tuple[str, ...]) -> float:
    SQLiteStore(path).close()  # the same schema, from the store's migrations
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")

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


def run(quick: bool) -> list[Figure]:
    n = 20_000 if quick else 1_000_000
    data = entries(n, n // 10)
    ids = [e.id for e in data]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = SQLiteStore(folder / "ledger.db")
        clock = FixedClock(NOW)
        ledger = Ledger(store, clock=clock, policy=NATIONAL)
        record_s, result = timed_without_gc(lambda: ledger.record_many(data, actor="importer"))
        clock.advance(timedelta(hours=1))
        approve_s, approved = timed_without_gc(lambda: ledger.approve_many(ids, actor="lead-7"))
        assert result.written == n
        assert approved == n
        store.close()
        rows = _rows(folder / "ledger.db")
        raw_all = _raw(rows, folder / "raw-all.db", TABLES)
        raw_entries = _raw(rows, folder / "raw-entries.db", ("vk_hours_entries",))
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
                f"({counts}) {raw_all:.1f} s"
            ),
        ),
        Figure(
            name=f"{NAME} (record only)",
            value=n / record_s,
            baseline=n / raw_entries,
            unit="entries/s",
            higher_is_better=True,
            note=f"record_many {record_s:.2f} s; raw executemany of the entry rows {raw_entries:.2f} s",
        ),
    ]
