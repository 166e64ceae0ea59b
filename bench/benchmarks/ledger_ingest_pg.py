"""ledger-ingest-pg: record and approve entries into PostgreSQL through the Ledger vs binary COPY.

The same method as ``ledger-ingest`` (see that module) on a throwaway PostgreSQL server
(``TemporaryPostgres``): the ledger writes through ``PostgresStore`` (bulk inserts are binary
``COPY``); the baseline loads every row the ledger wrote, read back as tuples, into a fresh schema
made by the same migrations, with psycopg's binary ``COPY`` in one transaction (the note gives each
table's share: writing the events costs about twice the entries, as the foreign key to the entry
locks each entry's row, for the ledger and the baseline alike). Goal: ratio >= 0.7.
As there, a warm-up ledger run comes first, not counted, then a full run times each side four
times (raw, ledger, ledger, raw, twice over), each into a fresh schema, and compares the fastest
of each. The floor and the checks of the other figures run in every raw slot, after the ``COPY``,
so they too are the fastest of as many runs.

A second figure, ``ledger-ingest-pg (vs floor)``, compares the ledger with the same job done by
hand, checking nothing, as in ``ledger-ingest``: binary ``COPY`` of the entry rows, then, 5,000 ids
at a time (the store's chunk on PostgreSQL), one query for the entries (``id = ANY(array)``), one
approval event and the credit rows of each built as tuples, and binary ``COPY`` of both. The run
asserts that it wrote the ledger's rows (credited minutes of overlapping entries aside). Its ratio
to the ``COPY`` baseline, in the note, is the ceiling of the first figure for a ledger that reads
entries back and computes credit in Python; the ledger approves plain entries with set-based SQL
instead (see ``ledger-ingest``).

A third figure, ``ledger-ingest-pg (ceiling)``, is the ratio no ledger that checks what it
approves can pass in this run: binary ``COPY`` of every row, plus the checks an approval must make
(see ``CHECKS``) timed alone on the entry rows, in the cheapest way found. It leaves nothing for
turning models into rows or for any write slower than ``COPY``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bench._harness import Figure, alternate, rounds_note, timed_without_gc
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
from volunteerkit.hours._time import to_minute
from volunteerkit.stores import PostgresStore
from volunteerkit.stores._sql_hours import CREDIT_COLUMNS, ENTRY_COLUMNS, EVENT_COLUMNS
from volunteerkit.testing.postgres import TemporaryPostgres

NAME = "ledger-ingest-pg"


def _copy_all(
    dsn: str,
    schema: str,
    rows: dict[str, list[tuple[Any, ...]]],
    split: dict[str, float] | None = None,
) -> float:
    """Load ``rows`` into a fresh ``schema`` with binary COPY in one transaction; the seconds.

    ``split``, if given, receives the seconds of each table's COPY (their sum is a little less
    than the whole: the commit is not in it).
    """
    import time

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
                    began = time.perf_counter()
                    with cur.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
                        copy.set_types(types[table])
                        for row in rows[table]:
                            copy.write_row(row)
                    if split is not None:
                        split[table] = time.perf_counter() - began

        seconds, _ = timed_without_gc(load)
    return seconds


def _types(conn: Any, table: str, columns: Sequence[str]) -> list[str]:
    found = dict(
        conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (table,),
        ).fetchall()
    )
    return [str(found[c]) for c in columns]


def _floor(dsn: str, schema: str, data: list[ServiceEntry], approved_at: datetime) -> float:
    """Record and approve ``data`` by hand, checking nothing; return the wall seconds."""
    import psycopg

    PostgresStore(dsn, schema=schema).close()
    with psycopg.connect(dsn) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        tables = (
            ("vk_hours_entries", ENTRY_COLUMNS),
            ("vk_hours_events", EVENT_COLUMNS),
            ("vk_hours_credit", CREDIT_COLUMNS),
        )
        types = {t: _types(conn, t, c) for t, c in tables}
        conn.commit()

        def copy(cur: Any, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(types[table])
                for row in rows:
                    cp.write_row(row)

        def job() -> None:
            with conn.transaction(), conn.cursor() as cur:
                copy(cur, "vk_hours_entries", ENTRY_COLUMNS, [
                    (str(e.id), e.volunteer_id, e.organization_id, e.activity_id, e.category,
                     e.start, e.end, e.zone.key, e.break_minutes, e.travel_minutes,
                     e.source.value, "pending", e.recorded_by, e.recorded_at, e.note)
                    for e in data
                ])  # fmt: skip
            keys = [str(e.id) for e in data]
            with conn.transaction(), conn.cursor() as cur:
                for i in range(0, len(keys), 5000):
                    events: list[tuple[Any, ...]] = []
                    credit: list[tuple[Any, ...]] = []
                    for row in cur.execute(
                        FLOOR_SELECT.format("") + "id = ANY(%b)", (keys[i : i + 5000],)
                    ).fetchall():
                        start, end = to_minute(row[4]), to_minute(row[5])
                        approve_by_hand(row, start, end, approved_at, approved_at, events, credit)
                    copy(cur, "vk_hours_events", EVENT_COLUMNS, events)
                    copy(cur, "vk_hours_credit", CREDIT_COLUMNS, credit)

        seconds, _ = timed_without_gc(job)
    return seconds


def _same_rows(dsn: str, ours: str, floor: str) -> bool:
    """Whether the floor wrote the ledger's rows (see ``SAME_ROWS``)."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        return all(
            conn.execute(q.format(f'"{ours}".')).fetchall()
            == conn.execute(q.format(f'"{floor}".')).fetchall()
            for q in SAME_ROWS
        )


