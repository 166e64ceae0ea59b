"""ledger-ingest-pg: record and approve entries into PostgreSQL through the Ledger vs binary COPY.

The same method as ``ledger-ingest`` (see that module) on a throwaway PostgreSQL server
(``TemporaryPostgres``): the ledger writes through ``PostgresStore`` (bulk inserts are binary
``COPY``); the baseline loads every row the ledger wrote, read back as tuples, into a fresh schema
made by the same migrations, with psycopg's binary ``COPY`` in one transaction (the note gives each
table's share: writing the events costs about twice the entries, as the foreign key to the entry
locks each entry's row, for the ledger and the baseline alike). Goal: ratio >= 0.7.
As there, a warm-up ledger run comes first, not counted, then a full run times each side four
times (raw, ledger, ledger, raw, twice over), each into a fresh schema, and compares the fastest
of each. The job by hand and the checks of the other figures run in every raw slot, after the
``COPY``, so they too are the fastest of as many runs.

A second figure, ``ledger-ingest-pg (vs by hand)``, compares the ledger with the same job done by
hand, the cheapest way we found (see ``_by_hand``): binary ``COPY`` of the entry rows; one
statement that makes an approval's checks over every id at their best plan and reads the passing
entries back in order; binary ``COPY`` of the events and credit rows, computed in Python while the
server writes. It does the checks the ledger does, but trusts that the ids are new and the models
valid, and credits overlapping entries in full. The run asserts that it wrote the ledger's rows
(credited minutes of overlapping entries aside). Its ratio to the ``COPY`` baseline, in the note,
is the best this run shows for any ledger that checks what it approves. (It replaced a floor that
checked nothing but read entries back 5,000 at a time and built each batch's rows before sending
them: at 0.51 of ``COPY`` it was slower than this job, which checks.)

A third figure, ``ledger-ingest-pg (ceiling)``, is the ratio no ledger that checks what it
approves can pass in this run: binary ``COPY`` of every row, plus the checks an approval must make
(see ``CHECKS``) timed alone on the entry rows, in the cheapest way found. It leaves nothing for
turning models into rows or for any write slower than ``COPY``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bench._harness import Figure, alternate, rounds_note, timed_without_gc
from bench.benchmarks._ledger_data import (
    APPROVED_AT,
    FLOOR_SELECT,
    SAME_ROWS,
    TABLES,
    entries,
    ledger_round,
)
from volunteerkit._ids import uuid7_text
from volunteerkit.hours import ServiceEntry
from volunteerkit.hours._time import split_minutes_by_day, to_minute
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


def _by_hand(dsn: str, schema: str, data: list[ServiceEntry], approved_at: datetime) -> float:
    """Record and approve ``data`` by hand, the cheapest way found; return the wall seconds.

    Binary ``COPY`` of the entry rows, turned from the models as ``COPY`` sends them; then, in a
    second transaction (as ``approve_many`` is a second call), ``ANALYZE`` of the entries and one
    statement over every id, :data:`BY_HAND`, at the plan :func:`_checks` times; then binary
    ``COPY`` of the approval events and the credit rows, computed in Python as ``COPY`` sends them,
    so that Python works while the server writes. The entries that fail the checks (here: those
    overlapping another of their volunteer's) are read back afterwards and credited in full, as
    the floor of ``ledger-ingest`` does. It trusts that the ids are new and the models valid.
    """
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

        def copy(cur: Any, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(types[table])
                for row in rows:
                    cp.write_row(row)

        def credit(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
            zones: dict[str, ZoneInfo] = {}
            for eid, vid, org, cat, key, start, end in rows:
                zone = zones.get(key) or zones.setdefault(key, ZoneInfo(key))
                for day, a, b in split_minutes_by_day(start, end, zone):
                    m = b - a
                    yield (vid, day.year * 10000 + day.month * 100 + day.day, approved_at, None,
                           m, m, m * 1_000_000, eid, org, cat, None)  # fmt: skip

        def job() -> None:
            with conn.transaction(), conn.cursor() as cur:
                copy(cur, "vk_hours_entries", ENTRY_COLUMNS, (
                    (str(e.id), e.volunteer_id, e.organization_id, e.activity_id, e.category,
                     e.start, e.end, e.zone.key, e.break_minutes, e.travel_minutes,
                     e.source.value, "pending", e.recorded_by, e.recorded_at, e.note)
                    for e in data
                ))  # fmt: skip
            keys = [str(e.id) for e in data]
            with conn.transaction(), conn.cursor(binary=True) as cur:
                cur.execute("ANALYZE vk_hours_entries")
                cur.execute("SET LOCAL jit = off")
                rows = cur.execute(BY_HAND, (keys, approved_at)).fetchall()
                passed = {r[0] for r in rows}
                rest = [k for k in keys if k not in passed]
                for row in cur.execute(
                    FLOOR_SELECT.format("") + "id = ANY(%b)", (rest,)
                ).fetchall():
                    eid, vid, org, cat, start, end, zone, brk = row
                    rows.append((eid, vid, org, cat, zone, to_minute(start), to_minute(end) - brk))
                copy(cur, "vk_hours_events", EVENT_COLUMNS, (
                    (f"local:{uuid7_text(approved_at)}", r[0], r[1], "approved", "lead-7",
                     approved_at, "", None, None, None, None)
                    for r in rows
                ))  # fmt: skip
                copy(cur, "vk_hours_credit", CREDIT_COLUMNS, credit(rows))

        seconds, _ = timed_without_gc(job)
    return seconds


def _same_rows(dsn: str, ours: str, theirs: str) -> bool:
    """Whether the job by hand wrote the ledger's rows (see ``SAME_ROWS``)."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        return all(
            conn.execute(q.format(f'"{ours}".')).fetchall()
            == conn.execute(q.format(f'"{theirs}".')).fetchall()
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


# The by-hand job's one statement over every id: the entries that pass an approval's checks (the
# conditions of CHECKS), read back in the call's order with their served interval in epoch minutes.
# In the call's order, the events' foreign key then finds each entry next to the one before: in the
# order of a hash join, writing the events took twice as long.
BY_HAND = (
    "SELECT e.id, e.volunteer_id, e.organization_id, e.category, e.zone, "
    "floor(extract(epoch FROM e.start_at) / 60)::bigint, "
    "floor(extract(epoch FROM e.end_at) / 60)::bigint - e.break_minutes "
    "FROM unnest(%b::text[]) WITH ORDINALITY AS b(id, pos) "
    "JOIN vk_hours_entries e ON e.id = b.id "
    + CHECKS[CHECKS.index("WHERE ") :]
    + " ORDER BY b.pos"
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

        # The job by hand and the checks run in every baseline slot, right after the COPY, so
        # that each is the fastest of as many runs as the ledger's time and the COPY's.
        by_hand: list[float] = []
        checked: list[tuple[float, int]] = []

        def raw_run() -> float:
            split: dict[str, float] = {}
            seconds = _copy_all(pg.dsn, "raw", rows, split)
            splits[seconds] = split
            _drop(pg.dsn, "raw")
            by_hand.append(_by_hand(pg.dsn, "by_hand", data, APPROVED_AT))
            if len(by_hand) == 1:
                assert _same_rows(pg.dsn, "ledger0", "by_hand")
            _drop(pg.dsn, "by_hand")
            checked.append(_checks(pg.dsn, rows, APPROVED_AT))
            return seconds

        warm_up = ledger_run()  # not counted: it gives the rows of the raw loads
        with psycopg.connect(pg.dsn) as conn:
            conn.execute('SET search_path TO "ledger0"')
            rows = {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
        timed, raws = alternate(ledger_run, raw_run, quick)
    record_s, approve_s = min(timed, key=sum)
    raw = min(raws)
    hand = min(by_hand)
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
        Figure(
            name=f"{NAME} (vs by hand)",
            value=n / ours,
            baseline=n / hand,
            unit="entries/s",
            higher_is_better=True,
            note=(
                f"the same job by hand, the cheapest way found, {hand:.1f} s; by hand / binary "
                f"COPY = {raw / hand:.3f}: the best this run shows for a ledger that checks what it "
                "approves, though it trusts its ids and models"
            ),
        ),
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
