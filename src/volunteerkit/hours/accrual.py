"""Credit computation: from effective entries to credited minutes per volunteer and local day.

Order of operations
-------------------

For each volunteer, over the entries that are *effective* (approved, not reversed; see
:mod:`volunteerkit.hours.fold`), with their corrected times:

1. **Whole minutes.** ``start`` and ``end`` become epoch minutes (UTC, seconds floored). Every
   duration below is a difference of UTC minutes, never a wall-clock subtraction, so 23- and
   25-hour days and odd offsets are exact.
2. **Minus break.** The break is deducted from the *end* of the entry: the served span is
   ``[start, end - break)``. Travel is never credited (it is not part of ``start``-``end``).
   **Raw minutes** are the minutes of this span, split by local day (step 6).
3. **Per-entry maximum.** The span is clipped to its first ``max_entry_minutes``:
   ``[start, min(end - break, start + max))``.
4. **Overlaps.** With ``overlaps.merge`` (the default), spans are taken in order of
   ``(start, entry id)`` and each keeps only the part not already covered by an earlier one, so a
   minute is credited once, to the entry that started first. Back-to-back spans (one ends when the
   next starts) lose nothing. Overlaps between the *recorded* intervals ``[start, end)`` longer
   than ``overlaps.grace_minutes`` are reported in :attr:`Accrual.overlaps` either way.
5. **Per-entry rounding** (``rounding.scope == per_entry``). Each entry's remaining minutes are
   rounded; the difference is added to, or taken from, the end of the entry (its last local day).
6. **Split by local day.** Each entry's remaining span is split at local midnights of its zone of
   service. A day is whatever the zone says it is: 23, 24, 24.5 or 25 hours.
7. **Daily cap.** Per volunteer and local date, the parts of the day are taken in order of
   ``(start, entry id)`` and credited until the cap is reached; the rest of the day is not credited.
8. **Per-day rounding** (``rounding.scope == per_day``). After every day's cap, each day's capped
   total is rounded. Minutes rounded off come off the day's last parts (the last one first), on
   every day. Then, day by day in date order, minutes rounded on are added to the day's parts
   from the last one backwards, each part taking no more than keeps its entry (all its days
   counted) within ``max_entry_minutes``; what no part can take is not credited. So rounding up
   stops at the per-entry maximum: with a maximum of 60 and 30-minute units rounded up, a day of
   50 + 60 minutes is credited 60 + 60, and a day of two entries at their maximum of 50 stays
   at 100.
9. **Weighted credit.** Each credited minute is weighted by its category's multiplier times the
   largest time-window multiplier that contains it (minutes added by rounding up take the weight of
   the last minute they extend). Weighted credit is an exact :class:`~decimal.Decimal`, reported
   apart from raw and credited minutes: it is computed without the 28-digit limit of Decimal's
   default context, so it is never rounded, however many digits the multipliers have.

Rounding never lifts a credit above its cap. A cap that a rounding follows is a multiple of its
unit (checked by :class:`~volunteerkit.hours.AccrualPolicy`): the per-entry maximum under
per-entry rounding, the daily cap under per-day rounding. The daily cap comes after per-entry
rounding, and per-day rounding up stops at the per-entry maximum (step 8), which may be any
number of minutes.

Local dates come from the zone of each entry; the daily cap groups a volunteer's parts by local
date alone, even when they were served in different zones.

Certified entries
-----------------

An entry received from another region or platform (:mod:`volunteerkit.transfer`) keeps the credit
its source certified ("whoever recorded it certifies it"): pass ``certified`` to :func:`accrue`,
the certified minutes per local date of each such entry. A certified entry is credited exactly
those minutes on those dates, whatever this policy says: it takes no part in the per-entry
maximum, overlap merging, daily caps or rounding of the other entries (overlaps with it are still
*reported*). Its weighted credit is its certified minutes times its category's multiplier (the
source's placement of minutes within the day is not known, so time-window multipliers do not
apply). If its start, end or break is later corrected here, the certification no longer describes
it and it is credited under this policy like any other entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from itertools import pairwise
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

import attrs

from volunteerkit._clock import require_aware
from volunteerkit.hours._time import (
    from_minute,
    local_wall_minute,
    split_minutes_by_day,
    to_minute,
)
from volunteerkit.hours.errors import HoursInputError, InvalidEntry, InvalidPolicy
from volunteerkit.hours.models import FIRST_START, LAST_END, EntryId, ServiceEntry
from volunteerkit.hours.policy import AccrualPolicy, RoundingScope, Weighting

if TYPE_CHECKING:
    from volunteerkit.hours.fold import EntryState

_EXACT = Context(
    prec=MAX_PREC,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)
"""Decimal arithmetic for weighted credit: sums and products of finite Decimals, never rounded.

