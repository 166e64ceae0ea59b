"""Shift occurrences, availability and ages: the time arithmetic of matching.

* :func:`occurrences` expands a :class:`~volunteerkit.matching.models.Shift` inside a window. A
  recurring shift's rule (RFC 5545 ``RRULE``) is expanded by :mod:`dateutil.rrule` on the *local wall
  time* in the shift's zone, then each local start is placed in the zone with :mod:`zoneinfo`
  (``fold=0``), so a weekly 09:00 shift stays at 09:00 across daylight-saving changes. A local start
  that does not exist (inside a spring-forward gap) is moved forward by the gap, as RFC 5545 says.
  The first start itself is always the shift's ``start`` instant (which may be the second of two
  ambiguous wall times on a fall-back day).
  An ``UNTIL`` in UTC (``UNTIL=20261231T155959Z``, the form RFC 5545 asks for with a zoned start)
  is the instant it names; an ``UNTIL`` without ``Z`` is a local wall time in the shift's zone.
* :func:`available_minutes` counts how many minutes of an interval a volunteer is available:
  weekly windows in the volunteer's own zone, plus extra time, minus time off. A window holds the
  time the volunteer's clock reads inside it: a bound in a spring-forward gap falls at the jump,
  and an ambiguous bound (clocks turned back) at its first occurrence.
* :func:`age_on` gives an exact age in whole years on a date (a 29 February birthday is reached on
  1 March in common years).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
from dateutil import parser
from dateutil.rrule import rrule, rrulestr

from volunteerkit._clock import require_aware
from volunteerkit.matching.errors import MatchingInputError
from volunteerkit.matching.models import Availability, Shift, require

__all__ = [
    "Occurrence",
    "age_on",
    "available_minutes",
    "occurrences",
    "parse_rrule",
    "until_instant",
]

_MINUTE = timedelta(minutes=1)
_DATE = re.compile(r"\d{8}")  # UNTIL as a date alone
_LOCAL = re.compile(r"\d{8}T\d{6}")  # UNTIL as a local date-time
_INSTANT = timedelta(microseconds=1)  # the resolution of datetime
_NOT_POSITIVE = re.compile(r"[+-]?0+|-\d+")  # INTERVAL=0, -1: not the positive integer it must be


def parse_rrule(rule: str, dtstart: datetime) -> rrule:
    """Parse an RFC 5545 ``RRULE`` value (without the ``RRULE:`` prefix).

    Args:
        rule: The rule, such as ``FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261231T235959``.
        dtstart: The naive local start the rule recurs from.

    Returns:
        The :class:`dateutil.rrule.rrule`.

    Raises:
        MatchingInputError: ``matching.recurrence`` if the rule does not parse, or its
            ``INTERVAL`` is not a positive integer (RFC 5545 section 3.3.10; ``dateutil`` would
            take ``INTERVAL=0`` and give the first occurrence alone).
    """
    if not isinstance(rule, str) or not rule.strip() or "\n" in rule or ":" in rule:
        raise MatchingInputError.of("matching.recurrence", "$.rrule")
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name.strip().upper() == "INTERVAL" and _NOT_POSITIVE.fullmatch(value.strip()):
            raise MatchingInputError.of("matching.recurrence", "$.rrule")
    try:
        parsed = rrulestr(rule, dtstart=dtstart, ignoretz=True)
    except (ValueError, TypeError, OverflowError):
        raise MatchingInputError.of("matching.recurrence", "$.rrule") from None
    if not isinstance(parsed, rrule):  # pragma: no cover - a single RRULE value always gives one
        raise MatchingInputError.of("matching.recurrence", "$.rrule")
    return parsed


@attrs.frozen(kw_only=True)
class Occurrence:
    """One concrete occurrence of a shift.

    Attributes:
        shift_id: The shift.
        slot_id: The slot it staffs.
        project_id: The project.
        start: Start instant (UTC).
        end: End instant (UTC).
        zone: The project's zone (local dates are read there).
        needed: How many volunteers it needs.
    """

    shift_id: str
    slot_id: str
    project_id: str
    start: datetime
    end: datetime
    zone: ZoneInfo
    needed: int

    @property
    def minutes(self) -> int:
        """Length in whole minutes."""
        return (self.end - self.start) // _MINUTE

    @property
    def local_date(self) -> date:
        """The local calendar date of the start, in the project's zone.

        Raises:
            MatchingInputError: ``matching.invalid`` (``$.start``) if that date is beyond the
                calendar (31 December 9999, 20:00 UTC, is 1 January 10000 in Kiritimati);
                :func:`occurrences` leaves such occurrences out.
        """
        return _existing_date(self.start, self.zone, "$.start")

    @property
    def last_local_date(self) -> date:
        """The local date of its last moment of service (an overnight shift ends a day later).

        A shift that ends at local midnight serves nothing on the day that starts then.

        Raises:
            MatchingInputError: ``matching.invalid`` (``$.end``) if that date is beyond the
                calendar, as for :attr:`local_date`.
        """
        return _existing_date(self.end - _INSTANT, self.zone, "$.end")

    @property
    def local_dates(self) -> tuple[date, ...]:
        """Every local date it serves on, from :attr:`local_date` to :attr:`last_local_date`."""
        first, last = self.local_date, self.last_local_date
        return tuple(first + timedelta(days=k) for k in range((last - first).days + 1))


def _local_date(instant: datetime, zone: ZoneInfo) -> date | None:
    """The local date of an instant, or ``None`` where it is beyond the calendar."""
    try:
        return instant.astimezone(zone).date()
    except OverflowError:
        return None


def _calendar_end(near: datetime) -> datetime:
    """The end of the calendar that ``near`` is at (its last instant in year 9999, else its first).

    For an instant or wall time whose conversion overflowed: it lies beyond that end.
    """
    return datetime.max if near.year == datetime.max.year else datetime.min


def _bound_date(instant: datetime, zone: ZoneInfo) -> date:
    """The local date of an instant, or the end of the calendar it lies beyond (for ranges)."""
    found = _local_date(instant, zone)
    return _calendar_end(instant).date() if found is None else found


def _existing_date(instant: datetime, zone: ZoneInfo, path: str) -> date:
    found = _local_date(instant, zone)
    if found is None:
        raise MatchingInputError.of("matching.invalid", path)
    return found


def _utc(instant: datetime) -> datetime:
    """The instant in UTC; the calendar's first or last instant for one beyond it in UTC."""
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        return _calendar_end(instant).replace(tzinfo=UTC)


