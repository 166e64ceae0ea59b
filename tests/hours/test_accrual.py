"""Credit computation: the documented order of operations, checked with hand-computed numbers."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.hours import (
    NATIONAL,
    UNIVERSITY_8H_PER_ACTIVITY,
    AccrualPolicy,
    CategoryMultiplier,
    Corrected,
    InvalidEvent,
    OverlapRule,
    Rounding,
    RoundingMode,
    RoundingScope,
    ServiceEntry,
    Status,
    TimeWindowMultiplier,
    Weighting,
    accrue,
    find_overlaps,
    fold,
)
from volunteerkit.hours.accrual import Accrual, _accrue_alone, _accrue_volunteer
from volunteerkit.hours.fold import apply_event, initial_state

from .strategies import RECORDED, corrections, eid, make_entry, policies, service_entries

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    """A Shanghai wall-clock time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def run(entries: list[ServiceEntry], policy: AccrualPolicy) -> Accrual:
    """Fold (no events) and accrue."""
    return accrue(fold(entries, [], as_of=RECORDED).entries, policy)


def credited(accrual: Accrual) -> dict[str, int]:
    """Credited minutes per entry local id."""
    return {c.entry_id.local_id: c.credited_minutes for c in accrual.entries}


def _three_entries() -> list[ServiceEntry]:
    # A: 08:00-13:00 (300) with a 30 min break -> served span 08:00-12:30 (270)
    # B: 11:00-14:10 (190), overlaps A's recorded interval by 120 min
    # C: 14:10-14:55 (45), back to back with B
    return [
        make_entry("A", at(1, 8), at(1, 13), SH, break_minutes=30),
        make_entry("B", at(1, 11), at(1, 14, 10), SH),
        make_entry("C", at(1, 14, 10), at(1, 14, 55), SH),
    ]


def test_order_of_operations_with_per_day_rounding() -> None:
    """The documented order of operations, with per-day rounding, gives exact numbers.

    Raw -> minus break -> max 240 -> union -> split -> cap 480 -> round per day (30, down):
    A 270 -> 240 (08:00-12:00); B keeps 12:00-14:10 = 130; C 45; day 415 < cap; rounds down to
    390, the 25 minutes coming off the day's last part (C: 45 -> 20).
    """
    policy = AccrualPolicy(
        name="ops",
        max_entry_minutes=240,
        daily_cap_minutes=480,
        rounding=Rounding(unit_minutes=30, mode=RoundingMode.DOWN, scope=RoundingScope.PER_DAY),
    )
    accrual = run(_three_entries(), policy)
    assert credited(accrual) == {"A": 240, "B": 130, "C": 20}
    assert {c.entry_id.local_id: c.raw_minutes for c in accrual.entries} == {
        "A": 270,
        "B": 190,
        "C": 45,
    }
    assert accrual.credited_minutes == 390
    assert accrual.raw_minutes == 505


def test_daily_cap_takes_the_days_parts_in_time_order() -> None:
    """Same entries, cap 300, no rounding: A 240 fills the day first, B gets 60, C nothing."""
    policy = AccrualPolicy(name="cap", max_entry_minutes=240, daily_cap_minutes=300)
    assert credited(run(_three_entries(), policy)) == {"A": 240, "B": 60, "C": 0}


def test_order_of_operations_with_per_entry_rounding() -> None:
    """Per-entry rounding happens after the union of overlaps.

    Per-entry rounding (30, nearest) after union: A 240 -> 240, B 130 -> 120, C 45 -> 60
    (45 is an exact half and rounds up); total 420.
    """
    policy = AccrualPolicy(
        name="entry",
        max_entry_minutes=240,
        rounding=Rounding(
            unit_minutes=30, mode=RoundingMode.NEAREST, scope=RoundingScope.PER_ENTRY
        ),
    )
    assert credited(run(_three_entries(), policy)) == {"A": 240, "B": 120, "C": 60}


