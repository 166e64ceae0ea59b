"""Birth-date checks on ``YYYYMMDD`` strings, without ``datetime`` objects on the fast path.

"Today" comes only from a :class:`~volunteerkit.Clock` the caller passes; it is the calendar date
the clock's instant shows in China Standard Time (UTC+08:00, the offset of ``Asia/Shanghai``,
``Asia/Hong_Kong``, ``Asia/Macau`` and ``Asia/Taipei`` for every instant since 1992). One fixed
offset is used for every scheme, the MRZ included, so that a number's validity never depends on
the machine's time-zone database. Without a clock there is no "today" and no future-date check.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final

from volunteerkit._clock import Clock, require_aware
from volunteerkit.errors import InvalidInputError
from volunteerkit.registry.identity._errors import bad_birth_date, future_birth_date

__all__ = [
    "CHINA_STANDARD_TIME",
    "MIN_BIRTH",
    "check_birth",
    "check_clock",
    "is_real_date",
    "to_date",
    "today",
]

CHINA_STANDARD_TIME: Final = timezone(timedelta(hours=8), "CST")
"""The zone whose calendar date is "today" for every scheme."""

MIN_BIRTH: Final = "18000101"
"""Earliest birth date accepted. GB 11643 sets no bound; implementations use 1800 or 1900, and
1800 refuses only nonsense (year 0001) without refusing any real person."""

_DAYS_IN_MONTH: Final = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_DAYS: Final = frozenset(
    f"{month:02d}{day:02d}"
    for month in range(1, 13)
    for day in range(1, _DAYS_IN_MONTH[month - 1] + 1)
)


_ONE_DAY: Final = timedelta(days=1)
# (start, end, "YYYYMMDD") of the last China-Standard-Time day computed, bounds in UTC. A batch
# validated with one clock asks for the same day again and again; two aware comparisons beat a
# time-zone conversion. Replacing the tuple is atomic, so threads at worst recompute it.
_last_day: tuple[datetime, datetime, str] = (
    datetime.max.replace(tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
    "",
)


def check_clock(clock: object) -> None:
    """Refuse what cannot be a clock, before a scheme asks it for the time.

    Args:
        clock: What the caller passed as ``clock``.

    Raises:
        InvalidInputError: ``identity.clock`` at ``$.clock`` unless ``clock`` is ``None`` or has
            a ``now()`` method (a ``datetime`` or ``date``, whose ``now()`` is the class's, is
            refused: pass a :class:`~volunteerkit.FixedClock` of it).
    """
    if clock is not None and (isinstance(clock, date) or not callable(getattr(clock, "now", None))):
        raise InvalidInputError(
            "clock must be a Clock (such as SystemClock() or FixedClock(...)) or None",
            "clock 必须是 Clock(例如 SystemClock() 或 FixedClock(...))或 None",
            code="identity.clock",
            path="$.clock",
        )


def today(clock: Clock | None) -> str | None:
    """Return the clock's date in China Standard Time as ``YYYYMMDD``, or ``None`` without a clock.

    Args:
        clock: The caller's clock, or ``None``.

    Returns:
        ``"20261128"``-style text, comparable with birth dates as strings.

    Raises:
        InvalidInputError: ``identity.clock`` if ``clock`` is not a clock.
        NaiveDatetimeError: If the clock returns a naive datetime.
    """
    global _last_day
    if clock is None:
        return None
    check_clock(clock)
    now = require_aware(clock.now(), "$.clock")
    start, end, ymd = _last_day
    if start <= now < end:
        return ymd
    day = now.astimezone(CHINA_STANDARD_TIME).date()
    # Bounds in UTC: comparing datetimes that share a tzinfo object is ~40x faster than across
    # zones, and clocks answer in UTC (SystemClock always does).
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA_STANDARD_TIME).astimezone(UTC)
    ymd = f"{day.year:04d}{day.month:02d}{day.day:02d}"
    _last_day = (start, start + _ONE_DAY, ymd)
    return ymd


def is_real_date(ymd: str) -> bool:
    """Return whether eight ASCII digits ``YYYYMMDD`` form a real Gregorian date (year >= 1).

    Args:
        ymd: Eight ASCII digits.

    Returns:
        ``True`` for ``20000229``, ``False`` for ``19000229`` or ``19911301``.
    """
    month_day = ymd[4:]
    if month_day not in _MONTH_DAYS or ymd[:4] == "0000":
        return False
    if month_day == "0229":
        year = int(ymd[:4])
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


def check_birth(ymd: str, today_ymd: str | None) -> None:
    """Refuse a birth date that is not real, is before 1800, or (with a clock) is after today.

    Args:
        ymd: Eight ASCII digits ``YYYYMMDD``.
        today_ymd: Today as ``YYYYMMDD`` (see :func:`today`), or ``None`` to skip the future check.

    Raises:
        InvalidComponent: ``identity.component.birth_date`` or
            ``identity.component.future_birth_date``.
    """
    if ymd < MIN_BIRTH or not is_real_date(ymd):
        raise bad_birth_date()
    if today_ymd is not None and ymd > today_ymd:
        raise future_birth_date()


def to_date(ymd: str) -> date:
    """Build the :class:`~datetime.date` of a checked ``YYYYMMDD`` string.

    Args:
        ymd: Eight ASCII digits that passed :func:`is_real_date`.

    Returns:
        The date.
    """
    return date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
