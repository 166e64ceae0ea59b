"""The credit sums SQLite keeps by trigger (migration ``hours/0003_credit_sums``).

They must equal, at every moment, what a ``GROUP BY`` over ``vk_hours_credit`` computes (their
definition in the migration), whatever sequence of inserts, closes and truncations wrote the rows;
and ``credit_crossings``, which reads them for volunteers whose credit is settled at the instant
asked and the rows for the others, must find what the memory store finds.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit import FixedClock
from volunteerkit.errors import VolunteerkitError
from volunteerkit.hours import NATIONAL, EntryId, ServiceEntry, Source, Status
from volunteerkit.hours.ledger import Ledger
from volunteerkit.hours.store import CreditClose, CreditRow
from volunteerkit.stores import MemoryStore, SQLiteStore, load_migrations
from volunteerkit.stores._sql_store import SQLStoreBase
from volunteerkit.stores.sqlite import _SQLiteDatabase
from volunteerkit.testing.strategies_hours import service_entries

T0 = datetime(2025, 1, 1, tzinfo=UTC)
VOLUNTEERS = ["v1", "v2", "v3"]
DATES = [20241231, 20250101, 20250115, 20250131, 20250201, 20250301, 20251231, 20260101]

TOTALS = """
SELECT volunteer_id,
       SUM(CASE WHEN valid_to IS NULL THEN MAX(raw_minutes, 0) ELSE 0 END),
       SUM(CASE WHEN valid_to IS NULL THEN MAX(credited_minutes, 0) ELSE 0 END),
       SUM(CASE WHEN valid_to IS NULL THEN MAX(weighted_micro, 0) ELSE 0 END),
       MIN(CASE WHEN valid_to IS NULL AND raw_minutes > 0 THEN local_date END),
       MIN(CASE WHEN valid_to IS NULL AND credited_minutes > 0 THEN local_date END),
       MIN(CASE WHEN valid_to IS NULL AND weighted_micro > 0 THEN local_date END),
       MAX(local_date),
       MAX(MAX(valid_from, COALESCE(valid_to, valid_from)))
FROM vk_hours_credit GROUP BY volunteer_id ORDER BY volunteer_id
"""
KEPT_TOTALS = """
SELECT volunteer_id, raw_minutes, credited_minutes, weighted_micro, first_raw, first_credited,
       first_weighted, last_date, changed_at
FROM vk_hours_credit_totals ORDER BY volunteer_id
"""
MONTHS = """
SELECT volunteer_id, month, r, c, w,
       SUM(r) OVER running, SUM(c) OVER running, SUM(w) OVER running,
       n, CASE WHEN n = 1 THEN d END, CASE WHEN n = 1 THEN e END
FROM (
    SELECT volunteer_id, local_date / 100 AS month,
           SUM(CASE WHEN valid_to IS NULL THEN MAX(raw_minutes, 0) ELSE 0 END) AS r,
           SUM(CASE WHEN valid_to IS NULL THEN MAX(credited_minutes, 0) ELSE 0 END) AS c,
           SUM(CASE WHEN valid_to IS NULL THEN MAX(weighted_micro, 0) ELSE 0 END) AS w,
           SUM(valid_to IS NULL) AS n,
           MIN(CASE WHEN valid_to IS NULL THEN local_date END) AS d,
           MIN(CASE WHEN valid_to IS NULL THEN entry_id END) AS e
    FROM vk_hours_credit GROUP BY volunteer_id, local_date / 100
)
WINDOW running AS (PARTITION BY volunteer_id ORDER BY month)
ORDER BY volunteer_id, month
"""
KEPT_MONTHS = """
SELECT volunteer_id, month, raw_minutes, credited_minutes, weighted_micro, raw_cum,
       credited_cum, weighted_cum, current_rows, sole_date, sole_entry
