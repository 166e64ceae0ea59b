"""Stretches of constant UTC offset (``offset_spans``), which the SQL stores split local days with.

The transition instants below are the 2026 rules of the tz database, converted to UTC by hand:
New York changes at 02:00 local (EST -5 -> EDT -4 on 8 March: 07:00Z; EDT -> EST on 1 November:
06:00Z); Lord Howe moves by 30 minutes at 02:00 local (LHDT +11 -> LHST +10:30 on 5 April, i.e.
4 April 15:00Z; LHST -> LHDT on 4 October, i.e. 3 October 15:30Z); Samoa skipped 30 December 2011
(-10 -> +14 at 2011-12-30T10:00Z, the end of 29 December local).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.hours._time import from_minute, local_wall_minute, offset_spans, to_minute
from volunteerkit.testing.strategies_hours import ZONES


def _m(*args: int) -> int:
    return to_minute(datetime(*args, tzinfo=UTC))  # type: ignore[misc]


def test_new_york_2026_has_three_spans() -> None:
    spans = offset_spans(ZoneInfo("America/New_York"), _m(2026, 1, 1), _m(2027, 1, 1))
    assert spans == [
        (_m(2026, 1, 1), _m(2026, 3, 8, 7), -5 * 3600),
        (_m(2026, 3, 8, 7), _m(2026, 11, 1, 6), -4 * 3600),
        (_m(2026, 11, 1, 6), _m(2027, 1, 1), -5 * 3600),
    ]


def test_lord_howe_moves_by_half_an_hour() -> None:
    spans = offset_spans(ZoneInfo("Australia/Lord_Howe"), _m(2026, 3, 1), _m(2026, 12, 1))
    assert spans == [
        (_m(2026, 3, 1), _m(2026, 4, 4, 15), 11 * 3600),
        (_m(2026, 4, 4, 15), _m(2026, 10, 3, 15, 30), 10 * 3600 + 1800),
        (_m(2026, 10, 3, 15, 30), _m(2026, 12, 1), 11 * 3600),
    ]


def test_fixed_offsets_and_a_new_year_make_one_span() -> None:
    """Kathmandu (+05:45) across 2025-2027: one span, years merged."""
    start, end = _m(2025, 6, 1), _m(2027, 6, 1)
    assert offset_spans(ZoneInfo("Asia/Kathmandu"), start, end) == [(start, end, 5 * 3600 + 2700)]


def test_samoa_skips_a_day() -> None:
    spans = offset_spans(ZoneInfo("Pacific/Apia"), _m(2011, 12, 29), _m(2011, 12, 31))
    assert spans == [
        (_m(2011, 12, 29), _m(2011, 12, 30, 10), -10 * 3600),
        (_m(2011, 12, 30, 10), _m(2011, 12, 31), 14 * 3600),
    ]


def test_empty_interval() -> None:
    assert offset_spans(ZoneInfo("UTC"), 100, 100) == []
    assert offset_spans(ZoneInfo("UTC"), 100, 50) == []


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from([*ZONES, "Pacific/Apia", "America/Sao_Paulo", "Europe/Dublin"]),
    start=st.integers(0, 60 * 24 * 366 * 60),
    length=st.integers(1, 60 * 24 * 800),
    probes=st.lists(st.integers(0, 10**9), min_size=1, max_size=20),
)
def test_spans_cover_the_interval_with_the_offset_of_every_minute(
    zone: str, start: int, length: int, probes: list[int]
) -> None:
    """Spans tile the interval, neighbours differ, and every probed minute has its span's offset.

    The boundaries of each span are probed too: the first and last minute of each span, and the
    minutes just outside it, where the offset must differ.
    """
    tz = ZoneInfo(zone)
    end = start + length
    spans = offset_spans(tz, start, end)

    def offset(minute: int) -> int:
        value = from_minute(minute).astimezone(tz).utcoffset()
        assert value is not None
        return int(value / timedelta(seconds=1))

    assert spans[0][0] == start and spans[-1][1] == end
    for (_, b, o1), (a, _, o2) in pairwise(spans):
        assert b == a and o1 != o2
    for a, b, off in spans:
        assert a < b
        assert offset(a) == off and offset(b - 1) == off
        for p in probes:
            assert offset(a + p % (b - a)) == off


_TRANSITION_DAYS = [  # (zone, local day of a 2026 change, or Samoa's skipped day), early hours
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Europe/Berlin", date(2026, 3, 29)),
    ("Europe/Berlin", date(2026, 10, 25)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),
    ("Australia/Lord_Howe", date(2026, 10, 4)),
    ("Pacific/Chatham", date(2026, 4, 5)),
    ("Pacific/Chatham", date(2026, 9, 27)),
    ("America/St_Johns", date(2026, 3, 8)),
    ("Pacific/Apia", date(2011, 12, 30)),
]


@settings(max_examples=400)
@given(
    case=st.tuples(
        st.sampled_from([*ZONES, "Pacific/Apia"]),
        st.dates(min_value=date(2011, 12, 28), max_value=date(2027, 12, 31)),
        st.integers(0, 1439),
    )
    | st.tuples(st.sampled_from(_TRANSITION_DAYS), st.integers(0, 300)).map(
        lambda t: (*t[0], t[1])
    ),
)
def test_a_wall_time_maps_to_the_first_minute_the_clock_reads_it_or_later(
    case: tuple[str, date, int],
) -> None:
    """``local_wall_minute`` is the first instant whose local clock reads the time or later.

    The clock there reads at least the time, and the minute before reads less: an ambiguous time
    takes its first occurrence, and a skipped one the jump (02:30 on a morning New York skips
    02:00-03:00 is 03:00 EDT, and any time of 30 December 2011 in Samoa is 31 December 00:00).
    """
    key, day, minute_of_day = case
    zone = ZoneInfo(key)
    wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60))
    m = local_wall_minute(zone, day, minute_of_day)
    assert from_minute(m).astimezone(zone).replace(tzinfo=None) >= wall
    assert from_minute(m - 1).astimezone(zone).replace(tzinfo=None) < wall


def test_skipped_wall_times_map_to_the_jump() -> None:
    """Exact instants: the jump, not the jump plus the time's distance past the gap's start."""
    ny, lh = ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")
    assert local_wall_minute(ny, date(2026, 3, 8), 150) == _m(2026, 3, 8, 7)  # 02:30 -> 03:00 EDT
    assert local_wall_minute(ny, date(2026, 3, 8), 180) == _m(2026, 3, 8, 7)  # 03:00 EDT itself
    assert local_wall_minute(ny, date(2026, 11, 1), 90) == _m(2026, 11, 1, 5, 30)  # first 01:30
    assert local_wall_minute(lh, date(2026, 10, 4), 135) == _m(2026, 10, 3, 15, 30)  # 02:15
