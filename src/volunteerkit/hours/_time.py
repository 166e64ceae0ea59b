"""Instant arithmetic in whole minutes, and local days in a zone of service.

Internally the ledger counts time in *epoch minutes*: the number of whole minutes since
1970-01-01T00:00Z, floored. Every duration is a difference of two epoch minutes, computed from UTC
instants, so a 23- or 25-hour local day, a 30-minute daylight-saving shift or a +05:45 offset never
enters the arithmetic. Local calendar days come from :mod:`zoneinfo` only when an interval is split
at local midnight.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "EPOCH",
    "MINUTE",
    "from_minute",
    "local_date",
    "local_day_start",
    "local_wall_minute",
    "offset_spans",
    "split_minutes_by_day",
    "to_minute",
    "to_utc",
    "year_spans",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def to_minute(instant: datetime) -> int:
    """Return the epoch minute of an aware instant (seconds are floored away).

    Args:
        instant: A timezone-aware datetime.

    Returns:
        Whole minutes since 1970-01-01T00:00Z, rounded towards the past.
    """
    delta = instant - EPOCH  # normalised: days may be negative, 0 <= seconds < 86400
    return (delta.days * 86_400 + delta.seconds) // 60  # == delta // MINUTE, in plain ints


_UTC_MAX = datetime.max.replace(tzinfo=UTC)
_UTC_MIN = datetime.min.replace(tzinfo=UTC)


def to_utc(instant: datetime) -> datetime:
    """Return an aware instant in UTC, clamped to the range of :class:`~datetime.datetime`.

    ``9999-12-31T23:00-05:00`` lies after the last UTC datetime and ``0001-01-01T00:00+05:00``
    before the first; they become that last or first instant instead of raising
    :class:`OverflowError`. For an ``as_of`` this keeps the answer: nothing is dated between them.

    Args:
        instant: A timezone-aware datetime.

    Returns:
        The same instant in UTC, or the nearest end of the range.
    """
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        offset = instant.utcoffset()
        return _UTC_MAX if offset is not None and offset < timedelta(0) else _UTC_MIN


def from_minute(minute: int) -> datetime:
    """Return the UTC instant that starts epoch minute ``minute``.

    Args:
        minute: Whole minutes since 1970-01-01T00:00Z.

    Returns:
        The aware UTC datetime.
    """
    return EPOCH + timedelta(minutes=minute)


_MINUTE_LAST = timedelta(seconds=59, microseconds=999_999)


def local_date(minute: int, zone: ZoneInfo) -> date:
    """Return the local calendar date, in ``zone``, of the epoch minute ``minute``.

    That is the date of the minute's last instant. It is the date of its first instant too,
    except in the minute that holds a local midnight at an offset with seconds (Monrovia's
    -00:44:30, until 1972; local mean times before 1900): that minute starts the new day, as
    :func:`local_day_start` floors the midnight to it, so a day's minutes are exactly those from
    its start to the next day's.

    Args:
        minute: An epoch minute.
        zone: The zone of the place of service.

    Returns:
        The local date.
    """
    return (from_minute(minute) + _MINUTE_LAST).astimezone(zone).date()


@lru_cache(maxsize=65536)
def local_day_start(zone: ZoneInfo, day: date) -> int:
    """Return the epoch minute at which local day ``day`` starts in ``zone``.

    Local midnight is read with ``fold=0``. When midnight does not exist because clocks jump
    forward at midnight, this gives the instant of the jump, which is when the day really starts.

    Args:
        zone: The zone of the place of service.
        day: The local calendar date.

    Returns:
        The epoch minute of the first instant of that day (floored to the minute).
    """
    return to_minute(datetime.combine(day, time(0), tzinfo=zone))


def local_wall_minute(zone: ZoneInfo, day: date, minute_of_day: int) -> int:
    """Return the epoch minute of a local wall-clock time on ``day`` in ``zone``.

    Ambiguous wall times (clocks turned back) take their first occurrence. A wall time that a jump
    forward skips maps to the jump: the first instant whose wall time is not before it (02:30 on
    the morning New York skips 02:00-03:00 is 03:00 EDT). So a window of wall times opens and
    closes where the clock reads inside it. (:mod:`zoneinfo` with ``fold=0`` would give the jump
    plus the time's distance past the gap's start, 03:30 EDT, which reads after 02:30.)

    Args:
        zone: The zone.
        day: The local date.
        minute_of_day: Minutes after local midnight, 0 to 1439.

    Returns:
        The epoch minute.
    """
    wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60), tzinfo=zone)
    after = to_minute(wall)  # fold=0: for a skipped time, an instant after the jump
    before = to_minute(wall.replace(fold=1))  # for a skipped time, an instant before it
    if before >= after:  # the time exists (once, or twice: then fold=0 is the first)
        return after
    offset = from_minute(after).astimezone(zone).utcoffset()
    while (
        after - before > 1
    ):  # the jump lies in (before, after]: the first minute at the new offset
        mid = (before + after) // 2
        if from_minute(mid).astimezone(zone).utcoffset() == offset:
            after = mid
        else:
            before = mid
    return after


def split_minutes_by_day(start: int, end: int, zone: ZoneInfo) -> list[tuple[date, int, int]]:
    """Split the epoch-minute interval ``[start, end)`` at local midnights in ``zone``.

    Args:
        start: First epoch minute.
        end: Epoch minute just after the last one (``end <= start`` gives no parts).
        zone: The zone of the place of service.

    Returns:
        ``(local_date, part_start, part_end)`` triples in time order, non-empty, covering
        ``[start, end)`` exactly.
    """
    parts: list[tuple[date, int, int]] = []
    cur = start
    while cur < end:
        day = local_date(cur, zone)
        nxt_day = day + timedelta(days=1)
        boundary = local_day_start(zone, nxt_day)
        while boundary <= cur:  # a skipped calendar day (e.g. Pacific/Apia, 2011-12-30)
            nxt_day += timedelta(days=1)
            boundary = local_day_start(zone, nxt_day)
        stop = min(boundary, end)
        parts.append((day, cur, stop))
        cur = stop
    return parts


def _offset_seconds(zone: ZoneInfo, minute: int) -> int:
    """The UTC offset of ``zone``, in seconds, at the instant that starts ``minute``."""
    offset = from_minute(minute).astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    return offset.days * 86_400 + offset.seconds


_SAMPLE = 60
"""Minutes between the samples :func:`year_spans` takes. No zone of the tz database changes its
offset twice within an hour: since 1970 the closest two transitions of any zone are 6.9 days apart
(America/Cambridge_Bay, 2000; measured over the 599 zones of tzdata 2025b, see the hours guide)."""


@lru_cache(maxsize=4096)
def year_spans(zone: ZoneInfo, year: int) -> tuple[tuple[int, int, int], ...]:
    """Return the constant-offset spans of ``zone`` over UTC calendar year ``year``.

    Args:
        zone: The zone.
        year: The year, from 1970 on.

    Returns:
        ``(span_start, span_end, offset_seconds)`` triples in time order, covering the year's
        epoch minutes exactly, as :func:`offset_spans` gives them; the first starts, and the last
        ends, at the year's bounds whatever the offset is there.
    """
    lo = to_minute(datetime(year, 1, 1, tzinfo=UTC))
    hi = to_minute(datetime(year + 1, 1, 1, tzinfo=UTC))
    spans: list[tuple[int, int, int]] = []
    begin = here = lo
    offset = _offset_seconds(zone, lo)
    while here < hi:
        probe = min(here + _SAMPLE, hi - 1)
        if probe <= here or _offset_seconds(zone, probe) == offset:
            here = probe if probe > here else hi
            continue
        a, b = here, probe  # offset(a) == offset, offset(b) != offset: find the first change
        while b - a > 1:
            mid = (a + b) // 2
            if _offset_seconds(zone, mid) == offset:
                a = mid
            else:
                b = mid
        spans.append((begin, b, offset))
        begin = here = b
        offset = _offset_seconds(zone, b)
    spans.append((begin, hi, offset))
    return tuple(spans)


def offset_spans(zone: ZoneInfo, start: int, end: int) -> list[tuple[int, int, int]]:
    """Split the epoch-minute interval ``[start, end)`` where the UTC offset of ``zone`` changes.

    The offset of a minute is the offset at the instant that starts it, as :func:`local_date`
    reads it, so inside one span the local date of minute ``m`` is the date of
    ``m + offset // 60`` local minutes (when the offset is a whole number of minutes).

    Args:
        zone: The zone.
        start: First epoch minute (from 1970 on).
        end: Epoch minute just after the last one.

    Returns:
        ``(span_start, span_end, offset_seconds)`` triples in time order, covering
        ``[start, end)`` exactly; neighbours have different offsets. Empty when ``end <= start``.
    """
    if end <= start:
        return []
    first = from_minute(start).year
    last = from_minute(end - 1).year
    merged: list[tuple[int, int, int]] = []
    for year in range(first, last + 1):
        for a, b, offset in year_spans(zone, year):
            a, b = max(a, start), min(b, end)
            if a >= b:
                continue
            if merged and merged[-1][2] == offset and merged[-1][1] == a:
                merged[-1] = (merged[-1][0], b, offset)
            else:
                merged.append((a, b, offset))
    return merged
