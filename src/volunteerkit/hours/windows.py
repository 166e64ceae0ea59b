"""Windows over local dates of service: lifetime, calendar year, rolling months, date range.

A window is a set of *local calendar dates*, each date being read in the zone of the place of
service. Totals over a window add up the credit of the local days inside it (see
:mod:`volunteerkit.hours.totals`), so an entry that crosses midnight on 31 December counts its
minutes before midnight in the old year and the rest in the new one.

Rolling months
--------------

``RollingMonths(months=N, ending=D)`` is the half-open span ``(D - N months, D]``: it starts the day
*after* ``D - relativedelta(months=N)`` and ends on ``D`` inclusive. ``relativedelta`` clamps a
day-of-month that the target month lacks to that month's last day, so:

* 12 months ending 2024-02-29: ``2024-02-29 - 12 months = 2023-02-28`` (clamped), so the window is
  2023-03-01 to 2024-02-29, 366 days;
* 12 months ending 2023-02-28: 2022-03-01 to 2023-02-28;
* 1 month ending 2024-03-31, 2024-03-30 or 2024-03-29: ``- 1 month`` clamps to 2024-02-29 in all
  three cases, so each window starts on 2024-03-01 (31, 30 and 29 days long); 1 month ending
  2024-03-28 starts on 2024-02-29.

Windows serialize with a ``"kind"`` tag (``lifetime``, ``calendar_year``, ``rolling_months``,
``date_range``) so ``structure(data, Window)`` picks the right class.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, TypeAlias

import attrs
from dateutil.relativedelta import relativedelta

from volunteerkit._serialization import structure
from volunteerkit.hours._hooks import register_tagged_union
from volunteerkit.hours.errors import InvalidWindow

__all__ = [
    "LIFETIME",
    "CalendarYear",
    "DateRange",
    "Lifetime",
    "RollingMonths",
    "Window",
    "structure_window",
]


def _is_date(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    # a datetime is a date subclass, but it cannot be compared with the dates of service
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidWindow.of("hours.window.invalid", f"$.{attribute.name}", "expected a date")


def _check_day(day: date) -> None:
    """Refuse a ``day`` that is not a date (a datetime cannot be compared with dates)."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise InvalidWindow.of("hours.window.invalid", "$.day", "expected a date")


def _int_in(low: int, high: int) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidWindow.of(
                "hours.window.invalid", f"$.{attribute.name}", f"expected {low} to {high}"
            )

    return check


@attrs.frozen(kw_only=True)
class Lifetime:
    """Every date."""

    @property
    def first(self) -> date | None:
        """First date of the window (``None``: unbounded)."""
        return None

    @property
    def last(self) -> date | None:
        """Last date of the window (``None``: unbounded)."""
        return None

    def contains(self, day: date) -> bool:
        """Return True: every date is in the lifetime window.

        Args:
            day: A local date.

        Returns:
            ``True``.

        Raises:
            InvalidWindow: ``hours.window.invalid`` (``$.day``) if ``day`` is not a date.
        """
        _check_day(day)
        return True


@attrs.frozen(kw_only=True)
class CalendarYear:
    """1 January to 31 December of one year (local dates).

    Args:
        year: The year, 1 to 9998.

    Raises:
        InvalidWindow: ``hours.window.invalid`` for a year out of range.
    """

    year: int = attrs.field(validator=_int_in(1, 9998))

    @property
    def first(self) -> date:
        """1 January."""
        return date(self.year, 1, 1)

    @property
    def last(self) -> date:
        """31 December."""
        return date(self.year, 12, 31)

    def contains(self, day: date) -> bool:
        """Return whether ``day`` falls in the year.

        Args:
            day: A local date.

        Returns:
            True if ``day.year == year``.

        Raises:
            InvalidWindow: ``hours.window.invalid`` (``$.day``) if ``day`` is not a date.
        """
        _check_day(day)
        return day.year == self.year


@attrs.frozen(kw_only=True)
class RollingMonths:
    """The ``months`` calendar months ending on ``ending`` (inclusive); see the module notes.

    Args:
        months: How many months, 1 to 1200.
        ending: The last date of the window.

    Raises:
        InvalidWindow: ``hours.window.invalid`` for a month count out of range, an ``ending``
            that is not a :class:`~datetime.date` (a datetime is refused), or a window that would
            start before year 1.
    """

    months: int = attrs.field(validator=_int_in(1, 1200))
    ending: date = attrs.field(validator=_is_date)

    def __attrs_post_init__(self) -> None:
        """Refuse a window that starts before 0001-01-01."""
        try:
            _ = self.first
        except (ValueError, OverflowError):
            raise InvalidWindow.of(
                "hours.window.invalid", "$.months", "starts before year 1"
            ) from None

    @property
    def first(self) -> date:
        """The day after ``ending - relativedelta(months=months)``."""
        ending = self.ending
        try:
            start: date = ending - relativedelta(months=self.months)
        except ValueError:  # the day before the window lies in year 0, which date cannot hold
            # 0000-12-31 (December of year 0, from a 31st) leaves a window from 0001-01-01
            if ending.day == 31 and ending.year * 12 + ending.month - 1 - self.months == 11:
                return date.min
            raise
        return start + timedelta(days=1)

    @property
    def last(self) -> date:
        """``ending``."""
        return self.ending

    def contains(self, day: date) -> bool:
        """Return whether ``day`` falls in the window.

        Args:
            day: A local date.

        Returns:
            True if ``first <= day <= ending``.

        Raises:
            InvalidWindow: ``hours.window.invalid`` (``$.day``) if ``day`` is not a date.
        """
        _check_day(day)
        return self.first <= day <= self.ending


@attrs.frozen(kw_only=True)
class DateRange:
    """Any range of local dates, both ends inclusive.

    Args:
        first: The first date.
        last: The last date (not before ``first``).

    Raises:
        InvalidWindow: ``hours.window.invalid`` if a bound is not a :class:`~datetime.date` (a
            datetime is refused), or if ``last`` is before ``first`` (path ``$.last``).
    """

    first: date = attrs.field(validator=_is_date)
    last: date = attrs.field(validator=_is_date)

    def __attrs_post_init__(self) -> None:
        """Refuse a range that ends before it starts."""
        if self.last < self.first:
            raise InvalidWindow.of("hours.window.invalid", "$.last", "last is before first")

    def contains(self, day: date) -> bool:
        """Return whether ``day`` falls in the range.

        Args:
            day: A local date.

        Returns:
            True if ``first <= day <= last``.

        Raises:
            InvalidWindow: ``hours.window.invalid`` (``$.day``) if ``day`` is not a date.
        """
        _check_day(day)
        return self.first <= day <= self.last


Window: TypeAlias = Lifetime | CalendarYear | RollingMonths | DateRange
"""Any window."""

LIFETIME = Lifetime()
"""The lifetime window."""

WINDOW_KINDS: Mapping[str, type[Window]] = {
    "lifetime": Lifetime,
    "calendar_year": CalendarYear,
    "rolling_months": RollingMonths,
    "date_range": DateRange,
}

register_tagged_union(Window, WINDOW_KINDS, "kind")


def structure_window(data: Any, *, path: str = "$") -> Window:
    """Structure serialized data into the right window class, chosen by its ``"kind"`` tag.

    Args:
        data: A dict as produced by ``unstructure(window)``.
        path: The path of ``data``, the root of reported field paths.

    Returns:
        The window.

    Raises:
        SerializationError: For an unknown or missing ``kind`` or a malformed field.
        InvalidWindow: For bounds that do not make a window.
    """
    result: Window = structure(data, Window, path=path)  # type: ignore[arg-type]
    return result