FROM vk_hours_credit_months ORDER BY volunteer_id, month
"""

_AMOUNT = st.integers(-30, 400)
# ("add", volunteer, date, raw, credited, weighted, closed already?) | ("close", pick)
# | ("truncate", volunteer, hours back); each step happens an hour after the one before
_STEP = st.one_of(
    st.tuples(
        st.just("add"),
        st.sampled_from(VOLUNTEERS),
        st.sampled_from(DATES),
        _AMOUNT,
        _AMOUNT,
        _AMOUNT,
        st.booleans(),
    ),
    st.tuples(st.just("close"), st.integers(0, 1000)),
    st.tuples(st.just("truncate"), st.sampled_from(VOLUNTEERS), st.integers(0, 5)),
)
STEPS = st.lists(_STEP, max_size=40)


def play(stores: list[Any], steps: list[tuple[Any, ...]]) -> list[datetime]:
    """Apply the steps to every store alike; return the instant of each step."""
    open_rows: list[CreditRow] = []
    instants = []
    for n, step in enumerate(steps):
        now = T0 + timedelta(hours=n + 1)
        instants.append(now)
        if step[0] == "add":
            _, vid, day, raw, credited, weighted, closed = step
            row = CreditRow(
                volunteer_id=vid,
                entry_id=EntryId(origin="t", local_id=f"e{n:03d}"),
                organization_id="o1",
                category="care",
                region=None,
                local_date=day,
                raw_minutes=raw,
                credited_minutes=credited,
                weighted_micro=weighted * 1_000_000,
                valid_from=now,
                valid_to=now + timedelta(minutes=30) if closed else None,
            )
            for store in stores:
                store.ledger.write_credit([], [row])
            if not closed:
                open_rows.append(row)
        elif step[0] == "close" and open_rows:
            row = open_rows.pop(step[1] % len(open_rows))
            close = CreditClose(
                volunteer_id=row.volunteer_id,
                entry_id=row.entry_id,
                local_date=row.local_date,
                valid_to=now,
            )
            for store in stores:
                store.ledger.write_credit([close], [])
        elif step[0] == "truncate":
            _, vid, back = step
            since = now - timedelta(hours=back)
            for store in stores:
                store.ledger.truncate_credit(vid, since)
            open_rows = [r for r in open_rows if r.volunteer_id != vid]  # all ended at ``since``
    return instants


def assert_sums_match(path: Path) -> None:
    """The kept sums equal their definition (``changed_at``: at least it)."""
    conn = sqlite3.connect(path)
    try:
        kept, computed = conn.execute(KEPT_TOTALS).fetchall(), conn.execute(TOTALS).fetchall()
        assert [k[:-1] for k in kept] == [c[:-1] for c in computed]
        assert all(k[-1] >= c[-1] for k, c in zip(kept, computed, strict=True))
        assert conn.execute(KEPT_MONTHS).fetchall() == conn.execute(MONTHS).fetchall()
    finally:
        conn.close()


@settings(max_examples=60, deadline=None)
@given(steps=STEPS)
def test_the_kept_sums_equal_a_group_by_after_any_writes(tmp_path_factory: Any, steps: Any) -> None:
    """Inserts (open or already closed), closes and truncations keep both tables exact."""
    path = tmp_path_factory.mktemp("sums") / "credit.db"
    with SQLiteStore(path) as store:
        play([store], steps)
    assert_sums_match(path)


@settings(max_examples=60, deadline=None)
@given(
    steps=STEPS,
    pick=st.integers(0, 60),
    thresholds=st.dictionaries(
        st.sampled_from(["raw", "credited", "weighted"]),
        st.lists(st.integers(1, 900), min_size=1, max_size=4),
        min_size=1,
    ),
    last=st.none() | st.sampled_from(DATES),
    only=st.none() | st.lists(st.sampled_from([*VOLUNTEERS, "v9"]), max_size=2),
)
def test_crossings_from_the_sums_equal_the_memory_stores_at_any_instant(
    steps: Any, pick: int, thresholds: Any, last: Any, only: Any
) -> None:
    """Settled volunteers (from the sums) and the others (from the rows) as memory finds them.

    The instant is any step's (or before the first, or after the last), so that some volunteers
    changed after it and are read from the rows.
    """
    scaled = {
        k: [t * (1_000_000 if k == "weighted" else 1) for t in v] for k, v in thresholds.items()
    }
    memory, sqlite = MemoryStore(), SQLiteStore(":memory:")
    try:
        instants = play([memory, sqlite], steps)
        moments = [T0, *instants, T0 + timedelta(days=30)]
        as_of = moments[pick % len(moments)] + timedelta(minutes=pick % 3 * 20)
        got = [
            list(s.awards.credit_crossings(as_of, scaled, last=last, volunteer_ids=only))
            for s in (memory, sqlite)
        ]
        assert got[0] == got[1]
    finally:
        memory.close()
        sqlite.close()


def test_a_database_written_before_the_sums_gets_them_on_upgrade(tmp_path: Path) -> None:
    """Opening a database migrated up to ``hours/0002`` fills both tables from its rows."""
    path = tmp_path / "old.db"
    older = [m for m in load_migrations("sqlite") if not m.name.endswith("credit_sums")]
    assert len(older) == len(load_migrations("sqlite")) - 1
    steps = [
        ("add", "v1", 20250101, 60, 60, 60, False),
        ("add", "v1", 20250201, 90, 80, 70, False),
        ("add", "v2", 20250115, 30, -5, 0, True),
        ("close", 0),  # v1's 20250101 row
        ("add", "v1", 20241231, 10, 10, 10, False),
        ("add", "v3", 20250301, 40, 40, 40, False),
        ("truncate", "v3", 0),
    ]
    with SQLStoreBase(_SQLiteDatabase(str(path), 5.0), older) as old:
        play([old], steps)
    with SQLiteStore(path) as new:
        assert [m.name for m in new.migrations_applied] == ["credit_sums"]
    assert_sums_match(path)
    conn = sqlite3.connect(path)
    try:
        # v1: its 20250101 row was closed; v3's only row was truncated
        assert conn.execute(
            "SELECT raw_minutes, credited_minutes, first_credited, last_date "
            "FROM vk_hours_credit_totals ORDER BY volunteer_id"
        ).fetchall() == [(100, 90, 20241231, 20250201), (0, 0, None, 20250115), (0, 0, None, 20250301)]
        assert conn.execute(
            "SELECT month, credited_minutes, credited_cum FROM vk_hours_credit_months "
            "WHERE volunteer_id = 'v1' ORDER BY month"
        ).fetchall() == [(202412, 10, 10), (202501, 0, 10), (202502, 80, 90)]
    finally:
        conn.close()


def test_volunteers_changed_after_the_instant_or_dated_after_the_last_day_are_read_from_rows() -> (
    None
):
    """Exact crossings when the sums differ from the credit valid at the instant and dates.

    v1 served 60 minutes on 1 and 2 January 2025 and had the first row corrected to 10 minutes
    an hour later: as of the first two hours the threshold of 100 is crossed on 2 January, by
    entry e001, as of later it is not reached. v2 served 60 minutes on 1 January 2025 and on
    1 January 2026: with the last day 2025-12-31 it reaches 60 only, which the sums (120) would
    not say.
    """
    with SQLiteStore(":memory:") as store:
        play(
            [store],
            [
                ("add", "v1", 20250101, 60, 60, 60, False),  # e000, T0 + 1h
                ("add", "v1", 20250102, 60, 60, 60, False),  # e001, T0 + 2h
                ("close", 0),  # e000 closed at T0 + 3h
                ("add", "v1", 20250101, 10, 10, 10, False),  # e003, T0 + 4h
                ("add", "v2", 20250101, 60, 60, 60, False),  # e004, T0 + 5h
                ("add", "v2", 20260101, 60, 60, 60, False),  # e005, T0 + 6h
            ],
        )
        later = T0 + timedelta(days=1)

        def crossings(as_of: datetime, last: int | None) -> list[Any]:
            return list(store.awards.credit_crossings(as_of, {"credited": [100]}, last=last))

        assert crossings(T0 + timedelta(hours=2, minutes=30), None) == [
            ("v1", 20250101, [("credited", 100, 20250102, "t:e001", 120)])
        ]
        assert crossings(later, None) == [
            ("v2", 20250101, [("credited", 100, 20260101, "t:e005", 120)])
        ]
        assert crossings(later, 20251231) == []
        assert crossings(later, 20260101) == [
            ("v2", 20250101, [("credited", 100, 20260101, "t:e005", 120)])
        ]


_MONTHS_APART = st.integers(0, 150 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m))
_PENDING = service_entries(
    volunteers=st.sampled_from(VOLUNTEERS),
    ids=st.sampled_from([EntryId(origin="p", local_id=str(n)) for n in range(12)]),
    starts=_MONTHS_APART,
)


@settings(max_examples=40, deadline=None)
@given(
    entries=st.lists(_PENDING, min_size=6, max_size=12, unique_by=lambda e: e.id),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["approve_many", "approve_many", "reject", "correct", "approve"]),
            st.lists(st.integers(0, 11), min_size=1, max_size=6, unique=True),
        ),
        min_size=2,
        max_size=8,
    ),
)
def test_plain_approvals_keep_the_sums(
    tmp_path_factory: Any, entries: list[ServiceEntry], steps: list[tuple[str, list[int]]]
) -> None:
    """Rows the store writes itself (set-based approval) leave the sums equal to a GROUP BY.

    The trigger fires for each row of ``INSERT ... SELECT`` as for each row bound from Python:
    entries over five months (so some months are new to a volunteer and some lie before months
    already summed), approved many at a time, mixed with rejections, corrections and single
    approvals (whose replays close rows).
    """
    path = tmp_path_factory.mktemp("bulk") / "sums.db"
    clock = FixedClock(T0 + timedelta(days=400))
    with SQLiteStore(path) as store:
        ledger = Ledger(store, clock=clock, policy=attrs.evolve(NATIONAL, max_record_minutes=None))
        ledger.record_many(
            [
                attrs.evolve(e, source=Source.SELF_DECLARED, recorded_at=clock.now())
                for e in entries
            ],
            actor="t",
        )
        for op, picks in steps:
            clock.advance(timedelta(minutes=1))
            targets = [entries[i % len(entries)].id for i in picks]
            try:
                if op == "approve_many":  # those still waiting, so the call goes through
                    waiting = [
                        t for t in dict.fromkeys(targets)
                        if ledger.state(t).status in (Status.PENDING, Status.REJECTED)
                    ]
                    ledger.approve_many(waiting, actor="lead")
                elif op == "reject":
                    ledger.reject(targets[0], actor="lead", reason="no")
                elif op == "approve":
                    ledger.approve(targets[0], actor="lead")
                else:
                    end = ledger.state(targets[0]).end + timedelta(minutes=45)
                    ledger.correct(targets[0], actor="lead", reason="fix", end=end)
            except VolunteerkitError:
                pass
            assert_sums_match(path)


def test_a_bulk_approval_in_a_new_later_month_starts_from_the_month_before_it(
    tmp_path: Path,
) -> None:
    """January and March approved together, then May: May's running sum is 60 + 90 + 30."""
    path = tmp_path / "months.db"
    clock = FixedClock(T0 + timedelta(days=400))
    shanghai = ZoneInfo("Asia/Shanghai")

    def entry(key: str, month: int, minutes: int) -> ServiceEntry:
        start = datetime(2025, month, 10, 1, tzinfo=UTC)  # 09:00 in Shanghai
        return ServiceEntry(
            id=EntryId(origin="p", local_id=key), volunteer_id="v1", organization_id="o",
            category="care", start=start, end=start + timedelta(minutes=minutes), zone=shanghai,
            source=Source.SELF_DECLARED, recorded_by="r", recorded_at=clock.now(),
        )

    jan, mar, may = entry("jan", 1, 60), entry("mar", 3, 90), entry("may", 5, 30)
    with SQLiteStore(path) as store:
        ledger = Ledger(store, clock=clock)
        ledger.record_many([jan, mar, may], actor="t")
        ledger.approve_many([jan.id, mar.id], actor="lead")
        ledger.approve_many([may.id], actor="lead")
    assert_sums_match(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute(
            "SELECT month, credited_minutes, credited_cum, sole_entry FROM vk_hours_credit_months "
            "ORDER BY month"
        ).fetchall() == [(202501, 60, 60, "p:jan"), (202503, 90, 150, "p:mar"),
                         (202505, 30, 180, "p:may")]
        assert conn.execute(
            "SELECT credited_minutes, first_credited, last_date FROM vk_hours_credit_totals"
        ).fetchall() == [(180, 20250110, 20250510)]
    finally:
        conn.close()
