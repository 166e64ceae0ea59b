"""Clocks: the only way volunteerkit learns what time it is.

Nothing in the library reads the system clock or the local time zone implicitly. Functions that need
"now" take a ``now``/``as_of`` argument or a :class:`Clock`. :class:`SystemClock` is the one place that
reads the real time, and it always answers in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol, runtime_checkable

import attrs

from volunteerkit.errors import InvalidInputError, NaiveDatetimeError

__all__ = [
    "Clock",
    "FixedClock",
    "SystemClock",
    "as_utc",
    "optional_as_utc",
    "require_aware",
    "require_instant",
    "today_in",
]


@runtime_checkable
class Clock(Protocol):
    """Something that says what instant it is."""

    def now(self) -> datetime:
        """Return the current instant as a timezone-aware datetime."""
        ...


class SystemClock:
    """The real clock, in UTC. Use it at the edge of an application, never inside domain logic."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        """Return ``SystemClock()``."""
        return "SystemClock()"


@attrs.define
class FixedClock:
    """A clock that stands still until told to move; for tests, replays and examples.

    Args:
        instant: The instant the clock shows. Must be timezone-aware.

    Raises:
        NaiveDatetimeError: If ``instant`` is naive.
    """

    instant: datetime = attrs.field()

    @instant.validator
    def _check(self, _attribute: attrs.Attribute[datetime], value: datetime) -> None:
        require_aware(value, "$.instant")

    def now(self) -> datetime:
        """Return the fixed instant."""
        return self.instant

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward (or back, with a negative delta) and return the new instant.

        Args:
            delta: How far to move.

        Returns:
            The new instant.
        """
        self.instant = self.instant + delta
        return self.instant

    def set(self, instant: datetime) -> None:
        """Set the clock to ``instant``.

        Args:
            instant: The new, timezone-aware instant.

        Raises:
            NaiveDatetimeError: If ``instant`` is naive.
        """
        require_aware(instant, "$.instant")
        self.instant = instant


def require_aware(value: datetime, path: str = "$") -> datetime:
    """Return ``value`` if it is timezone-aware; refuse it otherwise.

    Args:
        value: The datetime to check.
        path: The field path to report on failure.

    Returns:
        ``value`` unchanged.

    Raises:
        InvalidInputError: ``time.not_datetime`` if ``value`` is not a datetime at all (a
            :class:`~datetime.date`, text, a number); ``time.invalid_offset`` if its time zone
            fails to give an offset (a ``tzinfo`` whose ``utcoffset`` raises, or returns
            something other than a ``timedelta`` strictly within a day).
        NaiveDatetimeError: If ``value`` has no time zone (or its zone gives no offset).
    """
    if not isinstance(value, datetime):
        raise InvalidInputError(
            "expected a timezone-aware datetime",
            "应为带时区的日期时间",
            code="time.not_datetime",
            path=path,
        )
    if value.tzinfo is None:
        raise NaiveDatetimeError(path=path)
    offset: timedelta | None = None
    broken = False
    try:
        offset = value.utcoffset()  # checks the type and range of what the tzinfo returns
    except Exception:  # a third-party tzinfo may raise anything
        broken = True
    if broken:  # raised outside the handler: what the tzinfo raised may quote anything
        raise InvalidInputError(
            "the datetime's time zone gives no valid UTC offset",
            "该日期时间的时区无法给出有效的 UTC 偏移",
            code="time.invalid_offset",
            path=path,
        )
    if offset is None:
        raise NaiveDatetimeError(path=path)
    return value


def require_instant(value: datetime, path: str = "$") -> datetime:
    """Return ``value`` if it is timezone-aware and its instant has a datetime in UTC.

    A store keeps instants (SQLite as microseconds since 1970 in UTC, PostgreSQL as
    ``timestamptz``) and gives them back in UTC, so ``0001-01-01T00:00+05:00`` (the last day of
    year 0 in UTC) could be written but not read back.

    Args:
        value: The datetime to check.
        path: The field path to report on failure.

    Returns:
        ``value`` unchanged.

    Raises:
        InvalidInputError: ``time.not_datetime`` (see :func:`require_aware`), or
            ``time.out_of_range`` if the instant lies before 0001-01-01 or after 9999-12-31 in UTC.
        NaiveDatetimeError: If ``value`` is naive.
    """
    require_aware(value, path)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise InvalidInputError(
            "the instant must lie between 0001-01-01 and 9999-12-31 in UTC",
            "时间必须在 UTC 的 0001-01-01 至 9999-12-31 之间",
            code="time.out_of_range",
            path=path,
        ) from None
    return value


def as_utc(value: datetime) -> datetime:
    """Return an aware datetime as its instant in UTC; anything else unchanged (an attrs converter).

    Models keep instants in UTC because that is what the SQL stores give back: an aware datetime
    in a fall-back fold (01:30 EST, ``fold=1``) never equals a datetime in another zone, not even
    its own instant in UTC, so a record kept in its zone would not equal itself read back. What is
    not an aware datetime in range passes through for the field's validator to refuse.

    Args:
        value: The value given for the field.

    Returns:
        ``value`` in UTC, or ``value`` itself.
    """
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:
            if value.utcoffset() is not None:
                return value.astimezone(UTC)
        except OverflowError:  # the validator reports time.out_of_range
            pass
    return value


def optional_as_utc(value: datetime | None) -> datetime | None:
    """:func:`as_utc` for a field that may be ``None``.

    Args:
        value: The value given for the field.

    Returns:
        ``value`` in UTC, or ``value`` itself.
    """
    return None if value is None else as_utc(value)


def today_in(clock: Clock, zone: tzinfo) -> date:
    """Return the calendar date the clock shows in ``zone``.

    Args:
        clock: The clock to read.
        zone: The zone whose calendar to use (for example ``ZoneInfo("Asia/Shanghai")``).

    Returns:
        The local date in ``zone``.

    Raises:
        NaiveDatetimeError: If the clock answers with a naive datetime (``astimezone`` would read
            it in the system's time zone).
        InvalidInputError: ``time.invalid_offset`` (see :func:`require_aware`) at ``$.clock``, or
            at ``$.zone`` if ``zone`` gives no valid offset for the clock's instant;
            ``time.out_of_range`` at ``$.zone`` if the local date lies outside the calendar.
    """
    now = require_aware(clock.now(), "$.clock")
    if not isinstance(zone, tzinfo):
        raise InvalidInputError(
            "expected a time zone", "应为时区", code="time.invalid_offset", path="$.zone"
        )
    local: datetime | None = None
    failed = "time.invalid_offset"
    try:
        local = now.astimezone(zone)
    except OverflowError:
        failed = "time.out_of_range"
    except Exception:  # a third-party tzinfo may raise anything
        pass
    if local is None:  # raised outside the handler, as in require_aware
        raise InvalidInputError(
            "the clock's instant has no local date in this time zone",
            "该时刻在此时区没有本地日期",
            code=failed,
            path="$.zone",
        )
    return local.date()
