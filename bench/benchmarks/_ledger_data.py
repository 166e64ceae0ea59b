"""Data sets shared by the ledger benchmarks (no NAME: not a benchmark itself)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench._harness import Figure, timed_without_gc
from volunteerkit import FixedClock
from volunteerkit._ids import uuid7, uuid7_text
from volunteerkit.hours import NATIONAL, EntryId, ServiceEntry, Source
from volunteerkit.hours._time import split_minutes_by_day
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import PostgresStore, SQLiteStore

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
APPROVED_AT = NOW + timedelta(hours=1)
"""When :func:`ledger_round` approves what it recorded at :data:`NOW`."""
ZONES = [ZoneInfo(z) for z in ("Asia/Shanghai", "Asia/Kathmandu", "Asia/Yangon")]
TABLES = ("vk_hours_entries", "vk_hours_events", "vk_hours_credit", "vk_hours_settings", "vk_audit_log")


def entries(n: int, volunteers: int, seed: int = 7) -> list[ServiceEntry]:
    """``n`` self-declared (so pending) entries of ``volunteers`` volunteers, time-ordered ids."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        start = T0 + timedelta(minutes=(i * 7) % (650 * 1440) + rng.randrange(0, 600))
        end = start + timedelta(minutes=rng.randrange(30, 480))
        out.append(
            ServiceEntry(
                id=EntryId(origin="bench", local_id=str(uuid7(T0 + timedelta(milliseconds=i), i))),
                volunteer_id=f"v{rng.randrange(volunteers):06d}",
                organization_id=f"org-{rng.randrange(300)}",
                category=("community", "elderly", "emergency")[i % 3],
                start=start,
                end=end,
                zone=ZONES[i % 3],
                source=Source.SELF_DECLARED,
                recorded_by="importer",
                recorded_at=end + timedelta(hours=1),
            )
        )
    return out


def credit_rows(
    n: int, volunteers: int, *, to_time: Any, seed: int = 11
) -> Iterator[tuple[Any, ...]]:
    """Credit rows for ``n`` entries of ``volunteers`` volunteers, sorted by volunteer and date.

    One row per entry on one local day within two years before :data:`NOW`; every 20th entry was
    corrected once (its first row closed at the correction, a second row from then on), so the
    as-of filter has work to do. ``to_time`` converts an aware datetime to the backend's form.
    """
    rng = random.Random(seed)
    per = n // volunteers
    regions = ("beijing", "shanghai", None, "yunnan")
    for v in range(volunteers):
        vid = f"v{v:06d}"
        region = regions[v % 4]
        days = sorted(rng.randrange(0, 700) for _ in range(per))
        for k, day_offset in enumerate(days):
            day = (NOW - timedelta(days=700 - day_offset)).date()
            local = day.year * 10000 + day.month * 100 + day.day
            minutes = rng.randrange(30, 480)
            recorded = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            entry_id = f"bench:{v:06d}-{k:04d}"
            org = f"org-{(v * 7 + k) % 300}"
            cat = ("community", "elderly", "emergency")[k % 3]
            if k % 20 == 0:
                fixed = recorded + timedelta(days=3)
                yield (vid, local, to_time(recorded), to_time(fixed), minutes, minutes,
                       minutes * 1_000_000, entry_id, org, cat, region)
                minutes = max(1, minutes - 30)
                recorded = fixed
            yield (vid, local, to_time(recorded), None, minutes, minutes, minutes * 1_000_000,
                   entry_id, org, cat, region)


# ------------------------------------------------------------------------------------------------
# the floor: recording and approving by hand, checking nothing (see ledger_ingest)

# What the floor must have written as the ledger did: every entry; every credit row but its credited
# and weighted minutes (the ledger counts the overlap of two entries of a volunteer once, the floor
# does not look); the events but their ids. ``{}`` is where a schema prefix goes.
SAME_ROWS = (
    "SELECT * FROM {}vk_hours_entries ORDER BY id",
    "SELECT volunteer_id, local_date, valid_from, valid_to, raw_minutes, entry_id, "
    "organization_id, category, region FROM {}vk_hours_credit ORDER BY entry_id, local_date",
    "SELECT entry_id, volunteer_id, type, at FROM {}vk_hours_events ORDER BY entry_id",
)
FLOOR_SELECT = (
    "SELECT id, volunteer_id, organization_id, category, start_at, end_at, zone, break_minutes "
    "FROM {}vk_hours_entries WHERE "
)


def approve_by_hand(
    row: tuple[Any, ...],
    start: int,
    end: int,
    approved_at: datetime,
    at: Any,
    events: list[tuple[Any, ...]],
    credit: list[tuple[Any, ...]],
) -> None:
    """Append the approval event and the credit rows of one entry read back by ``FLOOR_SELECT``.

    ``start`` and ``end`` are its epoch minutes, ``at`` the approval instant in the backend's form.
    """
    eid, vid, org, cat, _, _, zone, brk = row
    events.append(
        (f"local:{uuid7_text(approved_at)}", eid, vid, "approved", "lead-7", at, "", None, None,
         None, None)
    )  # fmt: skip
    for day, a, b in split_minutes_by_day(start, end - brk, ZoneInfo(zone)):
        m = b - a
        credit.append(
            (vid, day.year * 10000 + day.month * 100 + day.day, at, None, m, m, m * 1_000_000,
             eid, org, cat, None)
        )  # fmt: skip


def ledger_round(store: SQLiteStore | PostgresStore, data: list[ServiceEntry]) -> tuple[float, float]:
    """Record ``data`` into ``store`` through a Ledger, then approve it all an hour later.

    Returns:
        The seconds of ``record_many`` and of ``approve_many``, each timed without garbage
        collection. The store is closed.
    """
    clock = FixedClock(NOW)
    ledger = Ledger(store, clock=clock, policy=NATIONAL)
    record_s, result = timed_without_gc(lambda: ledger.record_many(data, actor="importer"))
    clock.advance(APPROVED_AT - NOW)
    ids = [e.id for e in data]
    approve_s, approved = timed_without_gc(lambda: ledger.approve_many(ids, actor="lead-7"))
    assert result.written == len(data)
    assert approved == len(data)
    store.close()
    return record_s, approve_s


def floor_figure(name: str, n: int, ours: float, floor: float, raw: float, raw_name: str) -> Figure:
    """The ledger against the floor, with the floor against the raw baseline in the note."""
    return Figure(
        name=f"{name} (vs floor)",
        value=n / ours,
        baseline=n / floor,
        unit="entries/s",
        higher_is_better=True,
        note=(
            f"the same job by hand with no checks and no models {floor:.1f} s; "
            f"floor / {raw_name} = {raw / floor:.3f} (the ceiling for a ledger computing in Python)"
        ),
    )
