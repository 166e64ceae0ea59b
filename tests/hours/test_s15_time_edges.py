"""Time edges found in session 15: calendar limits of back-fill deadlines and rolling windows.

Expected values are worked out by hand from the UTC instants in the comments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.hours import BackfillDeadline, RollingMonths
from volunteerkit.hours.errors import InvalidEntry, InvalidWindow

NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
EST = timezone(timedelta(hours=-5))


def test_backfill_last_day_of_service_ending_past_the_last_utc_instant_is_date_max() -> None:
    """9999-12-31T23:00-05:00 is 10000-01-01T04:00Z: no datetime in UTC, but a local date.

    Its last minute, 22:59 EST on 9999-12-31, is the last local date; a month after it lies past
    the calendar, so the last day is ``date.max`` and recording is never too late.
    """
    end = datetime(9999, 12, 31, 23, 0, tzinfo=EST)
    assert BackfillDeadline(months=1).last_day(end, NY) == date.max
    assert BackfillDeadline(days=0).last_day(end, NY) == date.max
    assert BackfillDeadline(months=1).deadline(end, NY) == datetime.max.replace(tzinfo=UTC)


def test_backfill_last_day_near_year_one_east_of_utc() -> None:
    """0001-01-01T00:01Z: the last minute starts at 00:00Z, 09:18:59 on 0001-01-01 in Tokyo (LMT)."""
    end = datetime(1, 1, 1, 0, 1, tzinfo=UTC)
    assert BackfillDeadline(months=1).last_day(end, TOKYO) == date(1, 2, 1)


@pytest.mark.parametrize(
    "end",
    [
        datetime(1, 1, 1, 0, 0, tzinfo=UTC),  # last minute 0000-12-31T23:59Z: not a datetime
        datetime(1, 1, 1, 3, 0, tzinfo=UTC),  # last minute 02:59Z is 21:59 on 0000-12-31 in NY
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5))),  # 0000-12-31T19:00Z
    ],
)
def test_backfill_of_service_ending_before_year_one_locally_is_refused_typed(
    end: datetime,
) -> None:
    """No local date of service exists to count from: a typed refusal, not an OverflowError."""
    for call in (BackfillDeadline(months=1).last_day, BackfillDeadline(days=3).deadline):
        with pytest.raises(InvalidEntry) as info:
            call(end, NY)
        assert (info.value.code, info.value.path) == ("hours.out_of_range", "$.end")


@pytest.mark.parametrize(
    ("months", "ending"),
    [
        (1, date(1, 1, 31)),  # 0001-01-31 - 1 month = 0000-12-31: the window is all of January
        (12, date(1, 12, 31)),  # 0001-12-31 - 12 months = 0000-12-31: the whole year 1
        (13, date(2, 1, 31)),  # 0002-01-31 - 13 months = 0000-12-31
    ],
)
def test_rolling_months_may_start_on_the_first_day_of_the_calendar(
    months: int, ending: date
) -> None:
    """A window whose day before is 0000-12-31 starts on 0001-01-01; it is not refused."""
    window = RollingMonths(months=months, ending=ending)
    assert window.first == date(1, 1, 1)
    assert window.contains(date(1, 1, 1))
    assert (window.last - window.first).days + 1 == (ending - date(1, 1, 1)).days + 1


@pytest.mark.parametrize(
    ("months", "ending"),
    [
        (1, date(1, 1, 30)),  # 0000-12-30: the window would start on 0000-12-31
        (2, date(1, 1, 31)),  # 0000-11-30
        (1, date(1, 1, 1)),  # 0000-12-01
    ],
)
def test_rolling_months_starting_before_year_one_is_refused(months: int, ending: date) -> None:
    with pytest.raises(InvalidWindow) as info:
        RollingMonths(months=months, ending=ending)
    assert (info.value.code, info.value.path) == ("hours.window.invalid", "$.months")
