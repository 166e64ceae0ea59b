"""Certified credit in the hours core: transferred entries keep the minutes their source certified."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from volunteerkit import FixedClock
from volunteerkit.hours import (
    AccrualPolicy,
    CategoryMultiplier,
    Corrected,
    EntryId,
    EventId,
    Rounding,
    RoundingMode,
    RoundingScope,
    ServiceEntry,
    Source,
    Status,
    Weighting,
    accrue,
    fold,
    totals,
)
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import MemoryStore
from volunteerkit.transfer.models import CertifiedDay

SHANGHAI = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
CAPPED = AccrualPolicy(
    name="capped",
    rounding=Rounding(unit_minutes=60, mode=RoundingMode.DOWN, scope=RoundingScope.PER_DAY),
    daily_cap_minutes=120,
    weighting=Weighting(categories=(CategoryMultiplier(category="rescue", multiplier=Decimal("1.5")),)),
)


def _entry(
    key: str,
    start: datetime,
    minutes: int,
    *,
    source: Source = Source.ORGANIZATION,
    category: str = "community",
) -> ServiceEntry:
    return ServiceEntry(
        id=EntryId(origin="x", local_id=key),
        volunteer_id="v1",
        organization_id="org",
        category=category,
        start=start,
        end=start + timedelta(minutes=minutes),
        zone=SHANGHAI,
        source=source,
        initial_status=Status.APPROVED,
        recorded_by="r",
        recorded_at=start + timedelta(days=1),
    )


def _credit(entries, certified, events=()):
    state = fold(entries, events, as_of=T + timedelta(days=30))
    result = accrue(state.entries, CAPPED, certified=certified)
    return {str(e.entry_id): e.credited_minutes for e in result.entries}, result


def test_a_certified_entry_is_credited_exactly_its_certified_minutes():
    """Three hours certified as 170 minutes stay 170: no cap, no rounding applies to them."""
    moved = _entry("moved", T, 180, source=Source.TRANSFERRED)
    credit, result = _credit([moved], {moved.id: [CertifiedDay(day=date(2026, 11, 2), minutes=170)]})
    assert credit == {"x:moved": 170}
    assert credit != _credit([moved], None)[0]  # the policy alone would give 120
    assert [(d.day, d.raw_minutes, d.credited_minutes) for d in result.days] == [
        (date(2026, 11, 2), 180, 170)
    ]


def test_certified_entries_take_no_part_in_local_caps_and_overlaps():
    """A local entry on the same day keeps its own cap and overlap merging without the certified one."""
    moved = _entry("a-moved", T, 180, source=Source.TRANSFERRED)
    local = _entry("b-local", T + timedelta(hours=1), 150)
    credit, result = _credit([moved, local], {moved.id: [CertifiedDay(day=date(2026, 11, 2), minutes=180)]})
    assert credit == {"x:a-moved": 180, "x:b-local": 120}
    assert [(o.first, o.second, o.minutes) for o in result.overlaps] == [(moved.id, local.id, 120)]


def test_certified_days_follow_the_source_across_midnight():
    """An overnight entry keeps the source's split of minutes between the two dates."""
    start = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # 22:00 local
    moved = _entry("night", start, 240, source=Source.TRANSFERRED)
    days = [CertifiedDay(day=date(2026, 11, 2), minutes=120), CertifiedDay(day=date(2026, 11, 3), minutes=60)]
    _credit_map, result = _credit([moved], {moved.id: days})
    assert [(d.day, d.raw_minutes, d.credited_minutes) for d in result.days] == [
        (date(2026, 11, 2), 120, 120),
        (date(2026, 11, 3), 120, 60),
    ]


def test_weighted_credit_uses_the_category_multiplier():
    """Certified rescue minutes weigh 1.5 under a policy that weights rescue 1.5."""
    moved = _entry("r", T, 100, source=Source.TRANSFERRED, category="rescue")
    _c, result = _credit([moved], {moved.id: [CertifiedDay(day=date(2026, 11, 2), minutes=90)]})
    assert result.entries[0].weighted_minutes == Decimal("135.0")


def test_a_corrected_certified_entry_is_credited_under_the_local_policy():
    """Once its times are adjusted here, the certification no longer applies."""
    moved = _entry("moved", T, 180, source=Source.TRANSFERRED)
    fix = Corrected(
        id=EventId(origin="bj", local_id="c1"), entry_id=moved.id, actor="bj", at=T + timedelta(days=2),
        reason="wrong end", end=T + timedelta(minutes=150),
    )
    credit, _ = _credit([moved], {moved.id: [CertifiedDay(day=date(2026, 11, 2), minutes=170)]}, [fix])
    assert credit == {"x:moved": 120}


class _Certified:
    """A certified-credit source that is not a store repository."""

    def __init__(self, days):
        self.days = days
        self.asked: list[list[str]] = []

    def certified_credit(self, volunteer_ids):
        self.asked.append(sorted(volunteer_ids))
        return self.days


def test_a_ledger_takes_certified_credit_from_any_source_and_agrees_with_the_core():
    """A ledger given a certified source credits as the core does with the same mapping."""
    moved = _entry("moved", T, 180, source=Source.TRANSFERRED)
    local = _entry("local", T + timedelta(days=1), 200)
    certified = {moved.id: (CertifiedDay(day=date(2026, 11, 2), minutes=175),)}
    source = _Certified(certified)
    clock = FixedClock(T + timedelta(days=40))
    ledger = Ledger(MemoryStore(), clock=clock, policy=CAPPED, certified=source)
    ledger.record_many([attrs.evolve(e, initial_status=Status.PENDING) for e in (moved, local)], actor="a")
    ledger.approve_many([moved.id, local.id], actor="a")
    assert source.asked and set(source.asked[-1]) == {"v1"}
    got = ledger.totals("v1")
    assert got.total.credited == 175 + 120
    store_entries = ledger._repo.records_of(["v1"])["v1"]
    core = totals(accrue(fold(*store_entries, as_of=clock.now()).entries, CAPPED, certified=certified), "v1")
    assert got.total == core.total
    assert got.by_day == core.by_day


def test_a_ledger_uses_the_stores_transfer_repository_by_default():
    """On a store with transfers, a ledger built without arguments reads certified credit there."""
    store = MemoryStore()
    ledger = Ledger(store, clock=FixedClock(T + timedelta(days=40)), policy=CAPPED)
    assert ledger._certified is store.transfers


