"""Data sets shared by the ledger benchmarks (no NAME: not a benchmark itself)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from volunteerkit._ids import uuid7
from volunteerkit.hours import EntryId, ServiceEntry, Source

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
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