def _place(local: datetime, zone: ZoneInfo) -> datetime:
    """Place a naive local wall time in ``zone``; a time in a gap moves forward by the gap."""
    aware = local.replace(tzinfo=zone, fold=0)
    back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != local:  # nonexistent local time: RFC 5545 says use the offset from before the gap
        before = local.replace(tzinfo=zone, fold=0).utcoffset()
        assert before is not None
        return (local - before).replace(tzinfo=UTC)
    return aware.astimezone(UTC)


def _place_bound(local: datetime, zone: ZoneInfo) -> datetime:
    """Place a wall-time bound of a weekly window; a time in a gap maps to the jump.

    The window holds the instants at which the volunteer's clock reads inside it, so a bound that
    the clock skips falls at the jump, the first instant whose wall time is not before it: on the
    morning Berlin skips 02:00-03:00, 02:30 is 03:00 CEST (01:00Z). (:func:`_place`, as RFC 5545
    wants for a recurring start, would give 03:30 CEST, which reads after 02:30.)
    """
    after = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if after.astimezone(zone).replace(tzinfo=None) == local:
        return after  # the time exists (once, or twice: the first)
    before = local.replace(tzinfo=zone, fold=1).astimezone(UTC)  # the new offset: before the jump
    offset = after.astimezone(zone).utcoffset()
    # the jump lies in (before, after]; the tz database's transitions fall on whole seconds
    low, high = 0, int((after - before).total_seconds())
    while high - low > 1:
        mid = (low + high) // 2
        if (before + timedelta(seconds=mid)).astimezone(zone).utcoffset() == offset:
            high = mid
        else:
            low = mid
    return before + timedelta(seconds=high)


