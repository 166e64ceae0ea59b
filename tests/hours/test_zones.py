"""Exact minutes across daylight-saving changes, midnight and odd offsets.

Every expected value below is derived by hand from the UTC instants (the comments show the
arithmetic); none is computed by the library under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from volunteerkit.hours import (
    BEIJING_UNIVERSITY,
    NATIONAL,
    AccrualPolicy,
    CalendarYear,
    Rounding,
    RoundingMode,
    RoundingScope,
    accrue,
    fold,
    initial_state,
    split_by_local_day,
    totals,
)
from volunteerkit.hours.models import ServiceEntry

from .strategies import RECORDED, make_entry

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
YANGON = ZoneInfo("Asia/Yangon")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> list[tuple[date, int]]:
    return [(s.day, s.minutes) for s in split_by_local_day(start, end, zone)]


def _credit(entries: list[ServiceEntry], policy: AccrualPolicy = NATIONAL) -> dict[date, int]:
    accrual = accrue(fold(entries, [], as_of=RECORDED).entries, policy)
    return {day: m.credited for day, m in totals(accrual, "v1").by_day.items()}


# --- America/New_York, 2026-11-01: 02:00 EDT becomes 01:00 EST, 01:00-02:00 happens twice


def test_new_york_fall_back_repeated_hour_counts_both_hours() -> None:
    """00:30 EDT to 01:30 EST (second 01:30) is 04:30Z to 06:30Z: 120 minutes, not 60."""
    start = datetime(2026, 11, 1, 0, 30, tzinfo=NY)
    end = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY)
    assert _days(start, end, NY) == [(date(2026, 11, 1), 120)]
    assert _credit([make_entry("1", start, end, NY)]) == {date(2026, 11, 1): 120}


def test_new_york_first_to_second_one_oclock_is_an_hour() -> None:
    """01:00 EDT to 01:00 EST read the same on the wall but are 05:00Z to 06:00Z: 60 minutes."""
    start = datetime(2026, 11, 1, 1, 0, tzinfo=NY)
    end = datetime(2026, 11, 1, 1, 0, fold=1, tzinfo=NY)
    assert _days(start, end, NY) == [(date(2026, 11, 1), 60)]


def test_new_york_fall_back_day_is_25_hours() -> None:
    """Local 2026-11-01 runs from 04:00Z to 05:00Z next day: 25 h = 1500 minutes."""
    start = datetime(2026, 11, 1, 0, 0, tzinfo=NY)
    end = datetime(2026, 11, 2, 0, 0, tzinfo=NY)
    assert _days(start, end, NY) == [(date(2026, 11, 1), 1500)]


def test_new_york_overnight_shift_across_the_change() -> None:
    """An overnight shift across the New York fall-back is split at local midnight.

    22:00 EDT 31 Oct (02:00Z) to 02:00 EST 1 Nov (07:00Z) is 300 minutes: 120 before local
    midnight (04:00Z) and 180 after, although the wall clock shows 4 hours.
    """
    start = datetime(2026, 10, 31, 22, 0, tzinfo=NY)
    end = datetime(2026, 11, 1, 2, 0, tzinfo=NY)
    assert _days(start, end, NY) == [(date(2026, 10, 31), 120), (date(2026, 11, 1), 180)]


# --- Europe/Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST


def test_berlin_spring_forward_hour_is_missing() -> None:
    """01:30 CET (00:30Z) to 03:30 CEST (01:30Z) is 60 minutes, although the wall shows 2 h."""
    start = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    end = datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)
    assert _days(start, end, BERLIN) == [(date(2026, 3, 29), 60)]


def test_berlin_spring_forward_day_is_23_hours() -> None:
    """Local 2026-03-29 runs from 23:00Z to 22:00Z: 23 h = 1380 minutes."""
    start = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    end = datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN)
    assert _days(start, end, BERLIN) == [(date(2026, 3, 29), 1380)]


def test_berlin_night_shift_across_spring_forward() -> None:
    """22:00 CET 28 Mar (21:00Z) to 06:00 CEST 29 Mar (04:00Z): 420 minutes, 120 + 300."""
    start = datetime(2026, 3, 28, 22, 0, tzinfo=BERLIN)
    end = datetime(2026, 3, 29, 6, 0, tzinfo=BERLIN)
    assert _days(start, end, BERLIN) == [(date(2026, 3, 28), 120), (date(2026, 3, 29), 300)]


# --- Asia/Kathmandu, +05:45 all year


def test_kathmandu_split_uses_local_midnight_not_utc() -> None:
    """Kathmandu (+05:45) days split at local midnight, not UTC midnight.

    22:00-02:15 local (16:15Z-20:30Z, all on one UTC date) is 120 min on the 15th and 135
    on the 16th; local midnight is 18:15Z.
    """
    start = datetime(2026, 1, 15, 22, 0, tzinfo=KATHMANDU)
    end = datetime(2026, 1, 16, 2, 15, tzinfo=KATHMANDU)
    assert _days(start, end, KATHMANDU) == [(date(2026, 1, 15), 120), (date(2026, 1, 16), 135)]


def test_kathmandu_entry_across_utc_midnight_stays_on_one_local_day() -> None:
    """05:30-06:00 local is 23:45Z-00:15Z: two UTC dates, one local date, 30 minutes."""
    start = datetime(2026, 1, 16, 5, 30, tzinfo=KATHMANDU)
    end = datetime(2026, 1, 16, 6, 0, tzinfo=KATHMANDU)
    assert _days(start, end, KATHMANDU) == [(date(2026, 1, 16), 30)]


# --- Asia/Yangon, +06:30 all year


def test_yangon_half_hour_offset_with_per_day_rounding() -> None:
    """Yangon (+06:30) days split exactly and round per day.

    23:30-00:45 local (17:00Z-18:15Z) is 30 + 45 minutes; per-day 30-minute nearest rounding
    gives 30 and 60 (45 is an exact half: ties round up).
    """
    start = datetime(2026, 6, 30, 23, 30, tzinfo=YANGON)
    end = datetime(2026, 7, 1, 0, 45, tzinfo=YANGON)
    assert _days(start, end, YANGON) == [(date(2026, 6, 30), 30), (date(2026, 7, 1), 45)]
    policy = AccrualPolicy(
        name="yangon",
        rounding=Rounding(unit_minutes=30, mode=RoundingMode.NEAREST, scope=RoundingScope.PER_DAY),
    )
    assert _credit([make_entry("1", start, end, YANGON)], policy) == {
        date(2026, 6, 30): 30,
        date(2026, 7, 1): 60,
    }


# --- Australia/Lord_Howe: daylight saving of 30 minutes


def test_lord_howe_dst_end_day_is_24_and_a_half_hours() -> None:
    """The Lord Howe day when DST ends lasts 24.5 hours.

    2026-04-05: 02:00 +11 becomes 01:30 +10:30. The day runs 13:00Z to 13:30Z next day:
    1470 minutes.
    """
    start = datetime(2026, 4, 5, 0, 0, tzinfo=LORD_HOWE)
    end = datetime(2026, 4, 6, 0, 0, tzinfo=LORD_HOWE)
    assert _days(start, end, LORD_HOWE) == [(date(2026, 4, 5), 1470)]


def test_lord_howe_dst_end_hour_is_90_minutes() -> None:
    """01:00 +11 (14:00Z) to 02:00 +10:30 (15:30Z): 90 minutes for one wall-clock hour."""
    start = datetime(2026, 4, 5, 1, 0, tzinfo=LORD_HOWE)
    end = datetime(2026, 4, 5, 2, 0, tzinfo=LORD_HOWE)
    assert _days(start, end, LORD_HOWE) == [(date(2026, 4, 5), 90)]


def test_lord_howe_dst_start_day_is_23_and_a_half_hours() -> None:
    """The Lord Howe day when DST starts lasts 23.5 hours.

    2026-10-04: 02:00 +10:30 becomes 02:30 +11. The day runs 13:30Z to 13:00Z: 1410 minutes;
    01:45 (15:15Z) to 02:45 (15:45Z) is 30 minutes.
    """
    assert _days(
        datetime(2026, 10, 4, 0, 0, tzinfo=LORD_HOWE),
        datetime(2026, 10, 5, 0, 0, tzinfo=LORD_HOWE),
        LORD_HOWE,
    ) == [(date(2026, 10, 4), 1410)]
    assert _days(
        datetime(2026, 10, 4, 1, 45, tzinfo=LORD_HOWE),
        datetime(2026, 10, 4, 2, 45, tzinfo=LORD_HOWE),
        LORD_HOWE,
    ) == [(date(2026, 10, 4), 30)]


# --- overnight shift under a daily cap; year boundary


def test_overnight_shift_under_a_daily_cap_is_capped_per_local_day() -> None:
    """An overnight shift under a daily cap is capped per local day.

    Beijing university rule (8 h/day, 30-min units down): 20:10 on 1 May to 09:05 on 2 May
    (775 min) is 230 + 545 by local day; caps give 230 + 480; rounding down gives 210 + 480 = 690.
    A cap on the whole entry would have given 480.
    """
    start = datetime(2026, 5, 1, 20, 10, tzinfo=SHANGHAI)
    end = datetime(2026, 5, 2, 9, 5, tzinfo=SHANGHAI)
    entry = make_entry("1", start, end, SHANGHAI)
    accrual = accrue(fold([entry], [], as_of=RECORDED).entries, BEIJING_UNIVERSITY)
    by_day = totals(accrual, "v1").by_day
    assert {d: (m.raw, m.credited) for d, m in by_day.items()} == {
        date(2026, 5, 1): (230, 210),
        date(2026, 5, 2): (545, 480),
    }
    assert totals(accrual, "v1").credited_minutes == 690


def test_overnight_shift_with_a_day_shift_shares_the_days_cap() -> None:
    """A day shift and a night shift share the day's cap in time order.

    A 09:00-13:00 shift (240) and a 18:00-08:00 night shift (360 + 480) under an 8 h cap:
    1 May has 600 raw, credited 480 (day shift 240, night shift's first 240); 2 May 480.
    """
    day_shift = make_entry(
        "day",
        datetime(2026, 5, 1, 9, tzinfo=SHANGHAI),
        datetime(2026, 5, 1, 13, tzinfo=SHANGHAI),
        SHANGHAI,
    )
    night = make_entry(
        "night",
        datetime(2026, 5, 1, 18, tzinfo=SHANGHAI),
        datetime(2026, 5, 2, 8, tzinfo=SHANGHAI),
        SHANGHAI,
    )
    accrual = accrue(fold([night, day_shift], [], as_of=RECORDED).entries, BEIJING_UNIVERSITY)
    lines = {
        (c.entry_id.local_id, c.day): (c.raw_minutes, c.credited_minutes) for c in accrual.days
    }
    assert lines == {
        ("day", date(2026, 5, 1)): (240, 240),
        ("night", date(2026, 5, 1)): (360, 240),
        ("night", date(2026, 5, 2)): (480, 480),
    }


def test_entry_across_new_year_counts_in_both_calendar_years() -> None:
    """An entry across New Year counts in both calendar years.

    22:00 on 2026-12-31 to 03:00 on 2027-01-01 in Shanghai (14:00Z-19:00Z, all in 2026 by UTC)
    credits 120 minutes to 2026 and 180 to 2027; lifetime 300.
    """
    entry = make_entry(
        "ny",
        datetime(2026, 12, 31, 22, tzinfo=SHANGHAI),
        datetime(2027, 1, 1, 3, tzinfo=SHANGHAI),
        SHANGHAI,
    )
    accrual = accrue(fold([entry], [], as_of=RECORDED).entries, NATIONAL)
    assert totals(accrual, "v1", CalendarYear(year=2026)).credited_minutes == 120
    assert totals(accrual, "v1", CalendarYear(year=2027)).credited_minutes == 180
    assert totals(accrual, "v1").credited_minutes == 300


def test_a_zone_whose_offset_has_seconds_starts_each_day_at_its_floored_midnight() -> None:
    """Local midnight at an offset with seconds: the minute holding it starts the new day.

    Monrovia kept -00:44:30 until 1972-01-07. Local midnight of 1972-01-06 is 00:44:30 UTC, and
    day starts are whole UTC minutes, seconds floored (``local_day_start``), so 6 January starts at
    00:44 UTC. Service from 1972-01-05 12:00 to 1972-01-06 12:00 UTC (1,440 minutes) is 764
    minutes on 5 January (12:00-00:44 UTC) and 676 on 6 January (00:44-12:00). The minute
    00:44-00:45 used to be dated 5 January by its first second (23:59:30 local), so the whole
    rest of the service, 6 January included, was dated 5 January: one day of 1,440 minutes under
    a daily cap.
    """
    monrovia = ZoneInfo("Africa/Monrovia")
    start = datetime(1972, 1, 5, 12, tzinfo=UTC)
    end = datetime(1972, 1, 6, 12, tzinfo=UTC)
    slices = split_by_local_day(start, end, monrovia)
    assert [(s.day, s.minutes) for s in slices] == [(date(1972, 1, 5), 764), (date(1972, 1, 6), 676)]
    assert slices[1].start == datetime(1972, 1, 6, 0, 44, tzinfo=UTC)
    capped = AccrualPolicy(name="capped", daily_cap_minutes=600, max_record_minutes=None)
    entry = make_entry("lib", start, end, monrovia)
    days = accrue([initial_state(entry)], capped).days
    assert [(d.day, d.raw_minutes, d.credited_minutes) for d in days] == [
        (date(1972, 1, 5), 764, 600),
        (date(1972, 1, 6), 676, 600),
    ]
