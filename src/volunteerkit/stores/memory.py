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
from typing import Any, NoReturn

from volunteerkit.stores._base import Migration, closed_error
from volunteerkit.stores._memory_audit import MemoryAuditLog
from volunteerkit.stores._memory_awards import MemoryAwardRepository
from volunteerkit.stores._memory_hours import MemoryLedgerRepository
from volunteerkit.stores._memory_matching import MemoryMatchingRepository
from volunteerkit.stores._memory_registry import memory_registry_repositories
from volunteerkit.stores._memory_stats import MemoryStatsRepository
from volunteerkit.stores._memory_transfer import MemoryTransferRepository

__all__ = ["MemoryStore"]

_REPOSITORIES = (
    "audit",
    "volunteers",
    "organizations",
    "memberships",
    "ledger",
    "transfers",
    "awards",
    "matching",
    "stats",
)


def _refuse_closed() -> NoReturn:
    raise closed_error()


class _Closed:
    """What a closed :class:`MemoryStore`'s repositories become: any use is ``store.closed``.

    The SQL stores refuse every call once their connection is closed; this makes the memory store
    answer the same, without a check in every repository method.
    """

    def __getattr__(self, name: str) -> Any:
        _refuse_closed()


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
        if self._closed:
            _refuse_closed()
        with self._lock:
            outer = self._undo is None
            if outer:
                self._undo = []
            undo = self._undo
            assert undo is not None
            mark = len(undo)
            try:
                yield
                if self._closed:  # closed inside the block: nothing is committed, as on SQL
                    _refuse_closed()
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
        """Always empty: a memory store has no schema to migrate (``store.closed`` once closed)."""
        if self._closed:
            _refuse_closed()
        return []

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Close the store: from then on it refuses every use with ``store.closed``.

        There is nothing to release; the data is dropped, as a closed SQL store's connection is.
        Closing twice is harmless.
        """
        self._closed = True
        with self._lock:
            for name in _REPOSITORIES:
                setattr(self, name, _Closed())

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
