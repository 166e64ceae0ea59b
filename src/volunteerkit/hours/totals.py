"""Totals: credited, raw and weighted minutes per volunteer over a window, with breakdowns.

Totals are sums of :class:`~volunteerkit.hours.DayCredit` lines whose local date falls in the
window. Because overlaps, caps and rounding are settled once over the whole ledger before any
window is applied, totals are additive: the calendar years of a volunteer add up to the lifetime
total, and the breakdowns by organization, category and local day each add up to the total.

Use :func:`totals` on an :class:`~volunteerkit.hours.Accrual` you already have, or
:func:`totals_as_of` to fold, accrue and total in one call for "as of instant T".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

import attrs

from volunteerkit.hours.accrual import _EXACT, Accrual, DayCredit
from volunteerkit.hours.errors import HoursInputError, InvalidEntry, InvalidEvent, InvalidWindow
from volunteerkit.hours.fold import credited_as_of
from volunteerkit.hours.models import (
    Approved,
    Corrected,
    LedgerEvent,
    Rejected,
    ServiceEntry,
    Voided,
)
from volunteerkit.hours.policy import AccrualPolicy
from volunteerkit.hours.windows import (
    LIFETIME,
    CalendarYear,
    DateRange,
    Lifetime,
    RollingMonths,
    Window,
)

__all__ = ["Minutes", "Totals", "totals", "totals_as_of", "totals_by_volunteer"]


@attrs.frozen(kw_only=True)
class Minutes:
    """Raw, credited and weighted minutes.

    Args:
        raw: Minutes served (duration minus break), before caps, overlaps and rounding.
        credited: Minutes credited under the policy.
        weighted: Weighted credit (exact Decimal).
    """

    raw: int = 0
    credited: int = 0
    weighted: Decimal = Decimal(0)

    def __add__(self, other: Minutes) -> Minutes:
        """Add two counts field by field."""
        return Minutes(
            raw=self.raw + other.raw,
            credited=self.credited + other.credited,
            weighted=_EXACT.add(self.weighted, other.weighted),  # never rounded
        )


@attrs.frozen(kw_only=True)
class Totals:
    """One volunteer's minutes over a window, in total and broken down.

    Args:
        volunteer_id: The volunteer.
        window: The window.
        total: The totals.
        by_organization: Per organization id, sorted by id.
        by_category: Per category, sorted.
        by_day: Per local date, sorted.
    """

    volunteer_id: str
    window: Window
    total: Minutes
    by_organization: Mapping[str, Minutes]
    by_category: Mapping[str, Minutes]
    by_day: Mapping[date, Minutes]

    @property
    def credited_minutes(self) -> int:
        """Total credited minutes."""
        return self.total.credited

    @property
    def raw_minutes(self) -> int:
        """Total raw minutes."""
        return self.total.raw

    @property
    def weighted_minutes(self) -> Decimal:
        """Total weighted credit."""
        return self.total.weighted


def _check_window(window: Window) -> None:
    if not isinstance(window, Lifetime | CalendarYear | RollingMonths | DateRange):
        raise InvalidWindow.of("hours.window.invalid", "$.window", "expected a window")


def _check_accrual(accrual: Accrual) -> None:
    if not isinstance(accrual, Accrual):
        raise HoursInputError.of("hours.invalid_argument", "$.accrual", "expected an Accrual")


def _check_volunteer(volunteer_id: str) -> None:
    if not isinstance(volunteer_id, str):  # no entry has another id: the answer would be zero
        raise HoursInputError.of("hours.invalid_filter", "$.volunteer_id")


def _items(values: Iterable[object], path: str) -> Iterable[object]:
    """``values`` if it is a collection (not text); streamed by the caller, never held whole."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidEntry.of("hours.invalid_entry", path, "expected a sequence")
    return values


def _sum(volunteer_id: str, lines: Iterable[DayCredit], window: Window) -> Totals:
    total = Minutes()
    orgs: dict[str, Minutes] = defaultdict(Minutes)
    cats: dict[str, Minutes] = defaultdict(Minutes)
    days: dict[date, Minutes] = defaultdict(Minutes)
    for line in lines:
        if not window.contains(line.day):
            continue
        m = Minutes(
            raw=line.raw_minutes, credited=line.credited_minutes, weighted=line.weighted_minutes
        )
        total += m
        orgs[line.organization_id] += m
        cats[line.category] += m
        days[line.day] += m
    return Totals(
        volunteer_id=volunteer_id,
        window=window,
        total=total,
        by_organization=dict(sorted(orgs.items())),
        by_category=dict(sorted(cats.items())),
        by_day=dict(sorted(days.items())),
    )


