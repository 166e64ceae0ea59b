"""The in-memory backend: a real, shipped store that behaves exactly like the SQL ones.

It keeps its data in Python dicts and makes transactions atomic with an undo log: every change made
inside :meth:`MemoryStore.transaction` records how to undo itself, and a block that raises is undone in
reverse order (inner blocks roll back to their own mark, like savepoints). It runs the same
conformance suite as SQLite and PostgreSQL. Data lives as long as the object.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from volunteerkit.stores._base import Migration
from volunteerkit.stores._memory_audit import MemoryAuditLog
from volunteerkit.stores._memory_awards import MemoryAwardRepository
from volunteerkit.stores._memory_hours import MemoryLedgerRepository
from volunteerkit.stores._memory_matching import MemoryMatchingRepository
from volunteerkit.stores._memory_registry import memory_registry_repositories
from volunteerkit.stores._memory_stats import MemoryStatsRepository
from volunteerkit.stores._memory_transfer import MemoryTransferRepository

__all__ = ["MemoryStore"]


class MemoryStore:
    """A store held in memory.

    Attributes:
        audit: The audit log.

    Examples:
        >>> store = MemoryStore()
        >>> store.audit.count()
        0
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._undo: list[Callable[[], None]] | None = None
        self._closed = False
        self.audit = MemoryAuditLog(self)
        self.volunteers, self.organizations, self.memberships = memory_registry_repositories(self)
        self.ledger = MemoryLedgerRepository(self)
        self.transfers = MemoryTransferRepository(self)
        self.awards = MemoryAwardRepository(self)
        self.matching = MemoryMatchingRepository(self)
        self.stats = MemoryStatsRepository(self)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make everything inside the block atomic; nested blocks roll back to their own start.

        Yields:
            Nothing; write through the store's repositories inside the block.
        """
        with self._lock:
            outer = self._undo is None
            if outer:
                self._undo = []
            undo = self._undo
            assert undo is not None
            mark = len(undo)
            try:
                yield
            except BaseException:
                while len(undo) > mark:
                    undo.pop()()
                raise
            finally:
                if outer:
                    self._undo = None

    def on_rollback(self, action: Callable[[], None]) -> None:
        """Register how to undo a change just made (repositories call this inside a transaction).

        Args:
            action: A function that reverses the change.
        """
        if self._undo is not None:
            self._undo.append(action)

    @property
    def migrations_applied(self) -> list[Migration]:
        """Always empty: a memory store has no schema to migrate."""
        return []

    def applied_migrations(self) -> list[tuple[str, int, str]]:
        """Always empty: a memory store has no schema to migrate."""
        return []

    def close(self) -> None:
        """Mark the store closed (there is nothing to release)."""
        self._closed = True

    def __enter__(self) -> MemoryStore:
        """Return the store itself."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()

    def __repr__(self) -> str:
        """Return ``MemoryStore()``."""
        return "MemoryStore()"
