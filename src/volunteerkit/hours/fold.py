"""The ledger fold: the state of every entry as of an instant, as a pure function.

:func:`fold` takes the entries and events a store holds (in any order, duplicates allowed) and an
instant ``as_of``, and returns each entry's :class:`EntryState` as of that instant. It never reads a
clock and never mutates its inputs, so a store can feed it straight from a query, and "what was
credited as of T" is answered by folding with ``as_of=T``:

* only entries with ``recorded_at <= as_of`` exist, and only events with ``at <= as_of`` apply;
* events apply in the order of ``(at, event id)``, whatever order they arrive in;
* the same entry id given twice counts once if both copies are equal, and raises
  :class:`~volunteerkit.hours.errors.LedgerConflict` (``hours.entry_conflict``) if they differ; the
  same holds for event ids (``hours.event_conflict``);
* an event that cannot apply (unknown entry, dated before its entry was recorded, or a transition
  the table below does not allow) is skipped and reported in :attr:`LedgerState.ignored` with its
  code. :func:`check_event` raises the same codes, for a store to refuse such events on append.

Transitions (an entry starts in its ``initial_status``, pending or approved):

============  =======================  ==========  ==================  ==========
event         pending                  approved    rejected            voided
============  =======================  ==========  ==================  ==========
Approved      approved                 refused     approved (review)   refused
Rejected      rejected                 refused     refused             refused
Voided        voided                   voided      voided              refused
Corrected     applied                  applied     refused             refused
============  =======================  ==========  ==================  ==========

A correction either *adjusts* (new start, end and/or break; the status is kept) or *reverses* (the
entry's credit becomes zero for good; it accepts no further approval or correction, only voiding).
An entry is *effective*, i.e. credited, when it is approved and not reversed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

import attrs

from volunteerkit._clock import require_aware
from volunteerkit.hours._time import to_utc
from volunteerkit.hours.accrual import Accrual, accrue
from volunteerkit.hours.errors import InvalidEntry, InvalidEvent, LedgerConflict, UnknownEntry
from volunteerkit.hours.models import (
    Approved,
    Corrected,
    CorrectionKind,
    EntryId,
    EventId,
    LedgerEvent,
    Rejected,
    ServiceEntry,
    Source,
    Status,
    Voided,
    check_times,
)
from volunteerkit.hours.policy import AccrualPolicy

_T = TypeVar("_T")

__all__ = [
    "EntryState",
    "IgnoredEvent",
    "LedgerState",
    "apply_event",
    "check_event",
    "credited_as_of",
    "fold",
    "initial_state",
]


@attrs.frozen(kw_only=True)
class EntryState:
    """An entry as it stands after the events applied so far.

    Args:
        entry: The entry as recorded (never changed).
        start: Effective start (after adjustments), UTC.
        end: Effective end (after adjustments), UTC.
        break_minutes: Effective break minutes (after adjustments).
        status: Pending, approved, rejected or voided.
        reversed: True once a reversing correction applied.
        approved_by: Who approved it last (its recorder if it was recorded approved), or ``None``.
        approved_at: When, or ``None``.
        history: The events applied to it, in order.
    """

    entry: ServiceEntry
    start: datetime
    end: datetime
    break_minutes: int
    status: Status
    reversed: bool = False
    approved_by: str | None = None
    approved_at: datetime | None = None
    history: tuple[LedgerEvent, ...] = ()

    @property
    def id(self) -> EntryId:
        """The entry's id."""
        return self.entry.id

    @property
    def volunteer_id(self) -> str:
        """The entry's volunteer."""
        return self.entry.volunteer_id

    @property
    def source(self) -> Source:
        """How the entry was captured."""
        return self.entry.source

    @property
    def effective(self) -> bool:
        """True when the entry is credited: approved and not reversed."""
        return self.status is Status.APPROVED and not self.reversed

    def as_entry(self) -> ServiceEntry:
        """Return the recorded entry with the effective start, end and break.

        Returns:
            A :class:`ServiceEntry` (same id) carrying the corrected times, for re-validation.
        """
        return attrs.evolve(
            self.entry, start=self.start, end=self.end, break_minutes=self.break_minutes
        )


@attrs.frozen(kw_only=True)
class IgnoredEvent:
    """An event the fold skipped, and why.

    Args:
        event: The event.
        code: ``hours.unknown_entry``, ``hours.event_before_entry``, ``hours.invalid_transition``,
            or the entry invariant an adjustment would break (``hours.end_before_start``, ...).
    """

    event: LedgerEvent
    code: str


