"""A broken third-party ``tzinfo`` is a typed error, never the exception it raised.

``require_aware`` is the check every model and service runs on a datetime; ``today_in`` gives
the local date of the clock's instant (certificates, ages). Python's ``datetime.utcoffset``
refuses an offset of a day or more (``ValueError``) or of a wrong type (``TypeError``), and a
``tzinfo`` may raise anything itself: each of these used to escape as it was.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest

from volunteerkit import FixedClock
from volunteerkit._clock import require_aware, today_in
from volunteerkit.errors import InvalidInputError, NaiveDatetimeError


class _Raising(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta:
        raise RuntimeError("a zone database that is not there")

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


class _Returning(tzinfo):
    def __init__(self, offset: object) -> None:
        self.offset = offset

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self.offset  # type: ignore[return-value]

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


@pytest.mark.parametrize(
    "zone",
    [_Raising(), _Returning(timedelta(hours=30)), _Returning("+08:00"), _Returning(8)],
    ids=["raises", "30-hours", "text", "int"],
)
def test_a_zone_that_gives_no_valid_offset_is_a_typed_error(zone: tzinfo) -> None:
    with pytest.raises(InvalidInputError) as info:
        require_aware(datetime(2026, 6, 1, 9, tzinfo=zone), "$.start")
    assert (info.value.code, info.value.path) == ("time.invalid_offset", "$.start")
    assert info.value.__context__ is None  # nothing the tzinfo raised rides along


def test_a_zone_that_gives_no_offset_is_naive_and_a_good_one_passes() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        require_aware(datetime(2026, 6, 1, 9, tzinfo=_Returning(None)), "$.start")
    assert (info.value.code, info.value.path) == ("time.naive_datetime", "$.start")
    fine = datetime(2026, 6, 1, 9, tzinfo=_Returning(timedelta(hours=5, minutes=45)))
    assert require_aware(fine) is fine


@pytest.mark.parametrize(
    ("zone", "at", "code"),
    [
        (_Raising(), datetime(2026, 6, 1, tzinfo=UTC), "time.invalid_offset"),
        (_Returning(None), datetime(2026, 6, 1, tzinfo=UTC), "time.invalid_offset"),
        ("Asia/Shanghai", datetime(2026, 6, 1, tzinfo=UTC), "time.invalid_offset"),
        (timezone(timedelta(hours=5)), datetime.max.replace(tzinfo=UTC), "time.out_of_range"),
        (timezone(timedelta(hours=-5)), datetime.min.replace(tzinfo=UTC), "time.out_of_range"),
    ],
    ids=["raises", "no-offset", "text", "after-9999", "before-1"],
)
def test_today_in_a_zone_with_no_local_date_is_a_typed_error(
    zone: object, at: datetime, code: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        today_in(FixedClock(at), zone)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == (code, "$.zone")
    assert info.value.__context__ is None


def test_today_in_gives_the_local_date() -> None:
    """23:30 UTC on 31 December is 1 January in Kathmandu (+05:45), still 31 December at -05:00."""
    clock = FixedClock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert today_in(clock, timezone(timedelta(hours=5, minutes=45))) == date(2027, 1, 1)
    assert today_in(clock, timezone(timedelta(hours=-5))) == date(2026, 12, 31)