def occurrences(shift: Shift, window_start: datetime, window_end: datetime) -> list[Occurrence]:
    """Return the occurrences of ``shift`` that start in ``[window_start, window_end)``.

    Args:
        shift: The shift.
        window_start: Start of the window (aware).
        window_end: End of the window (aware, after the start).

    Returns:
        The occurrences in order of start, cancelled ones (``exdates``) left out, and those
        that would start or end beyond the calendar, in UTC or in the project's zone (there is
        no instant, or no local date, to give them).

    Raises:
        MatchingInputError: ``matching.window_required`` for an empty window;
            ``matching.invalid`` (``$.shift``) if ``shift`` is not a :class:`Shift`.
        NaiveDatetimeError: For a naive window bound.
    """
    require(shift, Shift, "$.shift")
    require_aware(window_start, "$.window_start")
    require_aware(window_end, "$.window_end")
    if window_end <= window_start:
        raise MatchingInputError.of("matching.window_required", "$.window_end")
    lo, hi = _utc(window_start), _utc(window_end)
    duration = timedelta(minutes=shift.duration_minutes)
    excluded = {ex.astimezone(UTC) for ex in shift.exdates}
    out: list[Occurrence] = []
    for start in _starts(shift, lo, hi):
        if lo <= start < hi and start not in excluded:
            if datetime.max.replace(tzinfo=UTC) - start < duration:
                break  # it would end beyond the calendar, and so would every later one
            if (
                _local_date(start, shift.zone) is None
                or _local_date(start + duration - _INSTANT, shift.zone) is None
            ):
                continue  # a local date beyond the calendar: none to give it
            out.append(
                Occurrence(
                    shift_id=shift.id,
                    slot_id=shift.slot_id,
                    project_id=shift.project_id,
                    start=start,
                    end=start + duration,
                    zone=shift.zone,
                    needed=shift.needed,
                )
            )
    return out


def until_instant(shift: Shift) -> datetime | None:
    """Return the last instant at which the shift's rule may start an occurrence, or ``None``.

    RFC 5545 wants ``UNTIL`` in UTC (``…Z``) for a start with a zone, and in the start's value
    type. Read leniently, as calendar programs do:

    * ``20261210T230000Z``: that instant;
    * ``20261210T233000`` (no ``Z``): that wall time in the shift's zone;
    * ``20261210`` (a date alone): through the end of that local day (23:59:59), so that the
      day's occurrences are kept rather than cut at its midnight.

    Args:
        shift: The shift.

    Returns:
        The instant (UTC), or ``None`` when the rule has no ``UNTIL`` (or none of these forms,
        which ``dateutil`` then reads as it does). A local time whose instant lies beyond the
        calendar (``UNTIL=99991231`` west of UTC, a common "for ever") gives the calendar's
        last (or first) instant.
    """
    if shift.rrule is None:
        return None
    for part in shift.rrule.split(";"):
        name, _, value = part.partition("=")
        value = value.strip().upper()
        if name.strip().upper() != "UNTIL":
            continue
        if value.endswith("Z"):
            return parser.parse(value[:-1]).replace(tzinfo=UTC)
        local = None
        if _DATE.fullmatch(value):
            local = datetime.combine(
                date(int(value[:4]), int(value[4:6]), int(value[6:])), time(23, 59, 59)
            )
        elif _LOCAL.fullmatch(value):
            local = datetime.strptime(value, "%Y%m%dT%H%M%S")
        if local is not None:
            try:
                return _place(local, shift.zone)
            except OverflowError:
                return _calendar_end(local).replace(tzinfo=UTC)
    return None


def _local_bound(instant: datetime, zone: ZoneInfo, days: int) -> datetime:
    """Return the wall time of ``instant`` in ``zone`` moved by ``days`` (naive).

    Beyond the calendar (a window up to ``datetime.max``) it is the calendar's first or last moment.
    """
    try:
        return instant.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    except OverflowError:
        return datetime.min if days < 0 else datetime.max


def _until_the_end(walls: Iterator[datetime]) -> Iterator[datetime]:
    """The wall times of a rule until dateutil steps past the calendar.

    dateutil raises ``ValueError`` ("year 10000 is out of range") when a weekly rule's next week
    starts beyond 9999-12-31, or ``OverflowError`` on the way there: no later wall time exists.
    """
    while True:
        try:
            yield next(walls)
        except StopIteration:
            return
        except (ValueError, OverflowError):
            return


