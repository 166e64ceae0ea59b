"""Instants at and beyond the ends of the supported range give typed errors or exact answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import InvalidInputError
from volunteerkit.hours import (
    AccrualPolicy,
    ApprovalMode,
    ApprovalRule,
    BackfillDeadline,
    Corrected,
    InvalidEntry,
    InvalidEvent,
    Source,
    TimeWindowMultiplier,
    Weighting,
    accrue,
    fold,
    split_by_local_day,
    validate_entry,
)
from volunteerkit.hours.fold import apply_event, initial_state
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import MemoryStore, SQLiteStore

from .strategies import eid, evid, make_entry

NY = ZoneInfo("America/New_York")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14
MINUS5 = timezone(timedelta(hours=-5))
PLUS5 = timezone(timedelta(hours=5))
LATE = datetime(9999, 12, 28, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "zone", "path"),
    [
        # past the last UTC datetime once converted: used to raise a bare OverflowError
        (datetime(9999, 12, 31, 20, tzinfo=MINUS5), datetime(9999, 12, 31, 22, tzinfo=MINUS5),
         NY, "$.start"),
        # before the first UTC datetime once converted
        (datetime(1, 1, 1, 1, tzinfo=PLUS5), datetime(1, 1, 1, 3, tzinfo=PLUS5), NY, "$.start"),
        # representable in UTC, but its local date in New York is in year 0
        (datetime(1, 1, 1, 0, tzinfo=UTC), datetime(1, 1, 1, 2, tzinfo=UTC), NY, "$.start"),
        # its next local midnight is in year 10000
        (datetime(9999, 12, 31, 20, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC),
         ZoneInfo("UTC"), "$.end"),
    ],
)  # fmt: skip
def test_service_outside_the_range_is_refused_with_its_path(start, end, zone, path) -> None:
    """An entry whose local days could not all be represented is ``hours.out_of_range``."""
    with pytest.raises(InvalidEntry) as info:
        make_entry("x", start, end, zone)
    assert (info.value.code, info.value.path) == ("hours.out_of_range", path)


def test_a_correction_out_of_range_is_refused() -> None:
    """A correction moving an entry past the range is refused, not left to crash the accrual."""
    entry = make_entry("x", LATE, LATE + timedelta(hours=2), NY)
    fix = Corrected(
        id=evid("c"), entry_id=entry.id, actor="a", at=entry.recorded_at, reason="r",
        end=datetime(9999, 12, 31, 12, tzinfo=UTC),
    )  # fmt: skip
    with pytest.raises(InvalidEvent) as info:
        apply_event(initial_state(entry), fix)
    assert (info.value.code, info.value.path) == ("hours.out_of_range", "$.end")
    state = fold([entry], [fix], as_of=entry.recorded_at)
    assert [i.code for i in state.ignored] == ["hours.out_of_range"]


def test_split_by_local_day_refuses_instants_out_of_range() -> None:
    """The public splitter raises a typed error, not OverflowError, at the end of the calendar."""
    with pytest.raises(InvalidEntry) as info:
        split_by_local_day(
            datetime(9999, 12, 31, 20, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC), NY
        )
    assert (info.value.code, info.value.path) == ("hours.out_of_range", "$.end")
    with pytest.raises(InvalidEntry) as info:
        split_by_local_day(datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 1, 3, tzinfo=UTC), NY)
    assert (info.value.code, info.value.path) == ("hours.out_of_range", "$.start")


def test_service_at_the_edges_of_the_range_is_credited_exactly() -> None:
    """Entries at the first and last supported instants accrue, with time windows, in any zone.

    9999-12-28T20:00Z to 9999-12-29T00:00Z is 10:00 to 14:00 on 9999-12-29 in Kiritimati
    (+14:00), inside a 10:00-16:00 window weighted 2; 0001-01-03T00:00Z to 02:00Z falls on
    0001-01-02 in New York (local mean time, -4:56:02).
    """
    policy = AccrualPolicy(
        name="edges",
        weighting=Weighting(
            time_windows=[TimeWindowMultiplier(start="10:00", end="16:00", multiplier=Decimal(2))]
        ),
    )
    late = make_entry(
        "late", datetime(9999, 12, 28, 20, tzinfo=UTC), datetime(9999, 12, 29, tzinfo=UTC),
        KIRITIMATI,
    )  # fmt: skip
    early = make_entry(
        "early", datetime(1, 1, 3, tzinfo=UTC), datetime(1, 1, 3, 2, tzinfo=UTC), NY,
        volunteer="v2",
    )  # fmt: skip
    accrual = accrue(fold([late, early], [], as_of=late.recorded_at).entries, policy)
    assert [(d.entry_id, d.day, d.credited_minutes, d.weighted_minutes) for d in accrual.days] == [
        (late.id, date(9999, 12, 29), 240, Decimal(480)),
        (early.id, date(1, 1, 2), 120, Decimal(120)),
    ]


def test_as_of_beyond_the_range_is_clamped_not_an_overflow() -> None:
    """``as_of`` after the last UTC datetime sees everything; before the first, nothing."""
    entry = make_entry("x", LATE, LATE + timedelta(hours=2), NY)
    after_all = fold([entry], [], as_of=datetime(9999, 12, 31, 23, tzinfo=MINUS5))
    assert [s.id for s in after_all.entries] == [entry.id]
    assert after_all.as_of == datetime.max.replace(tzinfo=UTC)
    before_all = fold([entry], [], as_of=datetime(1, 1, 1, tzinfo=PLUS5))
    assert before_all.entries == ()


def test_a_backfill_deadline_past_year_9999_never_refuses() -> None:
    """A deadline after the last date is no deadline; it used to raise ValueError/OverflowError."""
    entry = make_entry("x", LATE, LATE + timedelta(hours=2), NY, source=Source.SELF_DECLARED)
    policy = AccrualPolicy(name="bf", backfill=BackfillDeadline(months=1))
    assert policy.backfill is not None
    assert policy.backfill.last_day(entry.end, NY) == date.max
    assert policy.backfill.deadline(entry.end, NY) == datetime.max.replace(tzinfo=UTC)
    validate_entry(entry, policy, now=LATE + timedelta(days=1))
    huge = AccrualPolicy(name="bf", backfill=BackfillDeadline(days=10**7))
    validate_entry(entry, huge, now=LATE + timedelta(days=1))
    # an ordinary deadline still refuses
    recent = make_entry(
        "y", datetime(2026, 1, 31, 9, tzinfo=NY), datetime(2026, 1, 31, 10, tzinfo=NY), NY,
        source=Source.SELF_DECLARED,
    )  # fmt: skip
    assert policy.backfill.last_day(recent.end, NY) == date(2026, 2, 28)


@pytest.mark.parametrize("make_store", [MemoryStore, lambda: SQLiteStore(":memory:")])
def test_the_ledger_credits_service_at_the_edges_of_the_range(make_store) -> None:
    """Memory and SQLite record and total the last supported day alike."""
    store = make_store()
    now = datetime(9999, 12, 30, tzinfo=UTC)
    policy = AccrualPolicy(name="off", approval=ApprovalRule(mode=ApprovalMode.OFF))
    ledger = Ledger(store, clock=FixedClock(now), policy=policy)
    late = make_entry(
        "late", datetime(9999, 12, 28, 20, tzinfo=UTC), datetime(9999, 12, 29, tzinfo=UTC),
        KIRITIMATI, recorded_at=now,
    )  # fmt: skip
    ledger.record(late, actor="a")
    totals = ledger.totals("v1")
    assert (totals.credited_minutes, list(totals.by_day)) == (240, [date(9999, 12, 29)])
    assert ledger.state(eid("late"), as_of=datetime(9999, 12, 31, 23, tzinfo=MINUS5)).effective


@pytest.mark.parametrize("as_of", ["2026-06-01T00:00Z", date(2026, 6, 1), 1780000000])
def test_an_as_of_that_is_not_a_datetime_is_a_typed_error(as_of) -> None:
    """``fold`` and the ledger's queries refuse a non-datetime ``as_of`` with its path."""
    with pytest.raises(InvalidInputError) as info:
        fold([], [], as_of=as_of)
    assert (info.value.code, info.value.path) == ("time.not_datetime", "$.as_of")
    ledger = Ledger(MemoryStore(), clock=FixedClock(LATE))
    for query in (
        lambda: ledger.totals("v1", as_of=as_of),
        lambda: ledger.minutes_by((), as_of=as_of),
    ):
        with pytest.raises(InvalidInputError) as info:
            query()
        assert (info.value.code, info.value.path) == ("time.not_datetime", "$.as_of")