@attrs.frozen(kw_only=True)
class LedgerState:
    """Every entry's state as of an instant.

    Args:
        as_of: The instant (UTC).
        entries: Each entry recorded by then, ordered by id.
        ignored: Events dated by then that could not apply, in the order they were met.
    """

    as_of: datetime
    entries: tuple[EntryState, ...]
    ignored: tuple[IgnoredEvent, ...] = ()

    def get(self, entry_id: EntryId) -> EntryState:
        """Return the state of one entry.

        Args:
            entry_id: The entry's id.

        Returns:
            Its state.

        Raises:
            UnknownEntry: ``hours.unknown_entry`` if it was not recorded by :attr:`as_of`.
        """
        for state in self.entries:
            if state.id == entry_id:
                return state
        raise UnknownEntry.of("hours.unknown_entry", "$.entry_id")

    def effective(self) -> tuple[EntryState, ...]:
        """Return the entries that are credited (approved and not reversed)."""
        return tuple(s for s in self.entries if s.effective)


def initial_state(entry: ServiceEntry) -> EntryState:
    """Return an entry's state before any event.

    Args:
        entry: The recorded entry.

    Returns:
        Its state: ``initial_status``; an entry recorded approved counts as approved by its
        recorder at its recording instant.

    Raises:
        InvalidEntry: ``hours.invalid_entry`` (``$.entry``) if ``entry`` is not a
            :class:`~volunteerkit.hours.ServiceEntry`.
    """
    if not isinstance(entry, ServiceEntry):
        raise InvalidEntry.of("hours.invalid_entry", "$.entry", "expected a ServiceEntry")
    approved = entry.initial_status is Status.APPROVED
    return EntryState(
        entry=entry,
        start=entry.start,
        end=entry.end,
        break_minutes=entry.break_minutes,
        status=entry.initial_status,
        approved_by=entry.recorded_by if approved else None,
        approved_at=entry.recorded_at if approved else None,
    )


def _evolve(
    state: EntryState,
    *,
    history: tuple[LedgerEvent, ...],
    status: Status | None = None,
    reversed: bool | None = None,
    approved_by: str | None = None,
    approved_at: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    break_minutes: int | None = None,
) -> EntryState:
    """``attrs.evolve`` of a state, spelled out (the generic one is slow in the hot fold loop)."""
    approving = status is Status.APPROVED and approved_by is not None
    return EntryState(
        entry=state.entry,
        start=state.start if start is None else start,
        end=state.end if end is None else end,
        break_minutes=state.break_minutes if break_minutes is None else break_minutes,
        status=state.status if status is None else status,
        reversed=state.reversed if reversed is None else reversed,
        approved_by=approved_by if approving else state.approved_by,
        approved_at=approved_at if approving else state.approved_at,
        history=history,
    )


def _refuse(code: str, path: str = "$") -> InvalidEvent:
    return InvalidEvent.of(code, path)


def apply_event(state: EntryState, event: LedgerEvent) -> EntryState:
    """Apply one event to an entry's state.

    Args:
        state: The entry's current state.
        event: An event that refers to it.

    Returns:
        The new state.

    Raises:
        InvalidEntry: ``hours.invalid_entry`` (``$.state``) if ``state`` is not an
            :class:`EntryState`.
        InvalidEvent: ``hours.invalid_event`` (``$``) if ``event`` is not a ledger event,
            ``hours.unknown_entry`` if the event refers to another entry,
            ``hours.event_before_entry`` if it is dated before the entry was recorded,
            ``hours.invalid_transition`` if the transition table refuses it, or the entry
            invariant an adjustment would break (``hours.end_before_start``, ``hours.too_short``,
            ``hours.break_too_long``).
    """
    if not isinstance(state, EntryState):
        raise InvalidEntry.of("hours.invalid_entry", "$.state", "expected an EntryState")
    if not isinstance(event, _EVENT_CLASSES):
        raise InvalidEvent.of("hours.invalid_event", "$", "expected a ledger event")
    if event.entry_id != state.id:
        raise _refuse("hours.unknown_entry", "$.entry_id")
    if event.at < state.entry.recorded_at:
        raise _refuse("hours.event_before_entry", "$.at")
    status = state.status
    history = (*state.history, event)
    if isinstance(event, Approved):
        if state.reversed or status not in (Status.PENDING, Status.REJECTED):
            raise _refuse("hours.invalid_transition")
        return _evolve(
            state,
            status=Status.APPROVED,
            approved_by=event.actor,
            approved_at=event.at,
            history=history,
        )
    if isinstance(event, Rejected):
        if status is not Status.PENDING:
            raise _refuse("hours.invalid_transition")
        return _evolve(state, status=Status.REJECTED, history=history)
    if isinstance(event, Voided):
        if status is Status.VOIDED:
            raise _refuse("hours.invalid_transition")
        return _evolve(state, status=Status.VOIDED, history=history)
    if isinstance(event, Corrected):
        if state.reversed or status not in (Status.PENDING, Status.APPROVED):
            raise _refuse("hours.invalid_transition")
        if event.kind is CorrectionKind.REVERSE:
            return _evolve(state, reversed=True, history=history)
        start = state.start if event.start is None else event.start
        end = state.end if event.end is None else event.end
        brk = state.break_minutes if event.break_minutes is None else event.break_minutes
        try:
            check_times(start, end, brk)
        except InvalidEntry as err:
            raise InvalidEvent(err.message, err.message_zh, code=err.code, path=err.path) from None
        return _evolve(state, start=start, end=end, break_minutes=brk, history=history)
    raise InvalidEvent.of("hours.invalid_event", "$", "unknown event class")  # pragma: no cover