The default context keeps 28 digits, so a multiplier with many digits (``accrue`` takes any finite
one; the stores' ledger takes six decimal places) times minutes would be rounded silently. Here
products and sums are exact, with the exponents the default context gives when it need not round,
and anything inexact raises instead of rounding.
"""
_exact_multiply = _EXACT.multiply  # bound once: the fast path for isolated entries calls it per day

__all__ = [
    "Accrual",
    "CertifiedCreditSource",
    "CertifiedMinutes",
    "DayCredit",
    "DaySlice",
    "EntryCredit",
    "Overlap",
    "accrue",
    "find_overlaps",
    "split_by_local_day",
]


@attrs.frozen(kw_only=True)
class DaySlice:
    """The part of an interval that falls on one local day.

    Args:
        day: The local date.
        start: Start of the part (UTC).
        end: End of the part (UTC).
        minutes: Whole minutes in the part.
    """

    day: date
    start: datetime
    end: datetime
    minutes: int


def split_by_local_day(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[DaySlice, ...]:
    """Split ``[start, end)`` at local midnights of ``zone``.

    Minutes are counted between UTC instants (seconds floored), so the slices of a 25-hour day add
    up to 1500 minutes and the slices always add up to the whole interval.

    Args:
        start: Aware start.
        end: Aware end.
        zone: The zone of the place of service.

    Returns:
        The non-empty slices in time order (none if ``end`` is not a minute after ``start``).

    Raises:
        NaiveDatetimeError: If ``start`` or ``end`` is naive.
        InvalidEntry: ``hours.out_of_range`` if ``start`` is before
            :data:`~volunteerkit.hours.models.FIRST_START` or ``end`` after
            :data:`~volunteerkit.hours.models.LAST_END` (local days there may not exist);
            ``hours.invalid_zone`` (``$.zone``) if ``zone`` is not a
            :class:`~zoneinfo.ZoneInfo`.
    """
    require_aware(start, "$.start")
    require_aware(end, "$.end")
    if not isinstance(zone, ZoneInfo):
        raise InvalidEntry.of("hours.invalid_zone", "$.zone")
    if start < FIRST_START:
        raise InvalidEntry.of("hours.out_of_range", "$.start", "before 0001-01-03 UTC")
    if end > LAST_END:
        raise InvalidEntry.of("hours.out_of_range", "$.end", "after 9999-12-29 UTC")
    return tuple(
        DaySlice(day=day, start=from_minute(a), end=from_minute(b), minutes=b - a)
        for day, a, b in split_minutes_by_day(to_minute(start), to_minute(end), zone)
    )


@attrs.frozen(kw_only=True)
class DayCredit:
    """What one entry contributes to one local day of its volunteer.

    Args:
        volunteer_id: The volunteer.
        entry_id: The entry.
        organization_id: The entry's organization.
        category: The entry's category.
        activity_id: The entry's project or activity.
        zone: The zone of service.
        day: The local date in that zone.
        raw_minutes: Minutes served on that day (after the break, before max, overlaps, cap and
            rounding).
        credited_minutes: Minutes credited on that day.
        weighted_minutes: Weighted credit (exact Decimal).
    """

    volunteer_id: str
    entry_id: EntryId
    organization_id: str
    category: str
    activity_id: str | None
    zone: ZoneInfo
    day: date
    raw_minutes: int
    credited_minutes: int
    weighted_minutes: Decimal


@attrs.frozen(kw_only=True)
class EntryCredit:
    """What one entry contributes in total.

    Args:
        entry_id: The entry.
        volunteer_id: Its volunteer.
        raw_minutes: Minutes served (duration minus break).
        credited_minutes: Minutes credited.
        weighted_minutes: Weighted credit.
    """

    entry_id: EntryId
    volunteer_id: str
    raw_minutes: int
    credited_minutes: int
    weighted_minutes: Decimal


@attrs.frozen(kw_only=True)
class Overlap:
    """Two entries of one volunteer whose recorded intervals share minutes.

    Args:
        volunteer_id: The volunteer.
        first: The entry that started first (or has the smaller id on a tie).
        second: The other entry.
        start: Start of the shared interval (UTC).
        end: End of the shared interval (UTC).
        minutes: Its length in whole minutes (more than the grace).
    """

    volunteer_id: str
    first: EntryId
    second: EntryId
    start: datetime
    end: datetime
    minutes: int


@attrs.frozen(kw_only=True)
class Accrual:
    """The credit of a set of entries under one policy.

    Args:
        policy_name: The name of the policy applied.
        days: One line per entry and local day it touches, ordered by volunteer, day and entry.
        entries: One line per effective entry, ordered by volunteer and entry id.
        overlaps: Overlaps beyond the grace, ordered by volunteer and start.
    """

    policy_name: str
    days: tuple[DayCredit, ...]
    entries: tuple[EntryCredit, ...]
    overlaps: tuple[Overlap, ...]

    @property
    def credited_minutes(self) -> int:
        """Total credited minutes over all volunteers."""
        return sum(d.credited_minutes for d in self.days)

    @property
    def raw_minutes(self) -> int:
        """Total raw minutes over all volunteers."""
        return sum(d.raw_minutes for d in self.days)

    def entry(self, entry_id: EntryId) -> EntryCredit | None:
        """Return the credit of one entry, or ``None`` if it is not effective.

        Args:
            entry_id: The entry's id.

        Returns:
            Its credit, or ``None``.
        """
        for line in self.entries:
            if line.entry_id == entry_id:
                return line
        return None


# --------------------------------------------------------------------------------------------
# overlaps


class _Interval(Protocol):
    @property
    def id(self) -> EntryId: ...  # pragma: no cover

    @property
    def volunteer_id(self) -> str: ...  # pragma: no cover

    @property
    def start(self) -> datetime: ...  # pragma: no cover

    @property
    def end(self) -> datetime: ...  # pragma: no cover


def find_overlaps(
    entries: Iterable[ServiceEntry | EntryState], grace_minutes: int = 0
) -> tuple[Overlap, ...]:
    """Find pairs of entries of the same volunteer whose intervals overlap.

    Intervals are half-open, ``[start, end)``: an entry that ends exactly when the next starts
    does not overlap it.

    Args:
        entries: Entries or entry states (states use their corrected times). Pass the effective
            ones to audit credit, or all of a volunteer's entries to flag a new record.
        grace_minutes: Overlaps of at most this many minutes are not reported.

    Returns:
        The overlaps, ordered by volunteer, start and ids.

    Raises:
        InvalidEntry: ``hours.invalid_entry`` for an item that is neither an entry nor a state.
        InvalidPolicy: ``hours.policy.invalid`` (``$.grace_minutes``) for a grace that is not a
            non-negative integer.
    """
    if isinstance(grace_minutes, bool) or not isinstance(grace_minutes, int) or grace_minutes < 0:
        raise InvalidPolicy.of("hours.policy.invalid", "$.grace_minutes", "expected minutes >= 0")
    if isinstance(entries, str | bytes) or not isinstance(entries, Iterable):
        raise InvalidEntry.of("hours.invalid_entry", "$.entries", "expected entries")
    from volunteerkit.hours.fold import EntryState  # the fold imports this module

    items: list[_Interval] = list(entries)
    for i, item in enumerate(items):
        if not isinstance(item, ServiceEntry | EntryState):
            raise InvalidEntry.of("hours.invalid_entry", f"$.entries[{i}]", "expected an entry")
    return _overlaps(items, grace_minutes)


def _overlaps(items: list[_Interval], grace: int) -> tuple[Overlap, ...]:
    found: list[Overlap] = []
    by_volunteer: dict[str, list[tuple[int, int, EntryId]]] = defaultdict(list)
    for item in items:
        by_volunteer[item.volunteer_id].append(
            (to_minute(item.start), to_minute(item.end), item.id)
        )
    for volunteer in sorted(by_volunteer):
        # by start, then id: on a tie of starts the smaller id is ``first``, as the merge takes it
        spans = sorted(by_volunteer[volunteer], key=lambda s: (s[0], s[2]))
        active: list[tuple[int, int, EntryId]] = []
        for start, end, eid in spans:
            active = [a for a in active if a[1] > start]
            for _a_start, a_end, a_id in active:
                stop = min(a_end, end)
                if stop - start > grace:
                    found.append(
                        Overlap(
                            volunteer_id=volunteer,
                            first=a_id,
                            second=eid,
                            start=from_minute(start),
                            end=from_minute(stop),
                            minutes=stop - start,
                        )
                    )
            active.append((start, end, eid))
    return tuple(found)


# --------------------------------------------------------------------------------------------
# accrual


@attrs.define
class _Part:
    """A mutable piece of one entry on one local day.

    The span ``[a, b)`` in epoch minutes, plus ``extra`` minutes added by rounding up at its end.
    """

    state: EntryState
    day: date
    a: int
    b: int
    extra: int = 0

    @property
    def minutes(self) -> int:
        return self.b - self.a + self.extra


def _trim_end(parts: list[_Part], amount: int) -> None:
    """Take ``amount`` minutes off the end of ``parts`` (rounding extras first, then spans)."""
    for part in reversed(parts):
        if amount <= 0:
            return
        take = min(part.extra, amount)
        part.extra -= take
        amount -= take
        take = min(part.b - part.a, amount)
        part.b -= take
        amount -= take


def _extend_end(
    parts: list[_Part],
    amount: int,
    parts_by_entry: Mapping[EntryId, list[_Part]],
    max_entry: int | None,
) -> None:
    """Add ``amount`` minutes at the end of ``parts``, from the last part backwards.

    Each part takes what its entry can still be credited under ``max_entry`` (its whole entry,
    on every day, counted); what no part can take is not credited.
    """
    for part in reversed(parts):
        if amount <= 0:
            return
        take = amount
        if max_entry is not None:
            credited = sum(p.minutes for p in parts_by_entry[part.state.id])
            take = min(take, max(0, max_entry - credited))
        part.extra += take
        amount -= take


def _keep_first(parts: list[_Part], budget: int) -> None:
    """Keep only the first ``budget`` minutes of ``parts``, in order."""
    for part in parts:
        span = part.b - part.a
        if budget >= part.minutes:
            budget -= part.minutes
            continue
        if budget <= span:
            part.b = part.a + budget
            part.extra = 0
        else:
            part.extra = budget - span
        budget = 0


def _part_key(part: _Part) -> tuple[int, EntryId]:
    return (part.a, part.state.id)


def _weight(part: _Part, weighting: Weighting) -> Decimal:
    category = weighting.category_multiplier(part.state.entry.category)
    if not weighting.time_windows:
        return category * part.minutes
    zone = part.state.entry.zone
    windows: list[tuple[int, int, Decimal]] = []
    for offset in (-1, 0, 1):
        day = part.day + timedelta(days=offset)
        for w in weighting.time_windows:
            start = local_wall_minute(zone, day, w.start_minute)
            end_day = day if w.end_minute > w.start_minute else day + timedelta(days=1)
            end = local_wall_minute(zone, end_day, w.end_minute)
            if end > start:
                windows.append((start, end, w.multiplier))

    def at(minute: int) -> Decimal:
        best = None
        for start, end, mult in windows:
            if start <= minute < end and (best is None or mult > best):
                best = mult
        return Decimal(1) if best is None else best

    cuts = sorted({part.a, part.b, *(x for w in windows for x in w[:2] if part.a < x < part.b)})
    total = Decimal(0)
    for x, y in pairwise(cuts):
        total += at(x) * (y - x)
    if part.extra:
        total += at(part.b - 1 if part.b > part.a else part.a) * part.extra
    return category * total


def _day_line(
    entry: ServiceEntry, day: date, raw: int, credited: int, weighted: Decimal
) -> DayCredit:
    """One entry's credit line for one local day."""
    return DayCredit(
        volunteer_id=entry.volunteer_id,
        entry_id=entry.id,
        organization_id=entry.organization_id,
        category=entry.category,
        activity_id=entry.activity_id,
        zone=entry.zone,
        day=day,
        raw_minutes=raw,
        credited_minutes=credited,
        weighted_minutes=weighted,
    )


def _accrue_volunteer(
    states: list[EntryState], policy: AccrualPolicy
) -> tuple[list[DayCredit], list[EntryCredit]]:
    rounding = policy.rounding
    ordered = sorted(states, key=lambda s: (to_minute(s.start), s.id))

    raw: dict[EntryId, list[tuple[date, int, int]]] = {}
    spans: list[tuple[EntryState, int, int]] = []
    cover: int | None = None
    for st in ordered:
        start = to_minute(st.start)
        net_end = to_minute(st.end) - st.break_minutes
        raw[st.id] = split_minutes_by_day(start, net_end, st.entry.zone)
        cred_end = net_end
        if policy.max_entry_minutes is not None:
            cred_end = min(cred_end, start + policy.max_entry_minutes)
        piece_start = start
        if policy.overlaps.merge:
            piece_start = start if cover is None else max(start, cover)
            cover = cred_end if cover is None else max(cover, cred_end)
        spans.append((st, piece_start, max(piece_start, cred_end)))

    parts_by_entry: dict[EntryId, list[_Part]] = {}
    for st, a, b in spans:
        served = raw[st.id]
        pieces = (
            served  # the whole served span is credited: its split is already known
            if served and a == served[0][1] and b == served[-1][2]
            else split_minutes_by_day(a, b, st.entry.zone)
        )
        parts = [_Part(st, day, x, y) for day, x, y in pieces]
        if rounding is not None and rounding.scope is RoundingScope.PER_ENTRY and parts:
            length = b - a
            delta = rounding.apply(length) - length
            if delta > 0:
                parts[-1].extra += delta
            elif delta < 0:
                _trim_end(parts, -delta)
        parts_by_entry[st.id] = parts

    by_day: dict[date, list[_Part]] = defaultdict(list)
    for parts in parts_by_entry.values():
        for part in parts:
            by_day[part.day].append(part)
    for day_parts in by_day.values():
        day_parts.sort(key=_part_key)
        if policy.daily_cap_minutes is not None:
            _keep_first(day_parts, policy.daily_cap_minutes)
    if rounding is not None and rounding.scope is RoundingScope.PER_DAY:
        # after every day's cap; minutes rounded off first, then those rounded on, in date order
        # (what an entry can still take under its maximum depends on its other days)
        rounded_on: list[tuple[list[_Part], int]] = []
        for day in sorted(by_day):
            day_parts = by_day[day]
            total = sum(p.minutes for p in day_parts)
            delta = rounding.apply(total) - total
            if delta > 0:
                rounded_on.append((day_parts, delta))
            elif delta < 0:
                _trim_end(day_parts, -delta)
        for day_parts, delta in rounded_on:
            _extend_end(day_parts, delta, parts_by_entry, policy.max_entry_minutes)

    days: list[DayCredit] = []
    entries: list[EntryCredit] = []
    weighting = policy.weighting
    with localcontext(_EXACT):  # weighted credit is exact, whatever the multipliers
        for st in ordered:
            credited: dict[date, int] = defaultdict(int)
            weights: dict[date, Decimal] = defaultdict(Decimal)
            if weighting.time_windows:
                for part in parts_by_entry[st.id]:
                    credited[part.day] += part.minutes
                    weights[part.day] += _weight(part, weighting)
            else:  # what _weight gives without time windows, the multiplier looked up once
                multiplier = weighting.category_multiplier(st.entry.category)
                for part in parts_by_entry[st.id]:
                    minutes = part.minutes
                    credited[part.day] += minutes
                    weights[part.day] += multiplier * minutes
            entry = st.entry
            total_raw = total_credited = 0
            total_weighted = Decimal(0)
            for day, a, b in raw[st.id]:
                # pop: a day is reported once per entry even in a zone that repeats a date
                minutes = credited.pop(day, 0)
                weighted = weights.pop(day, Decimal(0))
                days.append(_day_line(entry, day, b - a, minutes, weighted))
                total_raw += b - a
                total_credited += minutes
                total_weighted += weighted
            entries.append(
                EntryCredit(
                    entry_id=entry.id,
                    volunteer_id=entry.volunteer_id,
                    raw_minutes=total_raw,
                    credited_minutes=total_credited,
                    weighted_minutes=total_weighted,
                )
            )
    return days, entries


def _accrue_alone(st: EntryState, policy: AccrualPolicy) -> list[DayCredit]:
    """Return the day lines ``_accrue_volunteer([st], policy)`` gives, for one uncertified entry.

    The same steps as :func:`_accrue_volunteer` for a volunteer with this entry alone (nothing to
    merge, one entry per day), without the per-part objects: the ledger's path for an approved
    entry nothing else affects. Policies with a daily cap, per-day rounding or time windows take
    the general path.
    """
    rounding = policy.rounding
    weighting = policy.weighting
    if (
        policy.daily_cap_minutes is not None
        or weighting.time_windows
        or (rounding is not None and rounding.scope is RoundingScope.PER_DAY)
    ):
        return _accrue_volunteer([st], policy)[0]
    entry = st.entry
    zone = entry.zone
    start = to_minute(st.start)
    net_end = to_minute(st.end) - st.break_minutes
    served = split_minutes_by_day(start, net_end, zone)
    end = net_end
    if policy.max_entry_minutes is not None:
        end = min(end, start + policy.max_entry_minutes)
    end = max(start, end)
    pieces = (
        served
        if served and start == served[0][1] and end == served[-1][2]
        else split_minutes_by_day(start, end, zone)
    )
    minutes = [b - a for _, a, b in pieces]
    if rounding is not None and pieces:  # per entry (per day took the general path)
        length = end - start
        delta = rounding.apply(length) - length
        if delta > 0:
            minutes[-1] += delta
        else:
            take = -delta
            for i in range(len(minutes) - 1, -1, -1):
                if take <= 0:
                    break
                cut = min(minutes[i], take)
                minutes[i] -= cut
                take -= cut
    credited: dict[date, int] = {}
    for (day, _, _), m in zip(pieces, minutes, strict=True):
        credited[day] = credited.get(day, 0) + m
    multiplier = weighting.category_multiplier(entry.category)
    lines: list[DayCredit] = []
    for day, a, b in served:
        if day in credited:  # pop: a date the zone repeats is reported once, as in the general path
            got = credited.pop(day)
            weighted = _exact_multiply(multiplier, got)
        else:
            got, weighted = 0, Decimal(0)
        lines.append(_day_line(entry, day, b - a, got, weighted))
    return lines


class CertifiedMinutes(Protocol):
    """Minutes certified for one local date (such as :class:`volunteerkit.transfer.CertifiedDay`)."""

    @property
    def day(self) -> date:
        """The local date of service."""
        ...  # pragma: no cover

    @property
    def minutes(self) -> int:
        """The minutes certified on that date."""
        ...  # pragma: no cover


class CertifiedCreditSource(Protocol):
    """Where a ledger finds the certified credit of transferred entries (``store.transfers``)."""

    def certified_credit(
        self, volunteer_ids: Collection[str]
    ) -> Mapping[EntryId, Sequence[CertifiedMinutes]]:
        """Return the certified minutes per local date of the certified entries of volunteers.

        Args:
            volunteer_ids: The volunteers.

        Returns:
            Certified minutes per local date, by entry id.
        """
        ...  # pragma: no cover


def _certified_credit(
    st: EntryState, certified: Sequence[CertifiedMinutes], weighting: Weighting
) -> tuple[list[DayCredit], EntryCredit]:
    """The credit of a certified entry: its certified minutes on its dates (see the module doc)."""
    entry = st.entry
    served = split_minutes_by_day(to_minute(st.start), to_minute(st.end) - st.break_minutes, entry.zone)
    raw: dict[date, int] = {}
    for day, a, b in served:
        raw[day] = raw.get(day, 0) + b - a
    given: dict[date, int] = {}
    for item in certified:
        given[item.day] = given.get(item.day, 0) + item.minutes
    multiplier = weighting.category_multiplier(entry.category)
    with localcontext(_EXACT):  # weighted credit is exact, whatever the multiplier
        lines = [
            _day_line(
                entry, day, raw.get(day, 0), given.get(day, 0), multiplier * given.get(day, 0)
            )
            for day in [*raw, *(d for d in given if d not in raw)]
        ]
        weighted = sum((line.weighted_minutes for line in lines), Decimal(0))
    return lines, EntryCredit(
        entry_id=entry.id,
        volunteer_id=entry.volunteer_id,
        raw_minutes=sum(line.raw_minutes for line in lines),
        credited_minutes=sum(line.credited_minutes for line in lines),
        weighted_minutes=weighted,
    )


def accrue(
    states: Iterable[EntryState],
    policy: AccrualPolicy,
    *,
    certified: Mapping[EntryId, Iterable[CertifiedMinutes]] | None = None,
) -> Accrual:
    """Compute credited, raw and weighted minutes of the effective entries under ``policy``.

    The order of operations is given in the module documentation. Entries that are not effective
    (pending, rejected, voided, reversed) are skipped.

    Args:
        states: Entry states, typically ``fold(...).entries``.
        policy: The accrual policy.
        certified: Certified minutes per local date of transferred entries, by entry id: such an
            entry is credited exactly those (see "Certified entries" in the module documentation).

    Returns:
        Credit per entry and local day, per entry, and the overlaps found.

    Raises:
        InvalidEntry: ``hours.invalid_entry`` (``$.states[i]``) for an item that is not an
            :class:`~volunteerkit.hours.EntryState` (a :class:`ServiceEntry` must be folded first).
        InvalidPolicy: ``hours.policy.invalid`` (``$.policy``) if ``policy`` is not a policy.
        HoursInputError: ``hours.invalid_argument`` if ``certified`` is not a mapping
            (``$.certified``), an entry's certified days are not a collection or an iterator
            (``$.certified[<entry id>]``), or one of them has no date ``day`` and whole
            ``minutes`` (``$.certified[<entry id>][i]``).
    """
    if not isinstance(policy, AccrualPolicy):
        raise InvalidPolicy.of("hours.policy.invalid", "$.policy", "expected AccrualPolicy")
    if certified is not None:
        certified = _checked_certified(certified)
    effective = _effective_states(states)
    days, entries = _accrue_effective(effective, policy, certified)
    entries.sort(key=lambda c: (c.volunteer_id, c.entry_id))
    overlaps = _overlaps(list(effective), policy.overlaps.grace_minutes)
    return Accrual(
        policy_name=policy.name,
        days=tuple(days),
        entries=tuple(entries),
        overlaps=overlaps,
    )


def _checked_certified(
    certified: Mapping[EntryId, Iterable[CertifiedMinutes]],
) -> dict[EntryId, tuple[CertifiedMinutes, ...]]:
    """Return the certified minutes per local date, by entry id, each entry's read once.

    Raises:
        HoursInputError: ``hours.invalid_argument`` for what is not certified minutes per local
            date by entry id (see :func:`accrue`).
    """
    if not isinstance(certified, Mapping):
        raise HoursInputError.of("hours.invalid_argument", "$.certified", "expected a mapping")
    checked: dict[EntryId, tuple[CertifiedMinutes, ...]] = {}
    for entry_id, given in certified.items():
        path = f"$.certified[{entry_id}]"
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise HoursInputError.of("hours.invalid_argument", path, "expected a collection")
        days = checked[entry_id] = tuple(given)  # a generator is read here, once
        for i, item in enumerate(days):
            day = getattr(item, "day", None)
            minutes = getattr(item, "minutes", None)
            if (
                not isinstance(day, date)
                or isinstance(day, datetime)
                or isinstance(minutes, bool)
                or not isinstance(minutes, int)
            ):
                raise HoursInputError.of(
                    "hours.invalid_argument", f"{path}[{i}]", "expected a day and minutes"
                )
    return checked


def _effective_states(states: Iterable[EntryState]) -> list[EntryState]:
    """Return the effective states, refusing anything that is not an entry state."""
    from volunteerkit.hours.fold import EntryState  # the fold imports this module

    if isinstance(states, str | bytes) or not isinstance(states, Iterable):
        raise InvalidEntry.of("hours.invalid_entry", "$.states", "expected entry states")
    effective: list[EntryState] = []
    for i, state in enumerate(states):
        if not isinstance(state, EntryState):
            raise InvalidEntry.of(
                "hours.invalid_entry", f"$.states[{i}]", "expected an EntryState (fold(...).entries)"
            )
        if state.effective:
            effective.append(state)
    return effective


def _accrue_effective(
    effective: list[EntryState],
    policy: AccrualPolicy,
    certified: Mapping[EntryId, Sequence[CertifiedMinutes]] | None,
) -> tuple[list[DayCredit], list[EntryCredit]]:
    """Return the credit lines of effective states: what :func:`accrue` gives, without overlaps.

    Days come sorted by volunteer, day and entry; entries unsorted (the ledger's hot path).
    """
    by_volunteer: dict[str, list[EntryState]] = defaultdict(list)
    days: list[DayCredit] = []
    entries: list[EntryCredit] = []
    for st in effective:
        given = None if not certified else certified.get(st.id)
        if given is not None and (st.start, st.end, st.break_minutes) == (
            st.entry.start,
            st.entry.end,
            st.entry.break_minutes,
        ):
            lines, total = _certified_credit(st, given, policy.weighting)
            days.extend(lines)
            entries.append(total)
        else:
            by_volunteer[st.volunteer_id].append(st)
    for volunteer in sorted(by_volunteer):
        d, e = _accrue_volunteer(by_volunteer[volunteer], policy)
        days.extend(d)
        entries.extend(e)
    days.sort(key=lambda c: (c.volunteer_id, c.day, c.entry_id))
    return days, entries