def test_per_entry_rounding_of_an_overnight_entry_adjusts_its_last_day() -> None:
    """Per-entry rounding of an overnight entry adjusts its last local day.

    23:40-00:20 is 20 + 20 minutes; rounded up to 60 the extra 20 land on the last day
    (20 + 40); rounded down to 30 the 10 come off the last day (20 + 10).
    """
    entry = make_entry("N", at(1, 23, 40), at(2, 0, 20), SH)
    up = AccrualPolicy(
        name="up",
        rounding=Rounding(unit_minutes=30, mode=RoundingMode.UP, scope=RoundingScope.PER_ENTRY),
    )
    down = AccrualPolicy(
        name="down",
        rounding=Rounding(unit_minutes=30, mode=RoundingMode.DOWN, scope=RoundingScope.PER_ENTRY),
    )
    assert [(c.day.day, c.credited_minutes) for c in run([entry], up).days] == [(1, 20), (2, 40)]
    assert [(c.day.day, c.credited_minutes) for c in run([entry], down).days] == [(1, 20), (2, 10)]


def test_break_is_deducted_from_the_end_of_an_overnight_entry() -> None:
    """22:00-02:00 with a 60-minute break: served span 22:00-01:00, so 120 + 60 minutes."""
    entry = make_entry("N", at(1, 22), at(2, 2), SH, break_minutes=60)
    assert [
        (c.day.day, c.raw_minutes, c.credited_minutes) for c in run([entry], NATIONAL).days
    ] == [
        (1, 120, 120),
        (2, 60, 60),
    ]


def test_travel_minutes_are_never_credited() -> None:
    """Travel is recorded for information; a 60-minute entry with 90 travel minutes credits 60."""
    entry = attrs.evolve(make_entry("T", at(1, 9), at(1, 10), SH), travel_minutes=90)
    assert credited(run([entry], NATIONAL)) == {"T": 60}


def test_max_per_entry_clips_the_credit_but_keeps_raw() -> None:
    """A 10-hour entry under at most 8 h per activity credits 480 of 600 raw minutes."""
    entry = make_entry("L", at(1, 8), at(1, 18), SH)
    accrual = run([entry], UNIVERSITY_8H_PER_ACTIVITY)
    line = accrual.entry(eid("L"))
    assert line is not None
    assert (line.raw_minutes, line.credited_minutes) == (600, 480)


def test_back_to_back_entries_are_not_overlaps() -> None:
    """09:00-12:00 and 12:00-15:00 are reported as no overlap and credit 360 in total."""
    entries = [make_entry("1", at(1, 9), at(1, 12), SH), make_entry("2", at(1, 12), at(1, 15), SH)]
    accrual = run(entries, NATIONAL)
    assert accrual.overlaps == ()
    assert accrual.credited_minutes == 360


def test_overlaps_are_counted_once_and_reported() -> None:
    """09:00-12:00 and 11:00-13:00 overlap 60 minutes: 240 credited (180 + 60), one report."""
    entries = [make_entry("1", at(1, 9), at(1, 12), SH), make_entry("2", at(1, 11), at(1, 13), SH)]
    accrual = run(entries, NATIONAL)
    assert credited(accrual) == {"1": 180, "2": 60}
    (overlap,) = accrual.overlaps
    assert (overlap.first, overlap.second, overlap.minutes) == (eid("1"), eid("2"), 60)
    assert overlap.start == datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def test_contained_entry_gets_no_credit_and_the_earlier_start_wins() -> None:
    """An entry inside another (10:00-11:00 within 09:00-12:00) adds nothing."""
    entries = [
        make_entry("outer", at(1, 9), at(1, 12), SH),
        make_entry("inner", at(1, 10), at(1, 11), SH),
    ]
    assert credited(run(entries, NATIONAL)) == {"outer": 180, "inner": 0}


