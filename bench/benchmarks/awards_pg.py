"""awards-pg: CYL stars for every volunteer of a PostgreSQL store vs a hand-written GROUP BY.

The data and method of ``awards`` (see that module) on a throwaway PostgreSQL server: the same
credit rows (1,000,000 volunteers and about 10,000,000 entries; a tenth with ``--quick``) are
loaded with binary ``COPY`` into the store's schema and analysed. Timed, interleaved, median of
the runs:

* **baseline**: the same ``SELECT volunteer_id, SUM(credited_minutes) … GROUP BY volunteer_id``
  on a plain psycopg connection, rows fetched as tuples, then a threshold lookup per volunteer;
* **awards-pg** (the figure): :func:`volunteerkit.awards.earned_all` with ``cn.cyl.stars``
  through :class:`~volunteerkit.stores.PostgresStore`: every star with its date and crossing entry
  (``store.awards.credit_crossings``: ``GROUP BY … HAVING``, then ``string_agg`` of the holders'
  dates and minutes ordered by date, then the crossing days' rows);
* **awards-pg-same-output-window-sql**: the window query of ``awards`` (holders, then a running
  ``SUM … OVER``) on the same server, run once.

Times are wall seconds: the server is another process, so this process's CPU time would leave
out most of the work. Both sides agree on how many volunteers hold each star (checked every run).
"""

from __future__ import annotations

import bisect
import statistics
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from bench._harness import Figure
from bench.benchmarks.awards import (
    _EPOCH,
    _LEVELS,
    _THRESHOLDS,
    _WINDOW_SQL,
    AS_OF,
    award_rows,
    stars,
)
from volunteerkit.stores import PostgresStore
from volunteerkit.testing.postgres import TemporaryPostgres

NAME = "awards-pg"

_BASELINE = (
    "SELECT volunteer_id, SUM(credited_minutes) FROM vk_hours_credit "
    "WHERE valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) GROUP BY volunteer_id"
)
_TYPES = ["text", "integer", "timestamptz", "timestamptz", "integer", "integer", "bigint",
          "text", "text", "text", "text"]  # fmt: skip


def _load(conn: Any, volunteers: int, entries: int) -> int:
    def at(micros: int | None) -> Any:
        return None if micros is None else _EPOCH + timedelta(microseconds=micros)

    written = 0
    with conn.transaction(), conn.cursor() as cur, cur.copy(
        "COPY vk_hours_credit FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(_TYPES)
        for row in award_rows(volunteers, entries):
            copy.write_row((*row[:2], at(row[2]), at(row[3]), *row[4:]))
            written += 1
    conn.execute("VACUUM ANALYZE vk_hours_credit")
    return written


def _baseline(conn: Any) -> tuple[float, Counter[str]]:
    t0 = time.perf_counter()
    highest: Counter[str] = Counter()
    for _vid, total in conn.execute(_BASELINE, (AS_OF, AS_OF)):
        level = bisect.bisect_right(_THRESHOLDS, total)
        if level:
            highest[_LEVELS[level - 1]] += 1
    return time.perf_counter() - t0, highest


def _ours(store: PostgresStore) -> tuple[float, Counter[str], int]:
    t0 = time.perf_counter()
    highest, awards = stars(store)
    return time.perf_counter() - t0, highest, awards


def _window_sql(conn: Any) -> tuple[float, Counter[str], int]:
    t0 = time.perf_counter()
    top: dict[str, int] = {}
    crossings = 0
    sql = _WINDOW_SQL.replace("?", "%s")
    for vid, level, _day, _entry in conn.execute(sql, (AS_OF,) * 4):
        crossings += 1
        if level > top.get(vid, 0):
            top[vid] = level
    return time.perf_counter() - t0, Counter(_LEVELS[lv - 1] for lv in top.values()), crossings


def run(quick: bool) -> list[Figure]:
    import psycopg

    volunteers, entries = (100_000, 1_000_000) if quick else (1_000_000, 10_000_000)
    repeat = 3
    with TemporaryPostgres() as pg:
        PostgresStore(pg.dsn, schema="awards").close()
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            conn.execute('SET search_path TO "awards"')
            t0 = time.perf_counter()
            rows = _load(conn, volunteers, entries)
            setup = time.perf_counter() - t0
            store = PostgresStore(pg.dsn, schema="awards")
            base_times: list[float] = []
            our_times: list[float] = []
            awards = 0
            base_counts: Counter[str] = Counter()
            for _ in range(repeat):  # interleaved, so that a busy machine slows both alike
                base_s, base_counts = _baseline(conn)
                ours_s, our_counts, awards = _ours(store)
                assert our_counts == base_counts, (our_counts, base_counts)
                base_times.append(base_s)
                our_times.append(ours_s)
            window_s, window_counts, crossings = _window_sql(conn)
            assert window_counts == base_counts, (window_counts, base_counts)
            assert crossings == awards, (crossings, awards)
            store.close()
    base = statistics.median(base_times)
    ours = statistics.median(our_times)
    holders = sum(base_counts.values())
    return [
        Figure(
            name=NAME,
            value=ours,
            baseline=base,
            unit="s",
            higher_is_better=False,
            note=(
                f"{volunteers:,} volunteers, {rows:,} credit rows; {holders:,} volunteers hold "
                f"{awards:,} stars, each with its date and crossing entry; wall, median of "
                f"{repeat} (loaded in {setup:.0f} s)"
            ),
        ),
        Figure(
            name=f"{NAME}-same-output-window-sql",
            value=ours,
            baseline=window_s,
            unit="s",
            higher_is_better=False,
            note=(
                f"earned_all (median of {repeat}) vs the hand-written window query finding the "
                f"same {crossings:,} crossing rows, one run"
            ),
        ),
    ]