def check_event(state: EntryState | None, event: LedgerEvent) -> None:
    """Refuse an event that the fold would ignore; for stores to call before appending it.

    Args:
        state: The current state of the entry the event refers to, or ``None`` if unknown.
        event: The event.

    Raises:
        InvalidEvent: With the code the fold would report (see :func:`apply_event`).
    """
    if state is None:
        raise _refuse("hours.unknown_entry", "$.entry_id")
    apply_event(state, event)


_EVENT_CLASSES = (Approved, Rejected, Voided, Corrected)


def _iterable(values: Iterable[_T], path: str) -> Iterable[_T]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidEntry.of("hours.invalid_entry", path, "expected a sequence")
    return values


def _unique_entries(entries: Iterable[ServiceEntry]) -> dict[EntryId, ServiceEntry]:
    seen: dict[EntryId, ServiceEntry] = {}
    for i, entry in enumerate(_iterable(entries, "$.entries")):
        if not isinstance(entry, ServiceEntry):
            raise InvalidEntry.of(
                "hours.invalid_entry", f"$.entries[{i}]", "expected a ServiceEntry"
            )
        known = seen.get(entry.id)
        if known is None:
            seen[entry.id] = entry
        elif known != entry:
            raise LedgerConflict.of("hours.entry_conflict", f"$.entries[{i}].id", str(entry.id))
    return seen


def _unique_events(events: Iterable[LedgerEvent]) -> dict[EventId, LedgerEvent]:
    seen: dict[EventId, LedgerEvent] = {}
    for i, event in enumerate(_iterable(events, "$.events")):
        if not isinstance(event, _EVENT_CLASSES):
            raise InvalidEvent.of(
                "hours.invalid_event", f"$.events[{i}]", "expected a ledger event"
            )
        known = seen.get(event.id)
        if known is None:
            seen[event.id] = event
        elif known != event:
            raise LedgerConflict.of("hours.event_conflict", f"$.events[{i}].id", str(event.id))
    return seen


def fold(
    entries: Iterable[ServiceEntry], events: Iterable[LedgerEvent], *, as_of: datetime
) -> LedgerState:
    """Fold entries and events into each entry's state as of ``as_of``.

    Args:
        entries: Recorded entries, in any order; equal duplicates count once.
        events: Ledger events, in any order; equal duplicates (same event id) count once.
        as_of: The instant to answer for (aware).

    Returns:
        The state of every entry recorded at or before ``as_of``, after every event dated at or
        before ``as_of``, with the events that could not apply.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive (``$.as_of``).
        InvalidEntry: ``hours.invalid_entry`` (``$.entries[i]``) for an item that is not a
            :class:`~volunteerkit.hours.ServiceEntry`.
        InvalidEvent: ``hours.invalid_event`` (``$.events[i]``) for an item that is not an event.
        LedgerConflict: ``hours.entry_conflict`` or ``hours.event_conflict`` when two different
            records share an id (checked over all input, whatever ``as_of``).
    """
    as_of = to_utc(require_aware(as_of, "$.as_of"))
    all_entries = _unique_entries(entries)
    all_events = _unique_events(events)
    states: dict[EntryId, EntryState] = {
        eid: initial_state(entry)
        for eid, entry in all_entries.items()
        if entry.recorded_at <= as_of
    }
    ignored: list[IgnoredEvent] = []
    due = sorted((e for e in all_events.values() if e.at <= as_of), key=lambda e: (e.at, e.id))
    for event in due:
        state = states.get(event.entry_id)
        if state is None:
            ignored.append(IgnoredEvent(event=event, code="hours.unknown_entry"))
            continue
        try:
            states[event.entry_id] = apply_event(state, event)
        except InvalidEvent as err:
            ignored.append(IgnoredEvent(event=event, code=err.code))
    ordered = tuple(states[k] for k in sorted(states))
    return LedgerState(as_of=as_of, entries=ordered, ignored=tuple(ignored))


def credited_as_of(
    entries: Iterable[ServiceEntry],
    events: Iterable[LedgerEvent],
    policy: AccrualPolicy,
    *,
    as_of: datetime,
) -> Accrual:
    """Fold the ledger as of ``as_of`` and accrue the effective entries under ``policy``.

    Args:
        entries: Recorded entries.
        events: Ledger events.
        policy: The accrual policy.
        as_of: The instant to answer for (aware).

    Returns:
        The credit of every volunteer as it stood at ``as_of``.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive.
        LedgerConflict: If two different records share an id.
    """
    return accrue(fold(entries, events, as_of=as_of).entries, policy)
