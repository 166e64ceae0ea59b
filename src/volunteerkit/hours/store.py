"""The storage contract (port) of the hours ledger, and the rows it stores.

The ledger keeps three kinds of rows:

* **entries** (:class:`~volunteerkit.hours.ServiceEntry`) and **events** (the
  :data:`~volunteerkit.hours.LedgerEvent` classes): the records. They are strictly append-only:
  appending a record whose id is stored with the same content does nothing, and one with
  *different* content under a stored id raises :class:`~volunteerkit.errors.ConflictError`
  (code ``hours.entry_conflict`` / ``hours.event_conflict``). Nothing is updated or deleted; the SQL
  backends refuse ``UPDATE`` and ``DELETE`` with triggers.
* **credit rows** (:class:`CreditRow`): a materialized projection of the records, one row per
  effective entry and local day, saying how many raw, credited and weighted minutes that entry gave
  its volunteer on that day *during* ``[valid_from, valid_to)``. Credited minutes depend on the
  interplay of a volunteer's entries (daily caps, overlaps, per-day rounding), so they are computed
  by the core's :func:`~volunteerkit.hours.accrue` whenever a record of the volunteer changes what is
  credited (see :class:`volunteerkit.hours.ledger.Ledger`), and stored. Totals and aggregates as of
  an instant ``T`` are then plain ``SUM … GROUP BY`` over the rows valid at ``T``, computed inside
  the store. Credit rows are never deleted; their validity may only *shrink*: ``valid_to`` goes from
  ``NULL`` to an instant, or to an earlier instant (when a record dated in the past arrives and the
  history from that instant on is recomputed). The SQL backends enforce that with a trigger too.

Backends: :class:`volunteerkit.stores.MemoryStore`, :class:`~volunteerkit.stores.SQLiteStore` and
:class:`~volunteerkit.stores.PostgresStore` all implement :class:`LedgerRepository` as
``store.ledger``; :mod:`volunteerkit.testing.conformance_hours` checks that they agree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

import attrs

from volunteerkit._clock import require_aware
from volunteerkit.audit import AuditLog
from volunteerkit.hours.errors import InvalidWindow
from volunteerkit.hours.models import EntryId, LedgerEvent, ServiceEntry
from volunteerkit.hours.windows import Window

__all__ = [
    "WEIGHT_SCALE",
    "CreditClose",
    "CreditRow",
    "DirectApproval",
    "GroupKey",
    "LedgerRepository",
    "LedgerStore",
    "MinutesRow",
    "Query",
    "WriterTurns",
    "date_key",
    "day_text",
    "group_sort_key",
    "key_date",
    "month_text",
    "window_bounds",
]

WEIGHT_SCALE = 1_000_000
"""Weighted minutes are stored as integers in millionths of a minute (exact, and summable in SQL)."""


class GroupKey(StrEnum):
    """What aggregates can be grouped by."""

    VOLUNTEER = "volunteer"
    ORGANIZATION = "organization"
    REGION = "region"
    CATEGORY = "category"
    MONTH = "month"
    """The local month of service, as ``YYYY-MM``."""
    DAY = "day"
    """The local date of service, as ``YYYY-MM-DD``."""


def date_key(day: date) -> int:
    """Return the stored form of a local date: the integer ``YYYYMMDD``.

    Args:
        day: A local date.

    Returns:
        ``day.year * 10000 + day.month * 100 + day.day`` (month is ``key // 100``).
    """
    return day.year * 10000 + day.month * 100 + day.day


def key_date(key: int) -> date:
    """Return the local date of a stored ``YYYYMMDD`` integer.

    Args:
        key: The integer.

    Returns:
        The date.
    """
    return date(key // 10000, key // 100 % 100, key % 100)


def window_bounds(window: Window) -> tuple[int | None, int | None]:
    """Return the first and last local dates of a window as ``YYYYMMDD`` integers.

    Args:
        window: Any window.

    Returns:
        ``(first, last)``, each ``None`` when unbounded.

    Raises:
        InvalidWindow: ``hours.window.invalid`` if ``window`` is not a window.
    """
    first = getattr(window, "first", None)
    last = getattr(window, "last", None)
    if not hasattr(window, "contains"):
        raise InvalidWindow.of("hours.window.invalid", "$.window", "expected a window")
    return (
        None if first is None else date_key(first),
        None if last is None else date_key(last),
    )


def group_sort_key(key: tuple[str | None, ...]) -> tuple[tuple[bool, str], ...]:
    """Return the sort key of a group key: ``None`` first, then by text.

    Args:
        key: A group key.

    Returns:
        A key every backend sorts the same way.
    """
    return tuple((v is not None, v or "") for v in key)


def month_text(key: int) -> str:
    """Return ``YYYY-MM`` of a stored month ``YYYYMM``.

    Args:
        key: ``local_date // 100``.

    Returns:
        The month as text.
    """
    return f"{key // 100:04d}-{key % 100:02d}"


def day_text(key: int) -> str:
    """Return ``YYYY-MM-DD`` of a stored local date ``YYYYMMDD``.

    Args:
        key: The stored date.

    Returns:
        The date as text.
    """
    return f"{key // 10000:04d}-{key // 100 % 100:02d}-{key % 100:02d}"


def _utc(value: datetime) -> datetime:
    return require_aware(value, "$.valid_from").astimezone(UTC)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else require_aware(value, "$.valid_to").astimezone(UTC)


@attrs.frozen(kw_only=True)
class CreditRow:
    """What one effective entry credits its volunteer on one local day, during an interval.

    Args:
        volunteer_id: The volunteer.
        entry_id: The entry.
        organization_id: The entry's organization.
        category: The entry's category.
        region: The volunteer's home region when the row was computed, or ``None`` if unknown.
        local_date: The local date of service, as ``YYYYMMDD`` (see :func:`date_key`).
        raw_minutes: Minutes served that day.
        credited_minutes: Minutes credited that day.
        weighted_micro: Weighted credit in millionths of a minute (:data:`WEIGHT_SCALE`).
        valid_from: First instant at which the row is the entry's credit for that day (UTC).
        valid_to: Instant from which it no longer is, or ``None`` while it still is.
    """

    volunteer_id: str
    entry_id: EntryId
    organization_id: str
    category: str
    region: str | None
    local_date: int
    raw_minutes: int
    credited_minutes: int
    weighted_micro: int
    valid_from: datetime = attrs.field(converter=_utc)
    valid_to: datetime | None = attrs.field(default=None, converter=_utc_or_none)

    @property
    def key(self) -> tuple[EntryId, int]:
        """``(entry_id, local_date)``: at most one row per key is open at a time."""
        return (self.entry_id, self.local_date)

    @property
    def values(self) -> tuple[str, str, str | None, int, int, int]:
        """What the row says, for comparing two computations of one key."""
        return (
            self.organization_id,
            self.category,
            self.region,
            self.raw_minutes,
            self.credited_minutes,
            self.weighted_micro,
        )

    def valid_at(self, instant: datetime) -> bool:
        """Return whether the row is valid at ``instant``.

        Args:
            instant: An aware instant.

        Returns:
            ``valid_from <= instant < valid_to`` (``valid_to`` ``None`` means open).
        """
        return self.valid_from <= instant and (self.valid_to is None or instant < self.valid_to)


@attrs.frozen(kw_only=True)
class CreditClose:
    """Close the open credit row of ``(entry_id, local_date)`` at ``valid_to``.

    Args:
        volunteer_id: The entry's volunteer.
        entry_id: The entry.
        local_date: The local date (``YYYYMMDD``).
        valid_to: The closing instant (not before the row's ``valid_from``).
    """

    volunteer_id: str
    entry_id: EntryId
    local_date: int
    valid_to: datetime = attrs.field(converter=_utc)


@attrs.frozen(kw_only=True)
class Query:
    """Which credit rows an aggregate reads: valid at ``as_of``, in a date range, filtered.

    Args:
        as_of: The instant (aware).
        first: First local date (``YYYYMMDD``), or ``None``.
        last: Last local date (``YYYYMMDD``), or ``None``.
        volunteer_id: Only this volunteer.
        organization_id: Only this organization.
        region: Only this region.
        category: Only this category.
    """

    as_of: datetime
    first: int | None = None
    last: int | None = None
    volunteer_id: str | None = None
    organization_id: str | None = None
    region: str | None = None
    category: str | None = None


@attrs.frozen(kw_only=True)
class MinutesRow:
    """One group of an aggregate, as a store returns it.

    Args:
        key: The group's values, in the order of the grouping (months as ``YYYY-MM``, days as
            ``YYYY-MM-DD``; a region may be ``None``).
        raw_minutes: Sum of raw minutes.
        credited_minutes: Sum of credited minutes.
        weighted_micro: Sum of weighted credit in millionths of a minute.
    """

    key: tuple[str | None, ...]
    raw_minutes: int
    credited_minutes: int
    weighted_micro: int


@runtime_checkable
class LedgerRepository(Protocol):
    """Storage contract of the hours ledger (``store.ledger`` on every backend).

    Every write method is atomic: it writes everything or, on error, nothing.
    """

    def add_entries(self, entries: Sequence[ServiceEntry]) -> int:
        """Append entries; identical replays are skipped.

        Args:
            entries: The entries.

        Returns:
            How many were newly written.

        Raises:
            ConflictError: ``hours.entry_conflict`` if a different entry is stored under one of
                the ids (or two different entries of ``entries`` share one); nothing is written.
        """
        ...

    def add_events(self, events: Sequence[LedgerEvent]) -> int:
        """Append events; identical replays are skipped.

        Args:
            events: The events. The entry each refers to must be stored.

        Returns:
            How many were newly written.

        Raises:
            ConflictError: ``hours.event_conflict`` for a different event under a stored id.
            NotFoundError: ``hours.unknown_entry`` if an event refers to no stored entry.
        """
        ...

    def get_entries(self, entry_ids: Collection[EntryId]) -> dict[EntryId, ServiceEntry]:
        """Return the stored entries among ``entry_ids`` (missing ids are left out).

        Args:
            entry_ids: Entry ids.

        Returns:
            The entries found, by id.
        """
        ...

    def entry_events(self, entry_id: EntryId) -> list[LedgerEvent]:
        """Return the events of one entry, ordered by ``(at, id)``.

        Args:
            entry_id: The entry.

        Returns:
            Its events.
        """
        ...

    def events_of(self, entry_ids: Collection[EntryId]) -> dict[EntryId, list[LedgerEvent]]:
        """Return the events of each entry, ordered by ``(at, id)``.

        Args:
            entry_ids: Entry ids.

        Returns:
            Events per entry that has any.
        """
        ...

    def latest_change(self, volunteer_ids: Collection[str]) -> dict[str, datetime]:
        """Return, per volunteer, the latest ``recorded_at`` or event ``at`` of its records.

        Args:
            volunteer_ids: The volunteers.

        Returns:
            The latest instant per volunteer that has any record.
        """
        ...

    def records_of(
        self, volunteer_ids: Collection[str]
    ) -> dict[str, tuple[list[ServiceEntry], list[LedgerEvent]]]:
        """Return every entry and event of each volunteer.

        Args:
            volunteer_ids: The volunteers.

        Returns:
            ``(entries ordered by id, events ordered by (at, id))`` per volunteer that has any.
        """
        ...

    def isolated(self, entry_ids: Collection[EntryId]) -> set[EntryId]:
        """Return the entries that no other record of their volunteer can change the credit of.

        An entry is isolated when no other entry of its volunteer shares an instant with it
        (recorded times, half-open ``[start, end)``: back-to-back entries share none) and no entry
        of its volunteer has a correction event. The ledger credits an isolated entry on its own
        when the policy has no daily cap and no per-day rounding.

        Args:
            entry_ids: Stored entries (unknown ids are not returned).

        Returns:
            The isolated ones.
        """
        ...

    def volunteers(self) -> list[str]:
        """Return every volunteer id with at least one entry, sorted."""
        ...

    def count_entries(self) -> int:
        """Return how many entries are stored."""
        ...

    def count_events(self) -> int:
        """Return how many events are stored."""
        ...

    def open_credit(self, volunteer_ids: Collection[str]) -> dict[str, list[CreditRow]]:
        """Return the open credit rows (``valid_to`` is ``None``) of each volunteer.

        Args:
            volunteer_ids: The volunteers.

        Returns:
            Rows per volunteer that has any.
        """
        ...

    def credit_history(self, volunteer_id: str) -> list[CreditRow]:
        """Return every credit row of a volunteer, ordered by date, entry and ``valid_from``.

        Args:
            volunteer_id: The volunteer.

        Returns:
            The rows, open and closed.
        """
        ...

    def write_credit(self, closes: Iterable[CreditClose], rows: Iterable[CreditRow]) -> None:
        """Close open credit rows and append new ones (atomically).

        Args:
            closes: Open rows to close.
            rows: New rows (``valid_to`` may already be set).

        Raises:
            IntegrityError: If a close would lengthen a row or there is no open row to close.
        """
        ...

    def truncate_credit(self, volunteer_id: str, since: datetime) -> None:
        """Shrink every credit row of a volunteer that is valid at or after ``since``.

        Rows still valid at ``since`` end there; rows that start at or after ``since`` end where
        they start (valid for no instant). Used before recomputing history from ``since``.

        Args:
            volunteer_id: The volunteer.
            since: The instant from which history is recomputed.
        """
        ...

    def sum_credit(self, query: Query, group_by: Sequence[GroupKey]) -> list[MinutesRow]:
        """Sum the credit rows that ``query`` selects, grouped (computed inside the store).

        Args:
            query: Which rows.
            group_by: Grouping keys (none for a single total).

        Returns:
            One row per group with any selected credit row, ordered by key (``None`` first).
        """
        ...

    def count_active(
        self, query: Query, group_by: Sequence[GroupKey]
    ) -> list[tuple[tuple[str | None, ...], int]]:
        """Count distinct volunteers with credited minutes in the selected rows, grouped.

        Args:
            query: Which rows.
            group_by: Grouping keys (none for a single count).

        Returns:
            ``(key, count)`` per group with a positive count, ordered by key.
        """
        ...

    def get_setting(self, name: str) -> str | None:
        """Return a stored ledger setting (such as the policy credit is computed under).

        Args:
            name: The setting.

        Returns:
            Its text, or ``None``.
        """
        ...

    def put_setting(self, name: str, value: str) -> None:
        """Store a ledger setting once; storing the same value again is a no-op.

        Args:
            name: The setting.
            value: Its text.

        Raises:
            ConflictError: ``hours.setting_conflict`` if a different value is stored.
        """
        ...


@runtime_checkable
class WriterTurns(Protocol):
    """Optional: a ledger repository whose writers must take turns, and how they do.

    A volunteer's credit is computed from all of their records (a daily cap, overlapping entries
    counted once), then written. Where two transactions can write at once and each reads without
    the other's uncommitted records (PostgreSQL under read committed), both would credit from
    what they read: two 300-minute days approved together under a 480-minute cap were credited
    600, and one entry approved twice at once was credited twice. A
    :class:`~volunteerkit.hours.ledger.Ledger` calls :meth:`take_turn` at the start of each write
    transaction, before it reads anything it writes from. The SQL repositories implement it
    (SQLite's writers already take turns, so there it does nothing); the memory store, used by
    one process, does not need to.
    """

    def take_turn(self) -> None:
        """Wait until no other ledger writer of this store is inside its transaction.

        The turn is held until the caller's transaction ends.
        """
        ...


@runtime_checkable
class DirectApproval(Protocol):
    """Optional: a ledger repository that approves and credits plain entries in its own engine.

    The SQL repositories implement it; the memory store does not need to. A
    :class:`~volunteerkit.hours.ledger.Ledger` whose policy credits an isolated entry as its served
    minutes per local day (no rounding, no daily cap, no per-entry maximum, no time windows) hands
    the entries of each batch of :meth:`~volunteerkit.hours.ledger.Ledger.approve_many` to the
    store, which finds the *plain* ones and writes their approval events and credit rows with
    set-based SQL instead of reading them back into Python. The rows are the ones the ledger would
    compute; a Hypothesis property checks them against the memory store, which computes them in
    Python.
    """

    def approve_direct(
        self,
        entry_ids: Sequence[str],
        *,
        at: datetime,
        actor: str,
        reason: str,
        event_prefix: str,
        event_start: int,
        certified_in_store: bool,
    ) -> list[int]:
        """Approve the plain entries among ``entry_ids`` at ``at``; return where the others are.

        An entry is plain at ``at`` when it is stored, was recorded pending at or before ``at``,
        has no event, is isolated (see :meth:`LedgerRepository.isolated`), its served interval
        lies from 1970-01-02 on and ends before 9999-01-01 (UTC), is at most 48 hours long and
        sees one UTC offset of its zone (a whole number of minutes), and, with
        ``certified_in_store``, the store keeps no certified credit for it
        (``vk_transfer_entries``). The others are left alone.

        Each plain entry gets its approval event. Event ids count up in the order of
        ``entry_ids`` (RFC 9562, section 6.2, method 2: monotonic within the call), so one
        batch's events go into the id index side by side rather than at random places. The
        credit rows follow with :meth:`credit_direct`, which the caller must call in the same
        transaction: events without their credit rows must never be committed.

        Args:
            entry_ids: Entry ids as text (``str(EntryId)``), each listed once.
            at: The approval instant.
            actor: Who approves (validated by the caller).
            reason: Why (validated by the caller).
            event_prefix: ``origin:`` and the first 19 characters of a UUIDv7 text for ``at``
                (time, version and the 12-bit ``rand_a``, then ``-``).
            event_start: The 62-bit ``rand_b`` field of the first event id, below ``2**61``;
                the event of ``entry_ids[i]`` has ``event_start + i``.
            certified_in_store: Whether to exclude entries with certified credit in this store.

        Returns:
            The positions in ``entry_ids`` of the entries left alone, ascending (usually none,
            so the ids approved need not travel back).

        Raises:
            IntegrityError: ``hours.direct_repeated`` if an id is listed twice (nothing written).
        """
        ...

    def plain_volunteers(self) -> list[str]:
        """Return the volunteers of the entries the last approve_direct approved.

        For the caller's regions: call it before :meth:`credit_direct`, which forgets them.

        Returns:
            Their volunteer ids, sorted, each once.
        """
        ...

    def credit_direct(
        self, *, at: datetime, multipliers: Mapping[str, int], regions: Mapping[str, str]
    ) -> int:
        """Write the credit rows, valid from ``at``, of the entries the last approve_direct approved.

        One row per local day of ``[start, end - break)``; raw and credited minutes equal;
        weighted micro-minutes are the minutes times the category's multiplier. The entries are
        then forgotten, so a second call writes nothing.

        Args:
            at: The approval instant given to :meth:`approve_direct`.
            multipliers: Weighted micro-minutes per minute by category (others: ``WEIGHT_SCALE``).
            regions: Home region by volunteer (volunteers without one are left out).

        Returns:
            How many credit rows were written.
        """
        ...


class LedgerStore(Protocol):
    """What :class:`~volunteerkit.hours.ledger.Ledger` needs from a store."""

    @property
    def ledger(self) -> LedgerRepository:
        """The ledger repository."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit log."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Return a nestable atomic block."""
        ...