def test_grace_hides_small_overlaps_from_the_report_but_never_double_counts() -> None:
    """A 2-minute overlap under a 5-minute grace is not reported, and still counted once."""
    entries = [
        make_entry("1", at(1, 9), at(1, 12, 2), SH),
        make_entry("2", at(1, 12), at(1, 13), SH),
    ]
    policy = AccrualPolicy(name="grace", overlaps=OverlapRule(grace_minutes=5))
    accrual = run(entries, policy)
    assert accrual.overlaps == ()
    assert accrual.credited_minutes == 240
    assert len(find_overlaps(entries)) == 1
    assert find_overlaps(entries, grace_minutes=2) == ()


def test_overlaps_can_be_credited_in_full_when_merging_is_off() -> None:
    """With ``merge=False`` both overlapping entries count in full (180 + 120) but are reported."""
    entries = [make_entry("1", at(1, 9), at(1, 12), SH), make_entry("2", at(1, 11), at(1, 13), SH)]
    policy = AccrualPolicy(name="nomerge", overlaps=OverlapRule(merge=False))
    accrual = run(entries, policy)
    assert credited(accrual) == {"1": 180, "2": 120}
    assert len(accrual.overlaps) == 1


def test_overlaps_of_different_volunteers_do_not_interact() -> None:
    """The same hours served by two volunteers are credited to both."""
    entries = [
        make_entry("1", at(1, 9), at(1, 12), SH, volunteer="v1"),
        make_entry("2", at(1, 9), at(1, 12), SH, volunteer="v2"),
    ]
    accrual = run(entries, NATIONAL)
    assert credited(accrual) == {"1": 180, "2": 180}
    assert accrual.overlaps == ()


def test_weighted_credit_for_night_service_and_category() -> None:
    """Night windows and category multipliers weight credit; credited minutes stay apart.

    20:00-02:00 with nights (22:00-06:00) at 1.5: 120*1 + 120*1.5 = 300 on day one and
    120*1.5 = 180 on day two; an emergency category at 2 doubles it. Credited stays 360.
    """
    night = TimeWindowMultiplier(start="22:00", end="06:00", multiplier=Decimal("1.5"))
    policy = AccrualPolicy(
        name="weighted",
        weighting=Weighting(
            categories=(CategoryMultiplier(category="emergency", multiplier=Decimal(2)),),
            time_windows=(night,),
        ),
    )
    community = make_entry("c", at(1, 20), at(2, 2), SH)
    emergency = make_entry("e", at(1, 20), at(2, 2), SH, category="emergency", volunteer="v2")
    accrual = run([community, emergency], policy)
    lines = {(c.entry_id.local_id, c.day.day): c.weighted_minutes for c in accrual.days}
    assert lines == {
        ("c", 1): Decimal(300),
        ("c", 2): Decimal(180),
        ("e", 1): Decimal(600),
        ("e", 2): Decimal(360),
    }
    assert credited(accrual) == {"c": 360, "e": 360}


def test_weighted_night_window_on_a_23_hour_day() -> None:
    """A night window on the 23-hour spring-forward day weighs real minutes.

    Berlin, 29 Mar 2026: 00:00 CET to 06:00 CEST is 300 real minutes, all in the 22:00-06:00
    window at 1.5: weighted 450.
    """
    night = TimeWindowMultiplier(start="22:00", end="06:00", multiplier=Decimal("1.5"))
    policy = AccrualPolicy(name="w", weighting=Weighting(time_windows=(night,)))
    entry = make_entry(
        "b",
        datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN),
        datetime(2026, 3, 29, 6, 0, tzinfo=BERLIN),
        BERLIN,
    )
    (line,) = run([entry], policy).days
    assert (line.day, line.credited_minutes, line.weighted_minutes) == (
        date(2026, 3, 29),
        300,
        Decimal(450),
    )


