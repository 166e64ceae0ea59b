"""awards: CYL stars for every volunteer of a SQLite store vs a hand-written GROUP BY.

Data: 1,000,000 volunteers and 10,000,000 entries (100,000 and 1,000,000 with ``--quick``), one
credit row per entry as the hours ledger keeps them, heavy-tailed like real volunteering (entries
per volunteer drawn from a log-normal law: a tenth of the volunteers hold about half of the
entries); every 20th entry was corrected once (a closed row and its replacement), so the as-of
filter has work to do. Every volunteer registered on 1 January 2021 and served after it.

* **baseline**: ``SELECT volunteer_id, SUM(credited_minutes) … GROUP BY volunteer_id`` on the
  store's table through ``sqlite3``, then a threshold lookup (``bisect``) per volunteer: each
  volunteer's highest star, nothing more.
* **awards** (the figure): :func:`volunteerkit.awards.earned_all` with the built-in
  ``cn.cyl.stars``: every star of every volunteer *with the date it was earned and the entry that
  crossed the threshold*. Through ``store.awards.credit_crossings`` it reads the sums SQLite keeps
  as credit is written (migration ``hours/0003_credit_sums``; the setup loads the rows first and
  lets the migration fill the sums, as on an upgraded database): one row per volunteer finds the
  100 h holders, their month rows where a running sum steps over a star give the month of each
  crossing, and those months' credit rows give the day and the entry (a month with one current
  row names it and is not read); then it builds one evaluation per holder. (Volunteers whose
  credit changed after the instant evaluated would be read from their rows; here none did.)
* **awards-evaluate-all** (second figure): full evaluations (progress to the next star, reasons,
  good standing) of a slice of 20,000 volunteers, as volunteers per second against the baseline's
  volunteers per second: a different amount of work, reported for what it costs.
* **awards-same-output-window-sql** (third figure): what the *same output* as ``awards`` costs when
  written by hand in SQL. The value is ``awards``' time again (the same median); the baseline is
  one ``sqlite3`` query: the volunteers who reach 100 h (``GROUP BY … HAVING``, as ``awards``
  starts), then a running ``SUM(credited_minutes) OVER (PARTITION BY volunteer_id ORDER BY
  local_date, entry_id)`` over their valid rows, cross-joined with the five thresholds to keep,
  for every volunteer and star, the row at which the running sum reaches it (its date and entry
  id), then a Python loop keeping each volunteer's highest star. Entry ids are not in the covering
  index and the rows are sorted by entry id within a volunteer, so SQLite reads the holders' table
  rows and sorts them. (Without the holders step the query costs about twice as much.) It runs
  once, after the interleaved runs. A ratio below 1 means ``earned_all`` is cheaper than that query.

Both sides agree on how many volunteers hold each star (checked every run), and the window query
finds as many crossings as ``awards`` reports stars. Times are the process's CPU time
(``time.process_time``: SQLite runs in the process, so its work is counted), because the benchmark
machines are shared; wall times are in the notes.
"""

from __future__ import annotations

import bisect
import gc
import math
import random
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import Any

from bench._harness import Figure, store_cache
from volunteerkit.awards import AwardSubject, earned_all, evaluate_all, load_rule_set
from volunteerkit.stores import SQLiteStore, load_migrations
from volunteerkit.stores._sql_store import SQLStoreBase
from volunteerkit.stores.sqlite import _SQLiteDatabase

NAME = "awards"

REGISTERED = date(2021, 1, 1)
AS_OF = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=8)))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_THRESHOLDS = [6000, 18000, 36000, 60000, 90000]
_LEVELS = ["star-1", "star-2", "star-3", "star-4", "star-5"]


