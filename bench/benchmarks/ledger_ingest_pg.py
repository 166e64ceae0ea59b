"""ledger-ingest-pg: record and approve entries into PostgreSQL through the Ledger vs binary COPY.

The same method as ``ledger-ingest`` (see that module) on a throwaway PostgreSQL server
(``TemporaryPostgres``): the ledger writes through ``PostgresStore`` (bulk inserts are binary
``COPY``); the baseline loads every row the ledger wrote, read back as tuples, into a fresh schema
made by the same migrations, with psycopg's binary ``COPY`` in one transaction. Goal: ratio >= 0.7.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bench._harness import Figure, timed_without_gc
from bench.benchmarks._ledger_data import NOW, TABLES, entries
from volunteerkit import FixedClock
from volunteerkit.hours import NATIONAL
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import PostgresStore
from volunteerkit.testing.postgres import TemporaryPostgres

NAME = "ledger-ingest-pg"


def _copy_all(dsn: str, schema: str, rows: dict[str, list[tuple[Any, ...]]]) -> float:
    import psycopg

    PostgresStore(dsn, schema=schema).close()  # the same schema, from the store's migrations
    with psycopg.connect(dsn) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        types: dict[str, list[str]] = {}
        for table in TABLES:
            types[table] = [
                str(r[0])
                for r in conn.execute(
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                    "%s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    (table,),
                ).fetchall()
            ]
        conn.commit()

        def load() -> None:
            with conn.transaction(), conn.cursor() as cur:
                for table in TABLES:
                    with cur.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                        copy.set_types(types[table])
                        for row in rows[table]:
                            copy.write_row(row)

        seconds, _ = timed_without_gc(load)
    return seconds


def run(quick: bool) -> list[Figure]:
    import psycopg

    n = 20_000 if quick else 1_000_000
    data = entries(n, n // 10)
    ids = [e.id for e in data]
    with TemporaryPostgres() as pg:
        store = PostgresStore(pg.dsn, schema="ledger")
        clock = FixedClock(NOW)
        ledger = Ledger(store, clock=clock, policy=NATIONAL)
        record_s, result = timed_without_gc(lambda: ledger.record_many(data, actor="importer"))
        clock.advance(timedelta(hours=1))
        approve_s, approved = timed_without_gc(lambda: ledger.approve_many(ids, actor="lead-7"))
        assert result.written == n
        assert approved == n
        store.close()
        with psycopg.connect(pg.dsn) as conn:
            conn.execute('SET search_path TO "ledger"')
            rows = {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
        raw = _copy_all(pg.dsn, "raw", rows)
    ours = record_s + approve_s
    counts = ", ".join(f"{t.removeprefix('vk_')} {len(r):,}" for t, r in rows.items())
    return [
        Figure(
            name=NAME,
            value=n / ours,
            baseline=n / raw,
            unit="entries/s",
            higher_is_better=True,
            note=(
                f"{n:,} entries recorded+approved in {ours:.1f} s (record {record_s:.1f} s, "
                f"approve+credit {approve_s:.1f} s); binary COPY of the same rows ({counts}) "
                f"{raw:.1f} s"
            ),
        )
    ]