def totals(accrual: Accrual, volunteer_id: str, window: Window = LIFETIME) -> Totals:
    """Total one volunteer's minutes over a window.

    Args:
        accrual: The accrual (from :func:`~volunteerkit.hours.accrue`).
        volunteer_id: The volunteer.
        window: Which local dates count (lifetime by default).

    Returns:
        The totals (all zero if the volunteer has no credit).

    Raises:
        HoursInputError: ``hours.invalid_argument`` (``$.accrual``) if ``accrual`` is not an
            :class:`~volunteerkit.hours.Accrual`; ``hours.invalid_filter`` (``$.volunteer_id``)
            if ``volunteer_id`` is not text.
        InvalidWindow: ``hours.window.invalid`` (``$.window``) if ``window`` is not a window.
    """
    _check_accrual(accrual)
    _check_volunteer(volunteer_id)
    _check_window(window)
    return _sum(volunteer_id, (d for d in accrual.days if d.volunteer_id == volunteer_id), window)


def totals_by_volunteer(accrual: Accrual, window: Window = LIFETIME) -> dict[str, Totals]:
    """Total every volunteer's minutes over a window.

    Args:
        accrual: The accrual.
        window: Which local dates count.

    Returns:
        Totals per volunteer id, sorted by id.

    Raises:
        HoursInputError: ``hours.invalid_argument`` (``$.accrual``) if ``accrual`` is not an
            :class:`~volunteerkit.hours.Accrual`.
        InvalidWindow: ``hours.window.invalid`` (``$.window``) if ``window`` is not a window.
    """
    _check_accrual(accrual)
    _check_window(window)
    lines: dict[str, list[DayCredit]] = defaultdict(list)
    for line in accrual.days:
        lines[line.volunteer_id].append(line)
    return {vid: _sum(vid, lines[vid], window) for vid in sorted(lines)}


def totals_as_of(
    entries: Iterable[ServiceEntry],
    events: Iterable[LedgerEvent],
    policy: AccrualPolicy,
    *,
    volunteer_id: str,
    as_of: datetime,
    window: Window = LIFETIME,
) -> Totals:
    """Fold the ledger as of ``as_of``, accrue under ``policy`` and total one volunteer.

    Only the volunteer's entries, and the events that refer to them, are folded.

    Args:
        entries: Recorded entries (any volunteers).
        events: Ledger events.
        policy: The accrual policy.
        volunteer_id: The volunteer.
        as_of: The instant to answer for (aware).
        window: Which local dates count.

    Returns:
        The volunteer's totals as they stood at ``as_of``.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive.
        InvalidEntry: ``hours.invalid_entry`` (``$.entries``, ``$.events``) if either is not a
            sequence, or (``$.entries[i]``) for an item that is not a
            :class:`~volunteerkit.hours.ServiceEntry`.
        InvalidEvent: ``hours.invalid_event`` (``$.events[i]``) for an item that is not an event.
        HoursInputError: ``hours.invalid_filter`` (``$.volunteer_id``) if ``volunteer_id`` is
            not text.
        InvalidWindow: ``hours.window.invalid`` (``$.window``) if ``window`` is not a window.
        LedgerConflict: If two different records share an id.
    """
    _check_volunteer(volunteer_id)
    _check_window(window)
    all_entries = _items(entries, "$.entries")
    all_events = _items(events, "$.events")
    mine: list[ServiceEntry] = []
    for i, entry in enumerate(all_entries):
        if not isinstance(entry, ServiceEntry):
            raise InvalidEntry.of("hours.invalid_entry", f"$.entries[{i}]", "expected an entry")
        if entry.volunteer_id == volunteer_id:
            mine.append(entry)
    ids = {e.id for e in mine}
    related: list[LedgerEvent] = []
    for i, event in enumerate(all_events):
        if not isinstance(event, Approved | Rejected | Voided | Corrected):
            raise InvalidEvent.of("hours.invalid_event", f"$.events[{i}]", "expected an event")
        if event.entry_id in ids:
            related.append(event)
    accrual = credited_as_of(mine, related, policy, as_of=as_of)
    return totals(accrual, volunteer_id, window)
