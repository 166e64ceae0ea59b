"""stats: the full set of statistics for 1,000,000 volunteers and 10,500,000 credit rows, SQLite.

Method. Before timing, a SQLite store's schema is filled straight through ``executemany`` (not
timed): 1,000 organizations (10 roots, the rest children), N volunteers (profile JSON with home
region among 60 GB/T 2260 codes, birth date, sex; registered 2015-2026), one membership each, and
10 credited days per volunteer over 2024-2026 (5% of them superseded by a later row, so the as-of
filter matters: 10.5 rows per volunteer), plus star grants for 5% of volunteers. Full size
N = 1,000,000 (10,500,000 credit rows); ``--quick`` N = 10,000.

Timed: ``Statistics(store.stats, k=5).all_figures(as_of, window, rule_set_ids=(...))``: 17
figures (registered volunteers total and by province, age band, sex and document; new
volunteers; active volunteers total and by province; credited minutes total and by
organization, province, category and month; minutes per active volunteer with mean and
percentiles; retention at 1, 3, 6, 12 months; award levels; organizations by kind and size), with
suppression. Baseline, in the same run: hand-written SQL statements computing the same numbers
(same as-of predicate, JSON reads and windows), fetched as tuples, no suppression. Peak memory:
``tracemalloc`` peak of Python allocations during the timed runs (SQLite's own page cache is not
counted on either side). One untimed warm-up run of each side comes first (each connection's
page cache).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._harness import Figure, store_cache
from volunteerkit.stats import Statistics, Window
from volunteerkit.stores import SQLiteStore

NAME = "stats"

AS_OF = datetime(2026, 11, 28, tzinfo=UTC)
WINDOW = Window(first=date(2026, 1, 1), last=date(2026, 10, 31))
RULE_SET = "cn.cyl.stars"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
REGIONS = [
    "110101", "110105", "110108", "120101", "130102", "140105", "210102", "220102", "230102",
    "310101", "310104", "310115", "320102", "320505", "330102", "330106", "340102", "350102",
    "360102", "370102", "410102", "420102", "429004", "429005", "430102", "440103", "440305",
    "440306", "450102", "460105", "500101", "500103", "510104", "510107", "520102", "530102",
    "540102", "610102", "620102", "630102", "640104", "650102", "110112", "110114", "310112",
    "320106", "330108", "440104", "440106", "510108", "420106", "430104", "350203", "370202",
    "210202", "610113", "120104", "130104", "140106", "220104",
]  # fmt: skip
CATEGORIES = ["community", "education", "emergency", "environment", "elderly"]


def _us(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _generate(path: Path, n: int) -> None:
    SQLiteStore(path).close()  # create the schema
    rnd = random.Random(8)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA journal_mode = MEMORY")
    n_orgs = 1000
    orgs = []
    for i in range(n_orgs):
        uscc = None if i % 4 == 0 else f"{('51', '52', '53', '12')[i % 4]}{i:016d}"
        parent = None if i < 10 else f"o{i % 10:05d}"
        orgs.append((f"o{i:05d}", f"Org {i}", uscc, REGIONS[i % 60], "verified", parent, 0))
    con.executemany("INSERT INTO vk_organizations VALUES (?, ?, ?, ?, ?, ?, ?)", orgs)
    start = _us(datetime(2015, 1, 1, tzinfo=UTC))
    span = _us(datetime(2026, 11, 1, tzinfo=UTC)) - start

    def volunteers() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            reg = start + rnd.randrange(span)
            born = date(1950, 1, 1) + timedelta(days=rnd.randrange(21_000))
            profile = json.dumps(
                {
                    "id": f"v{i:07d}",
                    "name": "x",
                    "birth_date": born.isoformat(),
                    "sex": "male" if i % 2 else "female",
                    "home_region": REGIONS[i % 60],
                    "status": "active",
                }
            )
            yield (f"v{i:07d}", "active", reg, None, f"k:{i}", "cn_ric", "m", None, "p", None,
                   profile)  # fmt: skip

    con.executemany(
        "INSERT INTO vk_volunteers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", volunteers()
    )
    con.executemany(
        "INSERT INTO vk_memberships VALUES (?, ?, ?, 'member', 0, NULL, NULL)",
        ((f"m{i:07d}", f"v{i:07d}", f"o{i % n_orgs:05d}") for i in range(n)),
    )
    first_day = date(2024, 1, 1)
    recorded = _us(datetime(2026, 11, 1, tzinfo=UTC))
    later = _us(datetime(2026, 11, 15, tzinfo=UTC))

    def credit() -> Iterator[tuple[Any, ...]]:
        for i in range(n):
            vid, org, region = f"v{i:07d}", f"o{i % n_orgs:05d}", REGIONS[i % 60]
            days = sorted(rnd.randrange(1050) for _ in range(10))
            for j, d in enumerate(days):
                day = first_day + timedelta(days=d)
                key = day.year * 10000 + day.month * 100 + day.day
                minutes = 30 * rnd.randrange(1, 17)
                cat = CATEGORIES[(i + j) % 5]
                entry = f"e{i}-{j}"
                if (i * 10 + j) % 20 == 0:
                    yield (vid, key, recorded, later, minutes, minutes, minutes * 10**6, entry,
                           org, cat, region)  # fmt: skip
                    minutes //= 2
                    yield (vid, key, later, None, minutes, minutes, minutes * 10**6, entry,
                           org, cat, region)  # fmt: skip
                else:
                    yield (vid, key, recorded, None, minutes, minutes, minutes * 10**6, entry,
                           org, cat, region)  # fmt: skip

    con.executemany(
        "INSERT INTO vk_hours_credit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", credit()
    )
    at = _us(datetime(2026, 11, 20, tzinfo=UTC))
    con.executemany(
        "INSERT INTO vk_award_records (id, kind, rule_set_id, subject_id, level_id, award_key, "
        "at, actor) VALUES (?, 'grant', ?, ?, ?, 'once', ?, 'batch')",
        (
            (f"g{i:07d}", RULE_SET, f"v{i:07d}", ("star-1", "star-2", "star-3")[i % 3], at)
            for i in range(0, n, 20)
        ),
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()


def _hand_written(con: sqlite3.Connection) -> list[list[tuple[Any, ...]]]:
    t = _us(AS_OF)
    first, last = 20260101, 20261031
    ws, we = (
        _us(datetime(2025, 12, 31, 16, tzinfo=UTC)),
        _us(datetime(2026, 10, 31, 16, tzinfo=UTC)),
    )
    asof_key = 20261128
    vol = "FROM vk_volunteers WHERE status <> 'merged' AND registered_at <= ?"
    cred = (
        "FROM vk_hours_credit WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) "
        "AND local_date BETWEEN ? AND ?"
    )
    cp = (t, t, first, last)
    birth = "CAST(replace(json_extract(profile, '$.birth_date'), '-', '') AS INTEGER)"
    age = f"({asof_key} - {birth}) / 10000"
    band = (
        f"CASE WHEN {age} < 14 THEN '0-13' WHEN {age} < 18 THEN '14-17' WHEN {age} < 25 "
        f"THEN '18-24' WHEN {age} < 35 THEN '25-34' WHEN {age} < 45 THEN '35-44' WHEN {age} < 55 "
        f"THEN '45-54' WHEN {age} < 65 THEN '55-64' ELSE '65+' END"
    )
    queries: list[tuple[str, tuple[Any, ...]]] = [
        (f"SELECT COUNT(*) {vol}", (t,)),
        (f"SELECT substr(json_extract(profile, '$.home_region'), 1, 2), COUNT(*) {vol} "
         "GROUP BY 1", (t,)),
        (f"SELECT {band}, COUNT(*) {vol} GROUP BY 1", (t,)),
        (f"SELECT json_extract(profile, '$.sex'), COUNT(*) {vol} GROUP BY 1", (t,)),
        (f"SELECT doc_scheme, COUNT(*) {vol} GROUP BY 1", (t,)),
        (f"SELECT COUNT(*) {vol} AND registered_at >= ? AND registered_at < ?", (t, ws, we)),
        (f"SELECT COUNT(DISTINCT volunteer_id) {cred} AND credited_minutes > 0", cp),
        (f"SELECT substr(region, 1, 2), COUNT(DISTINCT volunteer_id) {cred} "
         "AND credited_minutes > 0 GROUP BY 1", cp),
        (f"SELECT SUM(credited_minutes), COUNT(DISTINCT CASE WHEN credited_minutes > 0 "
         f"THEN volunteer_id END) {cred}", cp),
        (f"SELECT organization_id, SUM(credited_minutes), COUNT(DISTINCT volunteer_id) {cred} "
         "GROUP BY 1", cp),
        (f"SELECT substr(region, 1, 2), SUM(credited_minutes), COUNT(DISTINCT volunteer_id) "
         f"{cred} GROUP BY 1", cp),
        (f"SELECT category, SUM(credited_minutes), COUNT(DISTINCT volunteer_id) {cred} "
         "GROUP BY 1", cp),
        (f"SELECT local_date / 100, SUM(credited_minutes), COUNT(DISTINCT volunteer_id) {cred} "
         "GROUP BY 1", cp),
        (f"WITH per AS (SELECT SUM(credited_minutes) AS m {cred} GROUP BY volunteer_id), "
         "r AS (SELECT m, ROW_NUMBER() OVER (ORDER BY m) rn, COUNT(*) OVER () n FROM per) "
         "SELECT MAX(n), SUM(m), MIN(CASE WHEN rn*100 >= 10*n THEN m END), "
         "MIN(CASE WHEN rn*100 >= 25*n THEN m END), MIN(CASE WHEN rn*100 >= 50*n THEN m END), "
         "MIN(CASE WHEN rn*100 >= 75*n THEN m END), MIN(CASE WHEN rn*100 >= 90*n THEN m END) "
         "FROM r", cp),
    ]  # fmt: skip
    shifted = [(20260201, 20261130), (20260401, 20270131), (20260701, 20270430),
               (20270101, 20271031)]  # fmt: skip
    exists = " ".join(
        f", (SELECT COUNT(*) FROM c WHERE EXISTS (SELECT 1 {cred.replace('FROM vk_hours_credit', 'FROM vk_hours_credit h')} "  # noqa: E501
        "AND h.volunteer_id = c.volunteer_id AND credited_minutes > 0))"
        for _ in shifted
    )
    retention_params: list[Any] = list(cp)
    for a, b in shifted:
        retention_params += [t, t, a, b]
    queries.append(
        (
            f"WITH c AS (SELECT DISTINCT volunteer_id {cred} AND credited_minutes > 0) "
            f"SELECT (SELECT COUNT(*) FROM c){exists}",
            tuple(retention_params),
        )
    )
    queries.append(
        (
            "WITH l AS (SELECT subject_id, level_id, kind, ROW_NUMBER() OVER (PARTITION BY "
            "subject_id, level_id, award_key ORDER BY at DESC, id DESC) rn FROM vk_award_records "
            "WHERE rule_set_id = ? AND at <= ?) SELECT level_id, COUNT(DISTINCT subject_id) "
            "FROM l WHERE rn = 1 AND kind = 'grant' GROUP BY 1",
            (RULE_SET, t),
        )
    )
    queries.append(
        (
            "WITH s AS (SELECT organization_id, COUNT(DISTINCT volunteer_id) n FROM vk_memberships "
            "WHERE joined_at <= ? AND (left_at IS NULL OR left_at > ?) GROUP BY 1) "
            "SELECT substr(o.uscc, 1, 2), COALESCE(s.n, 0) / 10, COUNT(*) FROM vk_organizations o "
            "LEFT JOIN s ON s.organization_id = o.id WHERE o.registered_at <= ? GROUP BY 1, 2",
            (t, t, t),
        )
    )
    return [con.execute(sql, params).fetchall() for sql, params in queries]


def _measured(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall time of ``repeat`` runs, and the tracemalloc peak over them (MiB)."""
    times = []
    tracemalloc.start()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return sorted(times)[len(times) // 2], peak


def run(quick: bool) -> list[Figure]:
    n = 10_000 if quick else 1_000_000
    n = int(os.environ.get("VK_BENCH_STATS_VOLUNTEERS", n))
    repeat = 3 if quick else 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.db"
        t0 = time.perf_counter()
        _generate(path, n)
        generated = time.perf_counter() - t0
        store = SQLiteStore(path)
        stats = Statistics(store.stats, k=5)

        def library() -> object:
            return stats.all_figures(as_of=AS_OF, window=WINDOW, rule_set_ids=(RULE_SET,))

        con = store_cache(sqlite3.connect(path))

        def baseline() -> object:
            return _hand_written(con)

        figures = stats.all_figures(as_of=AS_OF, window=WINDOW, rule_set_ids=(RULE_SET,))
        rows = sum(len(f.rows) for f in figures)
        baseline()  # the baseline's warm-up: its own connection's page cache, as the library's
        raw_s, raw_mem = _measured(baseline, repeat)
        lib_s, lib_mem = _measured(library, repeat)
        credit_rows = con.execute("SELECT COUNT(*) FROM vk_hours_credit").fetchone()[0]
        con.close()
        store.close()
    note = (
        f"{n:,} volunteers, {credit_rows:,} credit rows; data generated in {generated:.0f} s "
        f"(not timed); {len(figures)} figures, {rows} rows; median of {repeat} after one warm-up run "
        "of each side; "
        "both sides timed under tracemalloc"
    )
    return [
        Figure("stats all figures, SQLite", lib_s, raw_s, "s", False, note),
        Figure(
            "stats peak Python memory",
            lib_mem,
            raw_mem,
            "MiB",
            False,
            "tracemalloc peak of Python allocations; baseline: the hand-written SQL",
        ),
    ]
