"""The storage contract (port) of transfers, and the record of each imported entry.

A store that serves transfers has ``store.transfers`` (:class:`TransferRepository`) next to its
hours ledger (``store.ledger``) and audit log (``store.audit``), and makes work atomic with
``transaction()`` (:class:`TransferStore`). The backends in :mod:`volunteerkit.stores` (memory,
SQLite, PostgreSQL) implement it and run :mod:`volunteerkit.testing.conformance_transfer`.

The repository keeps two kinds of records, both append-only:

* **transfers** (:class:`~volunteerkit.transfer.workflow.Transfer`): each side's fixed facts and its
  steps. A step is appended at a given position (``seq``, the number of steps before it): two
  writers racing to take the same step cannot both succeed (``transfer.concurrent_update``).
* **transferred entries** (:class:`TransferredEntry`): for every entry a destination imported,
  the credit its source certified, per local date. The hours ledger reads them through
  :meth:`TransferRepository.certified_credit` so that a transferred entry keeps its certified
  minutes instead of being recomputed under the destination's accrual policy.

Error codes are the same on every backend:

================================  ======================================================
code                              when
================================  ======================================================
``transfer.exists``               ``add`` of a transfer id already stored
``transfer.not_found``            ``get``/``append_step`` of an unknown transfer id
``transfer.concurrent_update``    ``append_step`` at a position already taken
``transfer.invalid``              ``append_step`` that would leave a gap
``transfer.entry_conflict``       a different transferred entry under a stored entry id
``transfer.invalid``              an argument of the wrong type (a transfer id that is not
                                  text, a ``seq`` that is not an ``int``, a role or state
                                  filter that is not one); text that cannot be a stored id
                                  (empty, NUL, a lone surrogate, too long) is not an error
                                  but finds nothing: ``transfer.not_found``
================================  ======================================================
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

import attrs

from volunteerkit._clock import require_aware
from volunteerkit.audit import AuditLog
from volunteerkit.hours.models import EntryId, Source
from volunteerkit.hours.store import LedgerRepository
from volunteerkit.transfer.errors import TransferInputError
from volunteerkit.transfer.models import CertifiedDay
from volunteerkit.transfer.workflow import Role, Transfer, TransferState, TransferStep

__all__ = [
    "TransferRepository",
    "TransferStore",
    "TransferredEntry",
    "checked_entries",
    "checked_entry",
    "checked_filters",
    "checked_id",
    "checked_step",
    "checked_transfer",
]


def checked_id(value: object, path: str = "$.transfer_id") -> str:
    """Return a transfer id a caller looks up by, refusing a value that is not text.

    Every backend answers the same: a value that is not a ``str`` (a number, ``bytes``, ``None``,
    a list) is refused here, before any backend compares it with its own rules (SQLite would
    find the transfer ``"5"`` by the number 5, PostgreSQL refuses the statement, a dict refuses
    a list). Text that no transfer can have finds nothing on every backend.

    Args:
        value: The id given.
        path: Its path, for the error.

    Returns:
        ``value``.

    Raises:
        TransferInputError: ``transfer.invalid`` at ``path``.
    """
    if not isinstance(value, str):
        raise TransferInputError.of("transfer.invalid", path, "a transfer id is text")
    return value


def checked_step(seq: object, step: object) -> int:
    """Check the arguments of ``append_step`` other than the id (see :func:`checked_id`).

    Args:
        seq: The position given.
        step: The step given.

    Returns:
        ``seq``.

    Raises:
        TransferInputError: ``transfer.invalid`` at ``$.seq`` (not an ``int``) or ``$.step``
            (not a :class:`~volunteerkit.transfer.workflow.TransferStep`).
    """
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise TransferInputError.of("transfer.invalid", "$.seq", "a position is an integer")
    if not isinstance(step, TransferStep):
        raise TransferInputError.of("transfer.invalid", "$.step", "expected a TransferStep")
    return seq


def checked_transfer(transfer: object) -> Transfer:
    """Return the argument of ``add`` if it is a :class:`~volunteerkit.transfer.workflow.Transfer`.

    Raises:
        TransferInputError: ``transfer.invalid`` at ``$``.
    """
    if not isinstance(transfer, Transfer):
        raise TransferInputError.of("transfer.invalid", "$", "expected a Transfer")
    return transfer


def checked_entries(entries: object) -> Iterator[object]:
    """Return an iterator over the argument of ``add_entries``, refusing one that is not a batch.

    Check each item with :func:`checked_entry` where the backend looks at it, in input order,
    so that every backend reports the first problem of a batch (see ``add_entries``).

    Raises:
        TransferInputError: ``transfer.invalid`` at ``$.entries`` for text, bytes or an object
            that is not iterable (before, a bare ``TypeError``).
    """
    if isinstance(entries, str | bytes) or not isinstance(entries, Iterable):
        raise TransferInputError.of(
            "transfer.invalid", "$.entries", "expected transferred entries"
        )
    return iter(entries)


def checked_entry(entry: object, index: int) -> TransferredEntry:
    """Return the ``index``-th item of an ``add_entries`` batch if it is a :class:`TransferredEntry`.

    Raises:
        TransferInputError: ``transfer.invalid`` at ``$.entries[index]`` (before, a bare
            ``AttributeError``).
    """
    if not isinstance(entry, TransferredEntry):
        raise TransferInputError.of(
            "transfer.invalid", f"$.entries[{index}]", "expected a TransferredEntry"
        )
    return entry


def checked_filters(
    volunteer_id: object, role: object, state: object
) -> tuple[str | None, Role | None, TransferState | None]:
    """Check the filters of ``find``: ``None``, or text, a :class:`Role`, a :class:`TransferState`.

    A role or state may be given by its value (``"source"``), as the enums are text.

    Returns:
        The filters, the role and state as enum members.

    Raises:
        TransferInputError: ``transfer.invalid`` at ``$.volunteer_id``, ``$.role`` or ``$.state``.
    """
    if volunteer_id is not None and not isinstance(volunteer_id, str):
        raise TransferInputError.of("transfer.invalid", "$.volunteer_id", "expected text")
    out_role: Role | None = None
    out_state: TransferState | None = None
    if role is not None:
        if not isinstance(role, str) or role not in {r.value for r in Role}:
            raise TransferInputError.of("transfer.invalid", "$.role", "expected a Role")
        out_role = Role(role)
    if state is not None:
        if not isinstance(state, str) or state not in {t.value for t in TransferState}:
            raise TransferInputError.of("transfer.invalid", "$.state", "expected a TransferState")
        out_state = TransferState(state)
    return volunteer_id, out_role, out_state


def _utc(value: datetime) -> datetime:
    return require_aware(value, "$.at").astimezone(UTC)


def _days(value: Iterable[CertifiedDay]) -> tuple[CertifiedDay, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class TransferredEntry:
    """What a destination keeps about one entry it imported.

    Args:
        entry_id: The entry's global id (the same in the ledger and at the source).
        volunteer_id: The volunteer at the destination.
        transfer_id: The transfer that brought it.
        package_id: The package that brought it.
        source: The region or platform that certified it.
        captured_by: How the time was captured at the source.
        certified_by: Who certified (approved) it at the source.
        certified_at: When (UTC).
        source_recorded_at: When the source recorded it (UTC).
        credited_minutes: The minutes the source certified.
        days: The certified minutes per local date.
        flagged: Imported although it overlaps a local entry (overlap policy ``keep_and_flag``).
        imported_at: When the destination imported it (UTC).
    """

    entry_id: EntryId
    volunteer_id: str
    transfer_id: str
    package_id: str
    source: str
    captured_by: Source
    certified_by: str
    certified_at: datetime = attrs.field(converter=_utc)
    source_recorded_at: datetime = attrs.field(converter=_utc)
    credited_minutes: int
    days: tuple[CertifiedDay, ...] = attrs.field(converter=_days)
    flagged: bool = False
    imported_at: datetime = attrs.field(converter=_utc)


@runtime_checkable
class TransferRepository(Protocol):
    """Storage of transfers and transferred entries (``store.transfers``).

    Every write method is atomic: it writes everything or, on error, nothing.
    """

    def add(self, transfer: Transfer) -> None:
        """Store a new transfer record with its steps.

        Args:
            transfer: The record.

        Raises:
            ConflictError: ``transfer.exists`` if its id is stored.
        """
        ...

    def append_step(self, transfer_id: str, seq: int, step: TransferStep) -> None:
        """Append a step at position ``seq`` (the number of steps already stored).

        Args:
            transfer_id: The transfer.
            seq: The position, from 0; the first step is stored by :meth:`add`.
            step: The step.

        Raises:
            NotFoundError: ``transfer.not_found``.
            ConflictError: ``transfer.concurrent_update`` if position ``seq`` is taken.
            IntegrityError: ``transfer.invalid`` if ``seq`` would leave a gap.
        """
        ...

    def get(self, transfer_id: str) -> Transfer:
        """Return the transfer with its steps.

        Args:
            transfer_id: The transfer.

        Returns:
            The record.

        Raises:
            NotFoundError: ``transfer.not_found``.
        """
        ...

    def find(
        self,
        *,
        volunteer_id: str | None = None,
        role: Role | None = None,
        state: TransferState | None = None,
    ) -> list[Transfer]:
        """Return the transfers matching every filter given, ordered by creation and id.

        Args:
            volunteer_id: Only this volunteer's.
            role: Only the records of this side.
            state: Only those in this state now.

        Returns:
            The records.
        """
        ...

    def add_entries(self, entries: Iterable[TransferredEntry]) -> int:
        """Store transferred entries, streaming; identical replays are skipped.

        Args:
            entries: The entries (an iterator is consumed once).

        Returns:
            How many were newly written.

        Raises:
            ConflictError: ``transfer.entry_conflict`` if a different entry is stored under one
                of the ids; nothing is written.
            NotFoundError: ``transfer.not_found`` (``$.entries[i].transfer_id``) if a new entry's
                transfer is not stored; nothing is written.
            TransferInputError: ``transfer.invalid`` at ``$.entries`` if ``entries`` is not
                iterable, or at ``$.entries[i]`` for an item that is not a
                :class:`TransferredEntry`; nothing is written.

        The entries are checked in input order and the first problem is raised, on every
        backend: an entry refused is refused at its own index, whatever follows it.
        """
        ...

    def get_entries(self, entry_ids: Collection[EntryId]) -> dict[EntryId, TransferredEntry]:
        """Return the stored transferred entries among ``entry_ids``.

        Args:
            entry_ids: Entry ids.

        Returns:
            The entries found, by id.
        """
        ...

    def certified_credit(
        self, volunteer_ids: Collection[str]
    ) -> dict[EntryId, tuple[CertifiedDay, ...]]:
        """Return the certified credit of every transferred entry of these volunteers.

        This is what the hours ledger credits such an entry with, whatever its own policy.

        Args:
            volunteer_ids: Volunteers at this side.

        Returns:
            Certified minutes per local date, by entry id.
        """
        ...

    def count_entries(self) -> int:
        """Return how many transferred entries are stored."""
        ...


@runtime_checkable
class TransferStore(Protocol):
    """What :class:`~volunteerkit.transfer.service.Transfers` needs of a store."""

    @property
    def transfers(self) -> TransferRepository:
        """The transfer repository."""
        ...

    @property
    def ledger(self) -> LedgerRepository:
        """The hours ledger repository."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit log."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Return a nestable atomic block."""
        ...