def _starts(shift: Shift, lo: datetime, hi: datetime) -> Iterator[datetime]:
    zone = shift.zone
    if shift.rrule is None:
        yield shift.start.astimezone(UTC)
        return
    first_local = shift.start.astimezone(zone).replace(tzinfo=None)  # Shift checked it exists
    rule = parse_rrule(shift.rrule, first_local)
    # ``UNTIL`` is an instant (see until_instant): expand to its local wall time plus a day of
    # margin, then keep the starts up to the instant itself.
    until = until_instant(shift)
    if until is not None:
        rule = rule.replace(until=_local_bound(until, zone, 1))
    # Local bounds with a day of margin either side (offsets are under 26 hours).
    a = _local_bound(lo, zone, -2)
    b = _local_bound(hi, zone, 2)
    for local in _until_the_end(rule.xafter(max(a, first_local), inc=True)):
        if local > b:
            break
        # DTSTART is the shift's own start: keep its instant, even when its wall time is the
        # second of two (``fold=1``, a fall-back day), which ``_place`` would not pick.
        try:
            start = shift.start.astimezone(UTC) if local == first_local else _place(local, zone)
        except OverflowError:  # a wall time whose instant lies beyond the calendar
            if local.year == datetime.min.year:
                continue  # before it: later wall times may be in it
            return  # after it: so is every later one
        if until is None or start <= until:
            yield start


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    intervals.sort()
    merged: list[tuple[datetime, datetime]] = []
    for s, e in intervals:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _weekly_intervals(
    availability: Availability, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]]:
    zone = availability.zone
    out: list[tuple[datetime, datetime]] = []
    day, last = _bound_date(lo, zone), _bound_date(hi, zone)
    if day > date.min:
        day -= timedelta(days=1)
    while True:
        for w in availability.weekly:
            if w.weekday == day.weekday():
                base = datetime(day.year, day.month, day.day)
                try:
                    s = _place_bound(base + timedelta(minutes=w.start_minute), zone)
                    e = _place_bound(base + timedelta(minutes=w.end_minute), zone)
                except OverflowError:  # a window beyond the calendar in UTC: never open
                    continue
                if e > s:
                    out.append((s, e))
        if day >= last:
            return out
        day += timedelta(days=1)


def _overlap(intervals: list[tuple[datetime, datetime]], lo: datetime, hi: datetime) -> timedelta:
    total = timedelta()
    for s, e in intervals:
        a, b = max(s, lo), min(e, hi)
        if b > a:
            total += b - a
    return total


def _elapsed(start: datetime, end: datetime) -> timedelta:
    """``end - start`` between the instants, without converting either (which may overflow)."""
    start_offset, end_offset = start.utcoffset(), end.utcoffset()
    assert start_offset is not None  # both checked aware
    assert end_offset is not None
    wall = end.replace(tzinfo=None) - start.replace(tzinfo=None)
    return wall - (end_offset - start_offset)


def available_minutes(availability: Availability | None, start: datetime, end: datetime) -> int:
    """Return how many whole minutes of ``[start, end)`` the volunteer is available.

    The available time is summed exactly (time off of a few seconds counts), then given in whole
    minutes, rounded down.

    Args:
        availability: The volunteer's availability; ``None`` means always available.
        start: Interval start (aware).
        end: Interval end (aware).

    Returns:
        Available minutes: weekly windows and extra time, less time off.

    Raises:
        NaiveDatetimeError: For a naive ``start`` or ``end`` (at ``$.start``, ``$.end``).
        InvalidInputError: ``time.not_datetime`` for a bound that is not a datetime.
        MatchingInputError: ``matching.invalid`` (``$.availability``) for an ``availability``
            that is neither ``None`` nor an :class:`~volunteerkit.matching.models.Availability`.
    """
    require_aware(start, "$.start")
    require_aware(end, "$.end")
    if availability is not None and not isinstance(availability, Availability):
        raise MatchingInputError.of("matching.invalid", "$.availability")
    if availability is None:  # exact, also for bounds beyond the calendar in UTC
        return max(0, _elapsed(start, end) // _MINUTE)
    lo, hi = _utc(start), _utc(end)
    if hi <= lo:
        return 0
    on = _weekly_intervals(availability, lo, hi)
    off: list[tuple[datetime, datetime]] = []
    for ex in availability.exceptions:
        pair = (ex.start.astimezone(UTC), ex.end.astimezone(UTC))
        (on if ex.available else off).append(pair)
    on = _merge(on)
    covered = _overlap(on, lo, hi)
    # time in (on ∩ [lo, hi)) less time in (on ∩ off ∩ [lo, hi)), summed exactly, then floored:
    # flooring each part would lose the seconds of short time off
    for s, e in _merge(off):
        a, b = max(s, lo), min(e, hi)
        if b > a:
            covered -= _overlap(on, a, b)
    return covered // _MINUTE


def age_on(birth_date: date, day: date) -> int:
    """Return the age in whole years on ``day``.

    Args:
        birth_date: Date of birth.
        day: The date the age is wanted for.

    Returns:
        Completed years; someone born on 29 February turns a year older on 1 March in common years.

    Examples:
        >>> age_on(date(2008, 2, 29), date(2026, 2, 28))
        17
        >>> age_on(date(2008, 2, 29), date(2026, 3, 1))
        18

    Raises:
        MatchingInputError: ``matching.date`` at ``$.birth_date`` or ``$.day`` for an argument
            that is not a date.
    """
    if not isinstance(birth_date, date):
        raise MatchingInputError.of("matching.date", "$.birth_date")
    if not isinstance(day, date):
        raise MatchingInputError.of("matching.date", "$.day")
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
