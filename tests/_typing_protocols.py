"""Checked by mypy --strict in ``test_static_types.py``, never run: what users write.

A user annotates with the library's protocols and passes its stores, clocks and repositories.
Each call below must type-check; a protocol member declared as a plain attribute, for example,
would refuse every store whose attribute has a narrower type (``audit: AuditLog`` refused
``SQLAuditLog``).
"""

from __future__ import annotations

from volunteerkit import Clock, FixedClock, SystemClock
from volunteerkit.audit import AuditLog
from volunteerkit.awards.store import AwardRepository, AwardStore
from volunteerkit.hours.store import DirectApproval, LedgerRepository, LedgerStore
from volunteerkit.registry.store import RegistryStore
from volunteerkit.stores import MemoryStore, PostgresStore, SQLiteStore, Store
from volunteerkit.transfer.store import TransferRepository, TransferStore


def _store(store: Store) -> None: ...
def _awards(store: AwardStore) -> None: ...
def _ledger(store: LedgerStore) -> None: ...
def _registry(store: RegistryStore) -> None: ...
def _transfer(store: TransferStore) -> None: ...
def _repositories(
    audit: AuditLog, ledger: LedgerRepository, awards: AwardRepository, transfers: TransferRepository
) -> None: ...
def _direct(direct: DirectApproval) -> None: ...
def _clock(clock: Clock) -> None: ...


def every_store_satisfies_every_store_protocol(
    memory: MemoryStore, sqlite: SQLiteStore, postgres: PostgresStore
) -> None:
    """Each backend, as each part's services ask for it."""
    for store in (memory, sqlite, postgres):
        _store(store)
        _awards(store)
        _ledger(store)
        _registry(store)
        _transfer(store)
        _repositories(store.audit, store.ledger, store.awards, store.transfers)
    _direct(sqlite.ledger)
    _direct(postgres.ledger)


def both_clocks_are_clocks(fixed: FixedClock, system: SystemClock) -> None:
    """The clock the tests use and the one production uses."""
    _clock(fixed)
    _clock(system)
