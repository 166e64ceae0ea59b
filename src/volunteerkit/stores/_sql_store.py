"""The part of a store that both SQL backends share: repositories over one :class:`SQLDatabase`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType

from volunteerkit.stores._base import Migration, SQLDatabase
from volunteerkit.stores._sql_audit import SQLAuditLog
from volunteerkit.stores._sql_awards import SQLAwardRepository
from volunteerkit.stores._sql_hours import SQLLedgerRepository
from volunteerkit.stores._sql_matching import SQLMatchingRepository
from volunteerkit.stores._sql_registry import sql_registry_repositories
from volunteerkit.stores._sql_stats import SQLStatsRepository
from volunteerkit.stores._sql_transfer import SQLTransferRepository

__all__ = ["SQLStoreBase"]


class SQLStoreBase:
    """Repositories and transactions over one SQL database connection.

    Args:
        db: The backend's database adapter.
        migrations: Every migration shipped for the backend; those not yet applied run now.

    Attributes:
        audit: The audit log.
        migrations_applied: The migrations this open applied (empty when the schema was current).
    """

    def __init__(self, db: SQLDatabase, migrations: Sequence[Migration]) -> None:
        self._db = db
        try:
            self.migrations_applied: list[Migration] = db.apply_migrations(migrations)
        except BaseException:
            db.close()
            raise
        self.audit = SQLAuditLog(db)
        self.volunteers, self.organizations, self.memberships = sql_registry_repositories(db)
        self.ledger = SQLLedgerRepository(db)
        self.transfers = SQLTransferRepository(db)
        self.awards = SQLAwardRepository(db)
        self.matching = SQLMatchingRepository(db)
        self.stats = SQLStatsRepository(db)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make everything inside the block atomic; nested blocks are savepoints.

        Yields:
            Nothing; write through the store's repositories inside the block.
        """
        with self._db.atomic():
            yield

    def applied_migrations(self) -> list[tuple[str, int, str]]:
        """Return ``(part, version, name)`` of every migration recorded in this database."""
        return self._db.applied_migrations()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> SQLStoreBase:
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
