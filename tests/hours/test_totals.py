"""Windows (lifetime, calendar year, rolling months, date range) and totals with breakdowns."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

from volunteerkit import structure, to_json, unstructure
from volunteerkit._serialization import loads
from volunteerkit.errors import SerializationError
from volunteerkit.hours import (
    LIFETIME,
    NATIONAL,
    CalendarYear,
    DateRange,
    InvalidWindow,
    Minutes,
    RollingMonths,
    Window,
    accrue,
    fold,
    structure_window,
    totals,
    totals_by_volunteer,
)

from .strategies import RECORDED, make_entry, windows

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("months", "ending", "first"),
    [
        (12, date(2024, 2, 29), date(2023, 3, 1)),  # 2023-02-28 (clamped) + 1 day
        (12, date(2023, 2, 28), date(2022, 3, 1)),
        (12, date(2024, 2, 28), date(2023, 3, 1)),  # same start as ending on the 29th
        (1, date(2024, 3, 31), date(2024, 3, 1)),  # 2024-02-29 (clamped) + 1
        (1, date(2024, 3, 30), date(2024, 3, 1)),  # 2024-02-29 (clamped) + 1
        (1, date(2024, 3, 29), date(2024, 3, 1)),  # 2024-02-29 + 1
        (1, date(2024, 3, 28), date(2024, 2, 29)),  # 2024-02-28 + 1
        (3, date(2024, 5, 31), date(2024, 3, 1)),  # 2024-02-29 (clamped) + 1
        (12, date(2024, 12, 31), date(2024, 1, 1)),
    ],
)
def test_rolling_months_month_end(months: int, ending: date, first: date) -> None:
    """A rolling window starts the day after ``ending - N months`` (month ends clamp)."""
    window = RollingMonths(months=months, ending=ending)
    assert (window.first, window.last) == (first, ending)
    assert window.contains(first)
    assert window.contains(ending)
    assert not window.contains(date.fromordinal(first.toordinal() - 1))


def test_rolling_12_months_ending_on_leap_day_totals() -> None:
    """Rolling 12 months ending on a leap day excludes the same day a year before.

    Service on 2023-02-28, 2023-03-01 and 2024-02-29: the 12 months ending 2024-02-29 hold
    the last two (60 + 60 minutes), not the first.
    """
    entries = [
        make_entry(str(i), datetime(y, m, d, 9, tzinfo=SH), datetime(y, m, d, 10, tzinfo=SH), SH)
        for i, (y, m, d) in enumerate([(2023, 2, 28), (2023, 3, 1), (2024, 2, 29)])
    ]
    accrual = accrue(fold(entries, [], as_of=RECORDED).entries, NATIONAL)
    window = RollingMonths(months=12, ending=date(2024, 2, 29))
    assert totals(accrual, "v1", window).credited_minutes == 120
    assert list(totals(accrual, "v1", window).by_day) == [date(2023, 3, 1), date(2024, 2, 29)]


def test_windows_validate_their_bounds() -> None:
    """A range ending before it starts, or a zero-month window, is refused with a path."""
    with pytest.raises(InvalidWindow) as info:
        DateRange(first=date(2026, 2, 1), last=date(2026, 1, 31))
    assert info.value.path == "$.last"
    with pytest.raises(InvalidWindow) as info:
        RollingMonths(months=0, ending=date(2026, 1, 1))
    assert info.value.path == "$.months"
    with pytest.raises(InvalidWindow) as info:
        RollingMonths(months=24, ending=date(1, 6, 1))
    assert (info.value.code, info.value.path) == ("hours.window.invalid", "$.months")


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (lambda: RollingMonths(months=1, ending=datetime(2024, 3, 31)), "$.ending"),
        (lambda: DateRange(first=datetime(2024, 3, 1), last=date(2024, 3, 31)), "$.first"),
        (lambda: DateRange(first=date(2024, 3, 1), last=datetime(2024, 3, 31)), "$.last"),
    ],
)
def test_window_bounds_must_be_dates_not_datetimes(make, path) -> None:
    """A datetime bound is refused with its path (it used to raise a bare TypeError later).

    ``datetime`` subclasses ``date`` but cannot be compared with one, so such a window failed
    only when a total compared it with a local date of service.
    """
    with pytest.raises(InvalidWindow) as info:
        make()
    assert (info.value.code, info.value.path) == ("hours.window.invalid", path)


def test_calendar_year_and_date_range_bounds() -> None:
    """Calendar years run 1 Jan to 31 Dec; date ranges include both ends."""
    year = CalendarYear(year=2026)
    assert (year.first, year.last) == (date(2026, 1, 1), date(2026, 12, 31))
    rng = DateRange(first=date(2026, 5, 1), last=date(2026, 5, 1))
    assert rng.contains(date(2026, 5, 1))
    assert not rng.contains(date(2026, 5, 2))
    assert LIFETIME.contains(date(1, 1, 1))
    assert LIFETIME.first is None


@given(windows())
def test_windows_round_trip(window: Window) -> None:
    """Every window round-trips through its class and the tagged ``Window`` union."""
    assert structure(unstructure(window), type(window)) == window
    assert structure_window(loads(to_json(window))) == window


def test_unknown_window_kind_is_refused() -> None:
    """An unknown ``kind`` is a SerializationError at ``$.kind``."""
    with pytest.raises(SerializationError) as info:
        structure_window({"kind": "fortnight"})
    assert info.value.path == "$.kind"


def test_breakdowns_by_organization_category_and_day_add_up() -> None:
    """Breakdowns by organization, category and day add up to the total.

    Three entries over two organizations, two categories and two days: each breakdown sums
    to the total (60 + 120 + 90 = 270).
    """

    def on(day: int, h1: int, m1: int, h2: int, m2: int) -> tuple[datetime, datetime]:
        return datetime(2026, 5, day, h1, m1, tzinfo=SH), datetime(2026, 5, day, h2, m2, tzinfo=SH)

    entries = [
        make_entry("a", *on(1, 9, 0, 10, 0), SH, organization="org-a", category="elderly"),
        make_entry("b", *on(1, 14, 0, 16, 0), SH, organization="org-b", category="elderly"),
        make_entry("c", *on(2, 9, 0, 10, 30), SH, organization="org-a", category="community"),
    ]
    accrual = accrue(fold(entries, [], as_of=RECORDED).entries, NATIONAL)
    result = totals(accrual, "v1")
    assert result.total == Minutes(raw=270, credited=270, weighted=Decimal(270))
    assert {k: v.credited for k, v in result.by_organization.items()} == {
        "org-a": 150,
        "org-b": 120,
    }
    assert {k: v.credited for k, v in result.by_category.items()} == {
        "community": 90,
        "elderly": 180,
    }
    assert {k: v.credited for k, v in result.by_day.items()} == {
        date(2026, 5, 1): 180,
        date(2026, 5, 2): 90,
    }
    may_first = totals(accrual, "v1", DateRange(first=date(2026, 5, 1), last=date(2026, 5, 1)))
    assert may_first.credited_minutes == 180


def test_totals_of_an_unknown_volunteer_are_zero() -> None:
    """A volunteer without credit has zero totals and empty breakdowns."""
    accrual = accrue([], NATIONAL)
    result = totals(accrual, "nobody", CalendarYear(year=2026))
    assert (result.credited_minutes, result.raw_minutes, result.weighted_minutes) == (
        0,
        0,
        Decimal(0),
    )
    assert result.by_day == {}
    assert totals_by_volunteer(accrual) == {}


def test_totals_by_volunteer_lists_each_volunteer() -> None:
    """``totals_by_volunteer`` returns one Totals per volunteer, sorted by id."""
    entries = [
        make_entry(
            "1",
            datetime(2026, 5, 1, 9, tzinfo=SH),
            datetime(2026, 5, 1, 10, tzinfo=SH),
            SH,
            volunteer="v2",
        ),
        make_entry(
            "2",
            datetime(2026, 5, 1, 9, tzinfo=SH),
            datetime(2026, 5, 1, 11, tzinfo=SH),
            SH,
            volunteer="v1",
        ),
    ]
    result = totals_by_volunteer(accrue(fold(entries, [], as_of=RECORDED).entries, NATIONAL))
    assert list(result) == ["v1", "v2"]
    assert (result["v1"].credited_minutes, result["v2"].credited_minutes) == (120, 60)
