"""ledger-totals-pg: totals of every volunteer as of an instant, summed in PostgreSQL, vs raw SQL.

The method of ``ledger-totals`` (see that module) on a throwaway PostgreSQL server: credit rows
for 10,000,000 entries of 100,000 volunteers (1/100 with ``--quick``) are loaded with binary
``COPY`` into the store's schema and analysed; timed (median of 3) are
``Ledger.minutes_by("volunteer", ...)`` for the lifetime and 12 rolling months through
``PostgresStore``, against the hand-written GROUP BY with the same filters on a plain psycopg
connection, rows fetched as tuples.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench._harness import Figure
from bench.benchmarks._ledger_data import NOW, credit_rows
from volunteerkit import FixedClock
from volunteerkit.hours import LIFETIME, NATIONAL, RollingMonths
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import PostgresStore
from volunteerkit.testing.postgres import TemporaryPostgres

NAME = "ledger-totals-pg"

RAW = (
    "SELECT volunteer_id, SUM(raw_minutes), SUM(credited_minutes), SUM(weighted_micro) "
    "FROM vk_hours_credit WHERE valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) "
    "AND local_date >= %s AND local_date <= %s GROUP BY volunteer_id"
)


def _median(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def run(quick: bool) -> list[Figure]:
    import psycopg

    volunteers = 1_000 if quick else 100_000
    n = volunteers * 100
    window = RollingMonths(months=12, ending=NOW.date())
    first = window.first.year * 10000 + window.first.month * 100 + window.first.day
    last = window.last.year * 10000 + window.last.month * 100 + window.last.day
    figures = []
    with TemporaryPostgres() as pg:
        PostgresStore(pg.dsn, schema="totals").close()
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            conn.execute('SET search_path TO "totals"')
            t0 = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur, cur.copy(
                "COPY vk_hours_credit FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(
                    ["text", "integer", "timestamptz", "timestamptz", "integer", "integer",
                     "bigint", "text", "text", "text", "text"]
                )
                for row in credit_rows(n, volunteers, to_time=lambda t: t):
                    copy.write_row(row)
            conn.execute("VACUUM ANALYZE vk_hours_credit")
            counted = conn.execute("SELECT COUNT(*) FROM vk_hours_credit").fetchone()
            assert counted is not None
            rows = int(counted[0])
            load_s = time.perf_counter() - t0
            store = PostgresStore(pg.dsn, schema="totals")
            ledger = Ledger(store, clock=FixedClock(NOW), policy=NATIONAL)
            for label, win, lo, hi in (
                ("lifetime", LIFETIME, 0, 99_999_999),
                ("rolling 12 months", window, first, last),
            ):
                ours_s, ours = _median(
                    lambda w=win: ledger.minutes_by("volunteer", w, as_of=NOW)
                )
                raw_s, raw = _median(
                    lambda lo=lo, hi=hi: conn.execute(RAW, (NOW, NOW, lo, hi)).fetchall()
                )
                assert sum(m.credited for m in ours.values()) == sum(r[2] for r in raw)
                assert len(ours) == len(raw)
                figures.append(
                    Figure(
                        name=f"{NAME} ({label})",
                        value=ours_s,
                        baseline=raw_s,
                        unit="s",
                        higher_is_better=False,
                        note=(
                            f"{len(ours):,} volunteers over {rows:,} credit rows ({n:,} entries; "
                            f"loaded in {load_s:.0f} s)"
                        ),
                    )
                )
            store.close()
    return figures
