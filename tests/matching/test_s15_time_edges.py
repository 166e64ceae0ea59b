"""Time edges found in session 15: weekly availability windows on spring-forward days.

A window holds the instants at which the volunteer's clock reads inside it. The expected values
are checked against a brute-force count, minute by minute, of the local wall times (written here,
not taken from the code under test), and worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.matching import available_minutes
from volunteerkit.matching.models import Availability, WeeklyWindow

BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
APIA = ZoneInfo("Pacific/Apia")


def _brute(zone: ZoneInfo, weekday: int, first: int, last: int, lo: datetime, hi: datetime) -> int:
    """Minutes of [lo, hi) whose wall time in ``zone`` is on ``weekday`` within [first, last)."""
    count = 0
    at = lo
    while at < hi:
        wall = at.astimezone(zone)
        of_day = wall.hour * 60 + wall.minute
        if wall.weekday() == weekday and first <= of_day < last:
            count += 1
        at += timedelta(minutes=1)
    return count


CASES = [
    # Berlin skips 02:00-03:00 on Sunday 2026-03-29 (01:00Z). 00:00-02:30 reads inside from
    # 23:00Z (28th) to the jump at 01:00Z: 120 minutes (not 150: 02:30 is not 03:30 CEST).
    (BERLIN, 6, 0, 150, datetime(2026, 3, 28, tzinfo=UTC), 120),
    # 02:30-04:00 reads inside from the jump (03:00 CEST, 01:00Z) to 04:00 CEST (02:00Z): 60.
    (BERLIN, 6, 150, 240, datetime(2026, 3, 28, tzinfo=UTC), 60),
    # New York skips 02:00-03:00 on Sunday 2026-03-08: 02:15-02:45 never shows on the clock.
    (NY, 6, 135, 165, datetime(2026, 3, 7, tzinfo=UTC), 0),
    # Lord Howe goes from 02:00 +10:30 to 02:30 +11 on Sunday 2026-10-04 (15:30Z on the 3rd):
    # 02:10-03:00 reads inside from the jump to 03:00 +11 (16:00Z): 30 minutes.
    (LORD_HOWE, 6, 130, 180, datetime(2026, 10, 2, tzinfo=UTC), 30),
    # Apia skipped Friday 2011-12-30 (Thursday 23:59:59 -10 was followed by Saturday 00:00 +14):
    # a Friday 09:00-17:00 window has no instant that week (it did not move to Saturday).
    (APIA, 4, 540, 1020, datetime(2011, 12, 29, tzinfo=UTC), 0),
]


@pytest.mark.parametrize(("zone", "weekday", "first", "last", "lo", "expected"), CASES)
def test_window_bound_in_a_spring_forward_gap_falls_at_the_jump(
    zone: ZoneInfo, weekday: int, first: int, last: int, lo: datetime, expected: int
) -> None:
    hi = lo + timedelta(days=3)
    availability = Availability(
        zone=zone,
        weekly=(WeeklyWindow(weekday=weekday, start_minute=first, end_minute=last),),
    )
    assert _brute(zone, weekday, first, last, lo, hi) == expected
    assert available_minutes(availability, lo, hi) == expected


def test_shift_after_the_jump_is_fully_available_in_a_window_opening_in_the_gap() -> None:
    """03:00-04:00 CEST on 2026-03-29 (01:00Z-02:00Z) lies in a Sunday 02:30-04:00 window."""
    availability = Availability(
        zone=BERLIN, weekly=(WeeklyWindow(weekday=6, start_minute=150, end_minute=240),)
    )
    start = datetime.combine(datetime(2026, 3, 29).date(), time(3), tzinfo=BERLIN)
    assert start.astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert available_minutes(availability, start, start + timedelta(hours=1)) == 60