# What an approval must check of each entry, whatever writes its rows: that it is stored, was
# recorded pending by the approval instant and has no event yet, and, for its credit, whether
# another entry of its volunteer overlaps it, the volunteer has a correction, or the store keeps
# certified credit for it. The conditions of the store's plain search (stores._sql_hours_direct),
# less the ones that only choose its set-based path (at most 48 hours, after 1970-01-02).
CHECKS = (
    "SELECT count(*) FROM unnest(%b::text[]) AS b(id) JOIN vk_hours_entries e ON e.id = b.id "
    "WHERE e.initial_status = 'pending' AND e.recorded_at <= %s "
    "AND NOT EXISTS (SELECT 1 FROM vk_hours_events v WHERE v.entry_id = e.id) "
    "AND NOT EXISTS (SELECT 1 FROM vk_hours_entries x WHERE x.volunteer_id = e.volunteer_id "
    "AND x.start_at < e.end_at AND x.end_at > e.start_at AND x.id <> e.id) "
    "AND NOT EXISTS (SELECT 1 FROM vk_hours_events k WHERE k.volunteer_id = e.volunteer_id "
    "AND k.type = 'corrected') "
    "AND NOT EXISTS (SELECT 1 FROM vk_transfer_entries c WHERE c.entry_id = e.id)"
)


def _checks(
    dsn: str, rows: dict[str, list[tuple[Any, ...]]], approved_at: datetime
) -> tuple[float, int]:
    """Time the checks alone, the cheapest way found: one statement over every id.

    The entry rows are loaded with ``COPY`` into a fresh schema (no event yet, as when the ledger
    approves) and analyzed, so the planner knows the table's size: it then hashes the entries for
    the overlap check instead of probing the index once per entry. On 1,000,000 entries that took
    11.7 s, against 18.0 s for the store's per-batch probes and 19.4 s for a window function
    over each volunteer's entries.

    Returns:
        The seconds, and how many entries passed every check.
    """
    import psycopg

    _copy_all(dsn, "checks", {t: rows[t] if t == "vk_hours_entries" else [] for t in TABLES})
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute('SET search_path TO "checks"')
        conn.execute("ANALYZE")
        conn.execute("SET jit = off")  # as for the store's search: compiling costs, here too
        ids = [str(r[0]) for r in rows["vk_hours_entries"]]

        def check() -> int:
            found = conn.execute(CHECKS, (ids, approved_at)).fetchone()
            return int(found[0]) if found else 0

        seconds, passed = timed_without_gc(check)
    _drop(dsn, "checks")
    return seconds, passed


def _drop(dsn: str, schema: str) -> None:
    """Drop a finished schema (a million entries take about 1 GB)."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run(quick: bool) -> list[Figure]:
    import psycopg

    n = 20_000 if quick else 1_000_000
    data = entries(n, n // 10)
    with TemporaryPostgres() as pg:
        made = 0

        def ledger_run() -> tuple[float, float]:
            """Record and approve into a fresh schema; the (record, approve) seconds."""
            nonlocal made
            schema = f"ledger{made}"  # ledger0, the warm-up's, is kept
            made += 1
            seconds = ledger_round(PostgresStore(pg.dsn, schema=schema), data)
            if made > 1:
                _drop(pg.dsn, schema)
            return seconds

        splits: dict[float, dict[str, float]] = {}  # each raw run's COPY seconds by table

        # The floor and the checks run in every baseline slot, right after the COPY, so that
        # each is the fastest of as many runs as the ledger's time and the COPY's.
        floors: list[float] = []
        checked: list[tuple[float, int]] = []

        def raw_run() -> float:
            split: dict[str, float] = {}
            seconds = _copy_all(pg.dsn, "raw", rows, split)
            splits[seconds] = split
            _drop(pg.dsn, "raw")
            floors.append(_floor(pg.dsn, "floor", data, APPROVED_AT))
            if len(floors) == 1:
                assert _same_rows(pg.dsn, "ledger0", "floor")
            _drop(pg.dsn, "floor")
            checked.append(_checks(pg.dsn, rows, APPROVED_AT))
            return seconds

        warm_up = ledger_run()  # not counted: it gives the rows of the raw loads
        with psycopg.connect(pg.dsn) as conn:
            conn.execute('SET search_path TO "ledger0"')
            rows = {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
        timed, raws = alternate(ledger_run, raw_run, quick)
    record_s, approve_s = min(timed, key=sum)
    raw = min(raws)
    floor = min(floors)
    checks, passed = min(checked)
    assert {p for _, p in checked} == {passed}
    ours = record_s + approve_s
    counts = ", ".join(
        f"{t.removeprefix('vk_')} {len(r):,} in {splits[raw][t]:.1f} s" for t, r in rows.items()
    )
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
                f"{raw:.1f} s; {rounds_note(sum(warm_up), [sum(r) for r in timed], raws)}"
            ),
        ),
        floor_figure(NAME, n, ours, floor, raw, "binary COPY"),
        Figure(
            name=f"{NAME} (ceiling)",
            value=n / (raw + checks),
            baseline=n / raw,
            unit="entries/s",
            higher_is_better=True,
            note=(
                f"binary COPY of the rows {raw:.1f} s plus the checks alone {checks:.1f} s "
                f"({checks / n * 1e6:.1f} µs an entry; {passed:,} entries pass them): no ledger "
                "that checks what it approves passes this ratio here, even one that writes at "
                "COPY speed and spends nothing in Python"
            ),
        ),
    ]
