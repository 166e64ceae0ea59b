"""ledger-totals: totals of every volunteer as of an instant, summed in SQLite, vs raw SQL.

Method. Before timing, credit rows for 10,000,000 entries of 100,000 volunteers (1/100 with
``--quick``) are generated straight into the store's schema with ``executemany`` (rows sorted by
volunteer and date; one local day per entry; every 20th entry corrected once, so 5% of rows are
superseded and the as-of filter matters). Only the ``vk_hours_credit`` table the queries read is
filled: the entries and events tables play no part in totals.

Timed (median of 3): ``Ledger.minutes_by("volunteer", window, as_of=now)`` for the lifetime
window and for 12 rolling months, i.e. every volunteer's totals as ``Minutes``; baseline, in the
same run: the hand-written ``SELECT volunteer_id, SUM(...) ... GROUP BY volunteer_id`` with the
same as-of and date filter, on the same connection's database, rows fetched as tuples. The note
also gives the naive GROUP BY without the as-of filter (which would count superseded rows). A
third figure times ``Ledger.totals(v)`` (breakdowns by organization, category and day) for 1,000
volunteers against the same grouped per-volunteer SQL fetched as tuples.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._harness import Figure, store_cache
from bench.benchmarks._ledger_data import NOW, credit_rows
from volunteerkit import FixedClock
from volunteerkit.hours import LIFETIME, NATIONAL, RollingMonths
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import SQLiteStore

NAME = "ledger-totals"

def _us(value: Any) -> int:
    delta = value - NOW.replace(year=1970, month=1, day=1, hour=0, minute=0)
    return int((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def _median(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


RAW = (
    "SELECT volunteer_id, SUM(raw_minutes), SUM(credited_minutes), SUM(weighted_micro) "
    "FROM vk_hours_credit WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) "
    "AND local_date >= ? AND local_date <= ? GROUP BY volunteer_id"
)


def run(quick: bool) -> list[Figure]:
    volunteers = 1_000 if quick else 100_000
    n = volunteers * 100
    window = RollingMonths(months=12, ending=NOW.date())
    first = window.first.year * 10000 + window.first.month * 100 + window.first.day
    last = window.last.year * 10000 + window.last.month * 100 + window.last.day
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "totals.db"
        SQLiteStore(path).close()
        conn = store_cache(sqlite3.connect(path, isolation_level=None))
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO vk_hours_credit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            credit_rows(n, volunteers, to_time=_us),
        )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        rows = conn.execute("SELECT COUNT(*) FROM vk_hours_credit").fetchone()[0]
        load_s = time.perf_counter() - t0

        store = SQLiteStore(path)
        ledger = Ledger(store, clock=FixedClock(NOW), policy=NATIONAL)
        now_us = _us(NOW)
        figures = []
        for label, win, lo, hi in (
            ("lifetime", LIFETIME, 0, 99_999_999),
            ("rolling 12 months", window, first, last),
        ):
            ours_s, ours = _median(lambda w=win: ledger.minutes_by("volunteer", w, as_of=NOW))
            raw_s, raw = _median(
                lambda lo=lo, hi=hi: conn.execute(RAW, (now_us, now_us, lo, hi)).fetchall()
            )
            naive_s, _ = _median(
                lambda lo=lo, hi=hi: conn.execute(
                    "SELECT volunteer_id, SUM(credited_minutes) FROM vk_hours_credit "
                    "WHERE local_date >= ? AND local_date <= ? GROUP BY volunteer_id",
                    (lo, hi),
                ).fetchall()
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
                        f"loaded in {load_s:.0f} s); naive GROUP BY without the as-of filter "
                        f"{naive_s:.2f} s"
                    ),
                )
            )
        rng = random.Random(5)
        sample = [f"v{rng.randrange(volunteers):06d}" for _ in range(1000)]
        ours_s, _ = _median(lambda: [ledger.totals(v, as_of=NOW) for v in sample])
        raw_s, _ = _median(
            lambda: [
                conn.execute(
                    "SELECT organization_id, category, local_date, SUM(raw_minutes), "
                    "SUM(credited_minutes), SUM(weighted_micro) FROM vk_hours_credit "
                    "WHERE volunteer_id = ? AND valid_from <= ? "
                    "AND (valid_to IS NULL OR valid_to > ?) "
                    "GROUP BY organization_id, category, local_date",
                    (v, now_us, now_us),
                ).fetchall()
                for v in sample
            ]
        )
        figures.append(
            Figure(
                name=f"{NAME} (one volunteer)",
                value=ours_s / len(sample) * 1000,
                baseline=raw_s / len(sample) * 1000,
                unit="ms/call",
                higher_is_better=False,
                note="Ledger.totals (Totals with breakdowns) vs the same grouped SQL fetched as tuples",
            )
        )
        store.close()
        conn.close()
    return figures
