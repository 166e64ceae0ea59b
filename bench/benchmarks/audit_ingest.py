"""audit-ingest: append audit entries to SQLite through the store vs raw sqlite3.executemany.

Both sides write the same rows into the same schema (the store's own migration) in a fresh WAL
database, in one transaction (the run checks that the two tables hold the same rows). The baseline
gets its rows as ready-made tuples, so the ratio shows what the model layer, validation-free
conversion and idempotent ``ON CONFLICT`` cost.
"""

from __future__ import annotations

import gc
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench._harness import Figure, store_cache
from volunteerkit._ids import uuid7
from volunteerkit.audit import AuditEntry
from volunteerkit.stores import SQLiteStore

NAME = "audit-ingest"

_T0 = datetime(2026, 1, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(value: datetime) -> int:
    """Epoch microseconds, as the SQLite store writes an instant (exact, not via float seconds)."""
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _entries(n: int) -> list[AuditEntry]:
    return [
        AuditEntry(
            id=str(uuid7(_T0 + timedelta(milliseconds=i), i)),
            at=_T0 + timedelta(milliseconds=i),
            actor=f"coordinator-{i % 50}",
            action="hours.approve",
            subject_type="entry",
            subject_id=f"e-{i}",
            reason="approved at the end of the shift",
            details={"organization": f"org-{i % 300}"} if i % 4 == 0 else {},
        )
        for i in range(n)
    ]


def _store_run(entries: list[AuditEntry], folder: Path) -> float:
    store = SQLiteStore(folder / "store.db")
    gc.collect()
    t0 = time.perf_counter()
    written = store.audit.append_many(entries)
    elapsed = time.perf_counter() - t0
    assert written == len(entries) == store.audit.count()
    store.close()
    return elapsed


def _raw_run(entries: list[AuditEntry], folder: Path) -> float:
    # Same schema (created by the store's migration), rows converted before timing.
    SQLiteStore(folder / "raw.db").close()
    import sqlite3

    rows = [
        (
            e.id,
            _micros(e.at),
            e.actor,
            e.action,
            e.subject_type,
            e.subject_id,
            e.reason,
            f'{{"organization":"{e.details["organization"]}"}}' if e.details else "{}",
        )
        for e in entries
    ]
    conn = store_cache(sqlite3.connect(folder / "raw.db", isolation_level=None))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    gc.collect()
    t0 = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO vk_audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def _same_rows(folder: Path) -> bool:
    """Whether the raw load wrote exactly the rows the store wrote."""
    import sqlite3

    query = "SELECT * FROM vk_audit_log ORDER BY id"
    ours, raw = sqlite3.connect(folder / "store.db"), sqlite3.connect(folder / "raw.db")
    try:
        return ours.execute(query).fetchall() == raw.execute(query).fetchall()
    finally:
        ours.close()
        raw.close()


def run(quick: bool) -> list[Figure]:
    n = 100_000 if quick else 1_000_000
    entries = _entries(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        raw = _raw_run(entries, folder)
        ours = _store_run(entries, folder)
        assert _same_rows(folder)
    return [
        Figure(
            name=NAME,
            value=n / ours,
            baseline=n / raw,
            unit="entries/s",
            higher_is_better=True,
            note=f"{n:,} entries; store {ours:.2f} s, raw executemany {raw:.2f} s",
        )
    ]