@pytest.mark.parametrize(
    ("zone", "window", "start", "end", "weighted"),
    [
        # New York skips 02:00-03:00 EST on 8 March 2026. 01:00 EST to 06:00 EDT is 240 real
        # minutes: 60 before the jump, then 03:00-06:00 EDT, whose wall times all read inside
        # 02:30-06:00: 60 + 180 * 2 = 420 (the window opening at 03:30 EDT gave 390).
        ("America/New_York", ("02:30", "06:00"), (3, 8, 1, 0), (3, 8, 6, 0), 420),
        # A window that ends in the gap closes at the jump: 01:00 EST to 04:00 EDT is 01:00-02:00
        # EST in 22:00-02:30 and 03:00-04:00 EDT after it: 60 * 2 + 60 = 180 (210 before).
        ("America/New_York", ("22:00", "02:30"), (3, 8, 1, 0), (3, 8, 4, 0), 180),
        # Lord Howe skips 02:00-02:30 on 4 October 2026 (a 30-minute jump). 01:00 to 04:00 is 150
        # real minutes: 60 before, then 02:30-04:00 all inside 02:15-04:00: 60 + 90 * 2 = 240.
        ("Australia/Lord_Howe", ("02:15", "04:00"), (10, 4, 1, 0), (10, 4, 4, 0), 240),
    ],
)
def test_a_window_bound_that_a_jump_forward_skips_maps_to_the_jump(
    zone: str,
    window: tuple[str, str],
    start: tuple[int, int, int, int],
    end: tuple[int, int, int, int],
    weighted: int,
) -> None:
    """A window's wall time that the clocks skip is read where the clock first reads past it."""
    tz = ZoneInfo(zone)
    policy = AccrualPolicy(
        name="w",
        weighting=Weighting(
            time_windows=(
                TimeWindowMultiplier(start=window[0], end=window[1], multiplier=Decimal(2)),
            )
        ),
    )
    entry = make_entry("g", datetime(2026, *start, tzinfo=tz), datetime(2026, *end, tzinfo=tz), tz)
    (line,) = run([entry], policy).days
    assert line.weighted_minutes == Decimal(weighted)


def test_rounded_up_minutes_take_the_weight_of_the_last_minute() -> None:
    """Minutes added by rounding up take the weight of the last minute served.

    21:50-22:10 (10 min at 1, 10 at 2) rounded up per entry to 30: the 10 extra minutes extend
    the last minute (22:09, in the window): 10 + 20 + 20 = 50.
    """
    policy = AccrualPolicy(
        name="w",
        rounding=Rounding(unit_minutes=30, mode=RoundingMode.UP, scope=RoundingScope.PER_ENTRY),
        weighting=Weighting(
            time_windows=(TimeWindowMultiplier(start="22:00", end="23:00", multiplier=Decimal(2)),)
        ),
    )
    (line,) = run([make_entry("w", at(1, 21, 50), at(1, 22, 10), SH)], policy).days
    assert (line.credited_minutes, line.weighted_minutes) == (30, Decimal(50))


def test_entries_that_are_not_effective_are_not_credited() -> None:
    """Pending entries do not appear in the accrual."""
    entry = make_entry("p", at(1, 9), at(1, 10), SH, status=Status.PENDING)
    accrual = run([entry], NATIONAL)
    assert accrual.entries == ()
    assert accrual.days == ()
    assert accrual.entry(eid("p")) is None


@settings(max_examples=300)
@given(
    entry=service_entries(),
    fix=st.none() | corrections(),
    policy=policies(),
)
def test_an_entry_alone_is_credited_as_the_general_path_credits_it(
    entry: ServiceEntry, fix: Corrected | None, policy: AccrualPolicy
) -> None:
    """The ledger's one-entry path gives exactly the general accrual of that entry alone.

    For any approved entry (corrected or not) in any zone and any policy, ``_accrue_alone``
    equals ``_accrue_volunteer([state])``'s day lines: minutes, days, and Decimal weights with
    their exponents.
    """
    state = initial_state(attrs.evolve(entry, initial_status=Status.APPROVED))
    if fix is not None:
        fix = attrs.evolve(fix, entry_id=entry.id, at=entry.recorded_at)
        with contextlib.suppress(InvalidEvent):  # a correction the fold would ignore
            state = apply_event(state, fix)
    alone = _accrue_alone(state, policy)
    general = _accrue_volunteer([state], policy)[0]
    assert alone == general
    assert [str(line.weighted_minutes) for line in alone] == [
        str(line.weighted_minutes) for line in general
    ]
