"""Transfers on the memory backend: the same records as the SQL backends, in dicts."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

import attrs

from volunteerkit.errors import ConflictError, IntegrityError, NotFoundError
from volunteerkit.hours.models import EntryId
from volunteerkit.stores._base import require_open
from volunteerkit.transfer.errors import transfer_error
from volunteerkit.transfer.models import CertifiedDay
from volunteerkit.transfer.store import (
    TransferredEntry,
    checked_entries,
    checked_entry,
    checked_filters,
    checked_id,
    checked_step,
    checked_transfer,
)
from volunteerkit.transfer.workflow import Role, Transfer, TransferState, TransferStep

if TYPE_CHECKING:
    from volunteerkit.stores.memory import MemoryStore

__all__ = ["MemoryTransferRepository"]


class MemoryTransferRepository:
    """:class:`~volunteerkit.transfer.store.TransferRepository` kept in memory."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._transfers: dict[str, Transfer] = {}
        self._entries: dict[EntryId, TransferredEntry] = {}
        self._entries_of: dict[str, dict[EntryId, None]] = {}

    # ----------------------------------------------------------------------------- transfers

    def add(self, transfer: Transfer) -> None:
        """Store a new transfer (see :meth:`~volunteerkit.transfer.store.TransferRepository.add`)."""
        checked_transfer(transfer)
        with self._store.transaction():
            if transfer.id in self._transfers:
                raise transfer_error(ConflictError, "transfer.exists", "$.id")
            self._transfers[transfer.id] = transfer
            self._store.on_rollback(functools.partial(self._forget, transfer.id))

    def _forget(self, transfer_id: str) -> None:
        del self._transfers[transfer_id]

    def append_step(self, transfer_id: str, seq: int, step: TransferStep) -> None:
        """Append a step at ``seq`` (see the protocol)."""
        checked_id(transfer_id)
        checked_step(seq, step)
        with self._store.transaction():
            stored = self._transfers.get(transfer_id)
            if stored is None:
                raise transfer_error(NotFoundError, "transfer.not_found", "$.transfer_id")
            if seq < len(stored.steps):
                raise transfer_error(ConflictError, "transfer.concurrent_update", "$.seq")
            if seq > len(stored.steps):
                raise transfer_error(IntegrityError, "transfer.invalid", "$.seq", "a gap")
            self._transfers[transfer_id] = attrs.evolve(stored, steps=(*stored.steps, step))

            def undo() -> None:
                self._transfers[transfer_id] = stored

            self._store.on_rollback(undo)

    def get(self, transfer_id: str) -> Transfer:
        """Return a transfer (see the protocol)."""
        transfer_id = checked_id(transfer_id)
        require_open(self._store)
        stored = self._transfers.get(transfer_id)
        if stored is None:
            raise transfer_error(NotFoundError, "transfer.not_found", "$.transfer_id")
        return stored

    def find(
        self,
        *,
        volunteer_id: str | None = None,
        role: Role | None = None,
        state: TransferState | None = None,
    ) -> list[Transfer]:
        """Return matching transfers ordered by creation and id (see the protocol)."""
        volunteer_id, role, state = checked_filters(volunteer_id, role, state)
        require_open(self._store)
        found = [
            t
            for t in self._transfers.values()
            if (volunteer_id is None or t.volunteer_id == volunteer_id)
            and (role is None or t.role is role)
            and (state is None or t.state is state)
        ]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    # ----------------------------------------------------------------------------- entries

    def add_entries(self, entries: Iterable[TransferredEntry]) -> int:
        """Store transferred entries; replays are skipped (see the protocol)."""
        written = 0
        items = checked_entries(entries)
        with self._store.transaction():
            for i, item in enumerate(items):
                entry = checked_entry(item, i)
                known = self._entries.get(entry.entry_id)
                if known is not None:
                    if known != entry:
                        raise transfer_error(
                            ConflictError, "transfer.entry_conflict", f"$.entries[{i}].entry_id"
                        )
                    continue
                if entry.transfer_id not in self._transfers:
                    raise transfer_error(
                        NotFoundError, "transfer.not_found", f"$.entries[{i}].transfer_id"
                    )
                self._entries[entry.entry_id] = entry
                self._entries_of.setdefault(entry.volunteer_id, {})[entry.entry_id] = None
                self._store.on_rollback(functools.partial(self._drop, entry))
                written += 1
        return written

    def _drop(self, entry: TransferredEntry) -> None:
        del self._entries[entry.entry_id]
        del self._entries_of[entry.volunteer_id][entry.entry_id]

    def get_entries(self, entry_ids: Collection[EntryId]) -> dict[EntryId, TransferredEntry]:
        """Return stored transferred entries by id (see the protocol)."""
        require_open(self._store)
        return {i: self._entries[i] for i in entry_ids if i in self._entries}

    def certified_credit(
        self, volunteer_ids: Collection[str]
    ) -> dict[EntryId, tuple[CertifiedDay, ...]]:
        """Return certified credit by entry id (see the protocol)."""
        require_open(self._store)
        return {
            i: self._entries[i].days
            for vid in volunteer_ids
            for i in self._entries_of.get(vid, ())
        }

    def count_entries(self) -> int:
        """Return how many transferred entries are stored."""
        require_open(self._store)
        return len(self._entries)