def _micros(value: datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def award_rows(volunteers: int, entries: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """The credit rows of the data set (see the module), instants in epoch microseconds."""
    rng = random.Random(seed)
    weights = [rng.lognormvariate(0.0, 1.2) for _ in range(volunteers)]
    scale = entries / sum(weights)
    first_day = REGISTERED.toordinal()
    span = (date(2026, 11, 1).toordinal() - first_day) - 1
    for v, weight in enumerate(weights):
        count = max(1, math.floor(weight * scale + rng.random()))
        vid = f"v{v:07d}"
        days = sorted(first_day + rng.randrange(span) for _ in range(count))
        for k, ordinal in enumerate(days):
            d = date.fromordinal(ordinal)
            local = d.year * 10000 + d.month * 100 + d.day
            minutes = rng.randrange(60, 481)
            recorded = _micros(datetime(d.year, d.month, d.day, 12, tzinfo=UTC))
            entry = f"bench:{v:07d}-{k:05d}"
            org = f"org-{(v * 7 + k) % 300}"
            if k % 20 == 0:
                fixed = recorded + 3 * 86_400_000_000
                yield (vid, local, recorded, fixed, minutes, minutes, minutes * 1_000_000,
                       entry, org, "community", None)
                minutes = max(1, minutes - 30)
                recorded = fixed
            yield (vid, local, recorded, None, minutes, minutes, minutes * 1_000_000,
                   entry, org, "community", None)


def _populate(path: Path, volunteers: int, entries: int) -> int:
    """Write the credit rows straight into the store's table (setup, not measured).

    The rows go into the schema as it was before the credit sums; opening the store then applies
    ``hours/0003_credit_sums``, which fills the sums from the rows in two ``GROUP BY`` statements
    (as an upgraded database gets them), faster than their triggers would row by row.
    """
    older = [m for m in load_migrations("sqlite") if m.name != "credit_sums"]
    SQLStoreBase(_SQLiteDatabase(str(path), 30.0), older).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    insert = "INSERT INTO vk_hours_credit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    written = 0
    rows = award_rows(volunteers, entries)
    while chunk := list(islice(rows, 200_000)):
        conn.executemany(insert, chunk)
        written += len(chunk)
    conn.execute("COMMIT")
    conn.close()
    SQLiteStore(path).close()  # the sums
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("ANALYZE")
    conn.close()
    return written


def _baseline(path: Path) -> tuple[float, float, Counter[str]]:
    conn = store_cache(sqlite3.connect(path))
    t = _micros(AS_OF)
    gc.collect()
    w0 = time.perf_counter()
    t0 = time.process_time()
    highest: Counter[str] = Counter()
    for _vid, total in conn.execute(
        "SELECT volunteer_id, SUM(credited_minutes) FROM vk_hours_credit "
        "WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) GROUP BY volunteer_id",
        (t, t),
    ):
        level = bisect.bisect_right(_THRESHOLDS, total)
        if level:
            highest[_LEVELS[level - 1]] += 1
    elapsed = time.process_time() - t0
    wall = time.perf_counter() - w0
    conn.close()
    return elapsed, wall, highest


_WINDOW_SQL = """
WITH stars(level, threshold) AS (VALUES (1, 6000), (2, 18000), (3, 36000), (4, 60000), (5, 90000)),
holders AS (
    SELECT volunteer_id FROM vk_hours_credit
    WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)
    GROUP BY volunteer_id HAVING SUM(credited_minutes) >= 6000
),
running AS (
    SELECT c.volunteer_id, c.local_date, c.entry_id, c.credited_minutes,
           SUM(c.credited_minutes) OVER (
               PARTITION BY c.volunteer_id ORDER BY c.local_date, c.entry_id
               ROWS UNBOUNDED PRECEDING
           ) AS total
    FROM holders h JOIN vk_hours_credit c ON c.volunteer_id = h.volunteer_id
    WHERE c.valid_from <= ? AND (c.valid_to IS NULL OR c.valid_to > ?) AND c.credited_minutes > 0
)
SELECT r.volunteer_id, s.level, r.local_date, r.entry_id
FROM running r CROSS JOIN stars s
WHERE r.total >= s.threshold AND r.total - r.credited_minutes < s.threshold
"""


def _window_sql(path: Path) -> tuple[float, float, Counter[str], int]:
    """The same output as ``earned_all`` by hand: every star's crossing row, with a window function."""
    conn = store_cache(sqlite3.connect(path))
    t = _micros(AS_OF)
    gc.collect()
    w0 = time.perf_counter()
    t0 = time.process_time()
    top: dict[str, int] = {}
    crossings = 0
    for vid, level, _day, _entry in conn.execute(_WINDOW_SQL, (t, t, t, t)):
        crossings += 1
        if level > top.get(vid, 0):
            top[vid] = level
    highest = Counter(_LEVELS[level - 1] for level in top.values())
    elapsed = time.process_time() - t0
    wall = time.perf_counter() - w0
    conn.close()
    return elapsed, wall, highest, crossings


def _subject(volunteer_id: str) -> AwardSubject:
    return AwardSubject(id=volunteer_id, registered_on=REGISTERED)


def stars(store: Any) -> tuple[Counter[str], int]:
    """The timed work of ``awards``: ``earned_all`` with ``cn.cyl.stars`` over ``store``.

    Returns:
        How many volunteers hold each star as their highest, and how many stars in all.
    """
    rules = load_rule_set("cn.cyl.stars")
    highest: Counter[str] = Counter()
    awards = 0
    for evaluation in earned_all(rules, store, as_of=AS_OF, subjects=_subject, chunk_size=1000):
        top = evaluation.highest
        if top is not None:
            highest[top] += 1
        awards += len(evaluation.earned)
    return highest, awards


def _ours(path: Path) -> tuple[float, float, Counter[str], int]:
    store = SQLiteStore(path)
    gc.collect()
    w0 = time.perf_counter()
    t0 = time.process_time()
    highest, awards = stars(store)
    elapsed = time.process_time() - t0
    wall = time.perf_counter() - w0
    store.close()
    return elapsed, wall, highest, awards


def _evaluate_slice(path: Path, size: int) -> float:
    rules = load_rule_set("cn.cyl.stars")
    store = SQLiteStore(path)
    ids = [f"v{v:07d}" for v in range(size)]
    gc.collect()
    t0 = time.process_time()
    count = sum(
        1
        for _ in evaluate_all(
            rules, store, as_of=AS_OF, subjects=_subject, volunteer_ids=ids, chunk_size=1000
        )
    )
    elapsed = time.process_time() - t0
    store.close()
    assert count == size
    return elapsed


def run(quick: bool) -> list[Figure]:
    volunteers, entries = (100_000, 1_000_000) if quick else (1_000_000, 10_000_000)
    slice_size = 5_000 if quick else 20_000
    repeat = 3 if quick else 2
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "awards.db"
        t0 = time.perf_counter()
        rows = _populate(path, volunteers, entries)
        setup = time.perf_counter() - t0
        base_times: list[tuple[float, float]] = []
        our_times: list[tuple[float, float]] = []
        for _ in range(repeat):  # interleaved, so that a busy machine slows both alike
            base_cpu, base_wall, base_counts = _baseline(path)
            ours_cpu, ours_wall, our_counts, awards = _ours(path)
            assert our_counts == base_counts, (our_counts, base_counts)
            base_times.append((base_cpu, base_wall))
            our_times.append((ours_cpu, ours_wall))
        base = statistics.median(t[0] for t in base_times)
        base_wall = statistics.median(t[1] for t in base_times)
        ours = statistics.median(t[0] for t in our_times)
        ours_wall = statistics.median(t[1] for t in our_times)
        window_cpu, window_wall, window_counts, crossings = _window_sql(path)
        assert window_counts == base_counts, (window_counts, base_counts)
        assert crossings == awards, (crossings, awards)
        full = _evaluate_slice(path, slice_size)
    holders = sum(base_counts.values())
    return [
        Figure(
            name=NAME,
            value=ours,
            baseline=base,
            unit="cpu s",
            higher_is_better=False,
            note=(
                f"{volunteers:,} volunteers, {rows:,} credit rows; {holders:,} volunteers hold "
                f"{awards:,} stars, each with its date and crossing entry; median of {repeat}; "
                f"wall {ours_wall:.1f} s vs {base_wall:.1f} s (setup {setup:.0f} s)"
            ),
        ),
        Figure(
            name=f"{NAME}-evaluate-all",
            value=slice_size / full,
            baseline=volunteers / base,
            unit="vol/s",
            higher_is_better=True,
            note=(
                f"full evaluations (progress, reasons, standing) of {slice_size:,} volunteers "
                "vs the baseline's highest-star lookup per volunteer"
            ),
        ),
        Figure(
            name=f"{NAME}-same-output-window-sql",
            value=ours,
            baseline=window_cpu,
            unit="cpu s",
            higher_is_better=False,
            note=(
                f"earned_all (median of {repeat}) vs one hand-written query (holders, then a "
                f"window function over their rows) finding the same {crossings:,} crossing rows "
                f"(date and entry) among {rows:,} rows, one run; wall {ours_wall:.1f} s vs "
                f"{window_wall:.1f} s"
            ),
        ),
    ]
