"""What the SQL backends share: the database adapter, migrations and the transaction protocol.

Each SQL backend (:mod:`~volunteerkit.stores.sqlite`, :mod:`~volunteerkit.stores.postgres`) wraps its
driver in a :class:`SQLDatabase`. Repositories (``_sql_<part>.py``) are written once against that
adapter: they use ``?`` placeholders, and the adapter translates placeholders, datetimes and driver
errors for its backend.

Migrations are SQL files in ``_sql/<backend>/<part>/NNNN_<name>.sql``. On open, every part's files are
applied in order (parts in :data:`PART_ORDER`), each in its own transaction together with its row in
``vk_schema_migrations``; a migration already recorded is never run again, and one whose text changed
after it was applied is refused (:class:`~volunteerkit.errors.IntegrityError`), and so is a database
that records a migration the code does not ship; both before any migration is applied.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from importlib import resources
from typing import Any, Protocol, TypeVar, runtime_checkable

import attrs

from volunteerkit._text import unstorable
from volunteerkit.audit import AuditLog
from volunteerkit.errors import IntegrityError, InvalidInputError, StoreError, UnavailableError

__all__ = [
    "PART_ORDER",
    "Migration",
    "SQLDatabase",
    "Store",
    "aborted",
    "load_migrations",
    "out_of_range",
    "unstorable_key",
    "unsupported_value",
]

PART_ORDER: tuple[str, ...] = ("audit", "registry", "hours", "transfer", "matching", "awards")
"""The order in which parts' migrations are applied (later parts may reference earlier ones)."""

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def out_of_range(path: str = "$") -> InvalidInputError:
    """Return the error for a number too large for the column (or the driver) it is sent to.

    SQLite holds 64-bit integers; PostgreSQL columns may be ``integer`` (32-bit) or ``smallint``.
    Without this check, PostgreSQL's binary ``COPY`` would store a wrapped value silently.

    Args:
        path: The column, when known (``$.raw_minutes``), else ``$``.

    Returns:
        An :class:`~volunteerkit.errors.InvalidInputError` with code ``store.out_of_range``.
    """
    return InvalidInputError(
        "a number too large for the database",
        "数字超出数据库可保存的范围",
        code="store.out_of_range",
        path=path,
    )


def unstorable_key(value: object) -> bool:
    """Return whether ``value`` is text no store can hold (NUL, a lone surrogate).

    Models refuse such text, so no stored record has it: a lookup by it finds nothing on every
    backend. The SQL repositories answer "not found" without asking the database, which would
    refuse the statement (``store.invalid_text``: PostgreSQL for NUL, both for a surrogate).

    Args:
        value: A key or filter a caller looks up by.

    Returns:
        ``True`` if ``value`` is a ``str`` that :func:`volunteerkit._text.unstorable` refuses.
    """
    return isinstance(value, str) and unstorable(value)


def _changed(part: str, version: int) -> IntegrityError:
    return IntegrityError(
        f"migration {part} {version} changed after it was applied",
        f"迁移 {part} {version} 在应用后被修改",
        code="store.migration_changed",
    )


def closed_error() -> UnavailableError:
    """Return the error for a use of a store after its ``close()`` (code ``store.closed``).

    Returns:
        The :class:`~volunteerkit.errors.UnavailableError`, the same on every backend.
    """
    return UnavailableError("the connection is closed", "连接已关闭", code="store.closed")


def too_large() -> InvalidInputError:
    """Return the error for a value or statement beyond a limit of the database.

    Returns:
        The :class:`~volunteerkit.errors.InvalidInputError` with code ``store.too_large``, the
        same on SQLite (``SQLITE_TOOBIG``) and PostgreSQL (``program_limit_exceeded``).
    """
    return InvalidInputError(
        "a value or statement beyond a limit of the database (such as the size of an index "
        "row); trying again will not help",
        "数值或语句超出数据库的限制(例如索引行的大小);重试无济于事",
        code="store.too_large",
    )


class _Closable(Protocol):
    @property
    def closed(self) -> bool: ...


_T = TypeVar("_T")


def require_open(store: _Closable) -> None:
    """Refuse a use of a closed store with ``store.closed``, as the SQL stores do.

    Args:
        store: A store with a ``closed`` property (the memory store).

    Raises:
        UnavailableError: ``store.closed`` if it is closed.
    """
    if store.closed:
        raise closed_error()


def handed_out(store: _Closable, rows: Iterable[_T]) -> Iterator[_T]:
    """Yield ``rows``; once ``store`` is closed, refuse the rest with ``store.closed``.

    The SQL stores refuse the rows of a query still unread when the store is closed, and a query
    not begun before it; this makes the memory store answer the same, though its rows are at hand.

    Args:
        store: A store with a ``closed`` property.
        rows: The query's rows.

    Yields:
        Each row, while the store is open.
    """
    require_open(store)
    for row in rows:
        require_open(store)
        yield row


def aborted() -> StoreError:
    """Return the error for a transaction the database rolled back under a block that went on.

    A statement failed inside ``store.transaction()`` and the block caught its error: PostgreSQL
    then refuses everything until the block ends, and SQLite may have rolled the whole
    transaction back (a trigger's ``RAISE(ROLLBACK)``, a full disk). Statements that follow, and
    the block's end, raise this instead of running outside the transaction or seeming to commit.

    Returns:
        A :class:`~volunteerkit.errors.StoreError` with code ``store.aborted``.
    """
    return StoreError(
        "the database rolled the transaction back after a statement in it failed (its error was "
        "caught inside the block): nothing of it is committed",
        "事务中的语句失败后数据库已回滚该事务(错误在块内被捕获):其中的内容均未提交",
        code="store.aborted",
    )


def unsupported_value() -> InvalidInputError:
    """Return the error for a value of a type the driver cannot send (a list, a dict, an object).

    Returns:
        An :class:`~volunteerkit.errors.InvalidInputError` with code ``store.invalid_value``.
    """
    return InvalidInputError(
        "a value of a type the database cannot store",
        "数据库无法保存该类型的值",
        code="store.invalid_value",
    )


@runtime_checkable
class Store(Protocol):
    """What every store backend offers, whatever else it holds.

    Every part adds its own repositories as attributes (``store.audit``, ``store.volunteers`` …);
    the parts' services ask for the attributes they need through their own protocols.
    Members are read-only properties, so each backend's own audit log class satisfies it.
    """

    @property
    def audit(self) -> AuditLog:
        """The audit log every part writes to."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Return a context manager that makes everything inside it atomic.

        Transactions nest: an inner block is a savepoint. If the block raises, everything it wrote
        is undone and the exception propagates.
        """
        ...

    def close(self) -> None:
        """Release the store's connections. The store is unusable afterwards."""
        ...


@attrs.frozen(kw_only=True)
class Migration:
    """One schema migration of one part on one backend.

    Attributes:
        part: The part that owns it (``audit``, ``registry`` …).
        version: Its number within the part (1, 2, …).
        name: A short name.
        sql: The SQL text (a script of statements, run by the backend's ``run_script``).
        checksum: SHA-256 of ``sql``, recorded when applied.
    """

    part: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the SQL text."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(backend: str) -> list[Migration]:
    """Load every migration shipped for ``backend``, in the order they must be applied.

    Args:
        backend: ``sqlite`` or ``postgresql``.

    Returns:
        The migrations, parts in :data:`PART_ORDER` (unknown parts after them, by name), versions
        ascending.

    Raises:
        IntegrityError: If a part's version numbers are not 1, 2, 3 … without gaps.
    """
    root = resources.files("volunteerkit.stores").joinpath("_sql", backend)
    found: list[Migration] = []
    parts = sorted(
        (
            entry.name
            for entry in root.iterdir()
            if entry.is_dir() and not entry.name.startswith("_")
        ),
        key=lambda p: (PART_ORDER.index(p) if p in PART_ORDER else len(PART_ORDER), p),
    )
    for part in parts:
        files = sorted(f.name for f in root.joinpath(part).iterdir() if _FILE.match(f.name))
        for expected, filename in enumerate(files, start=1):
            match = _FILE.match(filename)
            assert match is not None
            version = int(match.group(1))
            if version != expected:
                raise IntegrityError(
                    f"migration numbering of part {part!r} has a gap at {version}",
                    f"部分 {part!r} 的迁移编号在 {version} 处不连续",
                    code="store.migration_numbering",
                )
            sql = root.joinpath(part, filename).read_text(encoding="utf-8")
            found.append(Migration(part=part, version=version, name=match.group(2), sql=sql))
    return found


class SQLDatabase(ABC):
    """A driver adapter that repositories are written against.

    SQL is written with ``?`` placeholders. Datetimes go in through :meth:`to_db_time` and come out
    through :meth:`from_db_time`, so each backend may store them natively.
    """

    backend: str
    """``sqlite`` or ``postgresql``."""

    max_params: int = 999
    """The most ``?`` parameters one statement may bind (999: every SQLite before 3.32)."""

    _closed: bool = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (the store's rows are refused from then on)."""
        return self._closed

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""

    @abstractmethod
    def run_script(self, sql: str) -> None:
        """Run a script of several statements inside the current transaction."""

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement for many parameter rows; return the rows changed in total."""

    @abstractmethod
    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return all rows."""

    @abstractmethod
    def stream(
        self, sql: str, params: Sequence[Any] = (), *, batch: int = 1000
    ) -> Iterator[tuple[Any, ...]]:
        """Run a query and yield rows without holding the whole result in memory.

        The rows are those of one snapshot, taken when the query starts (inside a transaction,
        with the transaction's own writes so far): rows written after it are not among them.
        The caller may write to the store between rows: those writes commit as they would
        otherwise, and stay written if the caller stops reading early.
        """

    @abstractmethod
    def atomic(self) -> AbstractContextManager[None]:
        """Return a (nestable) transaction context manager."""

    @abstractmethod
    def to_db_time(self, value: datetime) -> Any:
        """Convert an aware datetime into the backend's stored form."""

    def checked_time(self, value: datetime) -> Any:
        """Convert an instant a model has already checked (aware) into the stored form.

        The same result as :meth:`to_db_time` without checking again: for the times of frozen
        models (an entry's start, end and recording instant), converted a million at a time.
        """
        return self.to_db_time(value)

    @abstractmethod
    def from_db_time(self, value: Any) -> datetime:
        """Convert a stored datetime back into an aware UTC datetime."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Bulk-insert rows into ``table`` (the fastest way the backend has).

        The default runs one ``INSERT`` through :meth:`executemany`; PostgreSQL overrides it with a
        binary ``COPY``. ``table`` and ``columns`` are trusted identifiers written by the library,
        never user input. A duplicate key raises :class:`~volunteerkit.errors.ConflictError`.

        Args:
            table: The table.
            columns: The columns, in the order of each row's values.
            rows: The rows (datetimes already converted with :meth:`to_db_time`).

        Returns:
            How many rows were inserted.
        """
        marks = ", ".join("?" for _ in columns)
        return self.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Run a query and return its first row, or ``None``."""
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def apply_migrations(self, migrations: Sequence[Migration]) -> list[Migration]:
        """Apply the migrations not yet recorded, each atomically with its record.

        Every recorded migration is checked before any is applied, so a database this code must
        refuse is refused unchanged, never half-migrated.

        Args:
            migrations: All migrations for this backend, in order.

        Returns:
            The migrations applied now (empty when the schema was up to date).

        Raises:
            IntegrityError: ``store.migration_changed`` if an applied migration's text has changed
                since; ``store.migration_unknown`` if the database records a migration this code
                does not ship (it was opened by a newer version of volunteerkit).
        """
        if self._all_recorded(migrations):
            return []  # the common case: a reopen that only reads, taking no write lock
        self._ensure_migrations_table()
        applied_now: list[Migration] = []
        for migration in migrations:
            with self.atomic():
                self._lock_migrations()
                if migration is migrations[0]:
                    # under the lock: what another opener recorded meanwhile is checked too
                    self._check_recorded(migrations)
                row = self.fetchone(
                    "SELECT checksum FROM vk_schema_migrations WHERE part = ? AND version = ?",
                    (migration.part, migration.version),
                )
                if row is not None:
                    if row[0] != migration.checksum:
                        raise _changed(migration.part, migration.version)
                    continue
                self.run_script(migration.sql)
                self.execute(
                    "INSERT INTO vk_schema_migrations (part, version, name, checksum) "
                    "VALUES (?, ?, ?, ?)",
                    (migration.part, migration.version, migration.name, migration.checksum),
                )
                applied_now.append(migration)
        return applied_now

    def _all_recorded(self, migrations: Sequence[Migration]) -> bool:
        """Return whether every migration is recorded with its checksum (reads only).

        Raises:
            IntegrityError: As :meth:`_check_recorded`.
        """
        if not self._has_migrations_table():
            return False
        return self._check_recorded(migrations) == len(migrations)

    def _check_recorded(self, migrations: Sequence[Migration]) -> int:
        """Refuse a database whose recorded migrations this code cannot go on from.

        Returns:
            How many of ``migrations`` are recorded (each with its checksum).

        Raises:
            IntegrityError: ``store.migration_changed`` if a recorded checksum differs from the
                shipped text; ``store.migration_unknown`` if a recorded migration is not shipped.
        """
        rows = self.fetchall("SELECT part, version, checksum FROM vk_schema_migrations")
        # as stored: a version that is no int (a row written by hand) is no shipped migration
        recorded = {(str(r[0]), r[1]): str(r[2]) for r in rows}
        shipped = {(m.part, m.version): m for m in migrations}
        for part, version in sorted(recorded, key=lambda k: (k[0], str(k[1]))):
            migration = shipped.get((part, version))
            if migration is None:
                raise IntegrityError(
                    f"the database has migration {part} {version}, which this version of "
                    "volunteerkit does not know (a newer version opened it)",
                    f"数据库包含本版本 volunteerkit 不认识的迁移 {part} {version}"
                    "(由更新的版本打开过)",
                    code="store.migration_unknown",
                )
            if recorded[(part, version)] != migration.checksum:
                raise _changed(part, version)
        return len(recorded)

    @abstractmethod
    def _has_migrations_table(self) -> bool:
        """Return whether ``vk_schema_migrations`` exists."""

    def applied_migrations(self) -> list[tuple[str, int, str]]:
        """Return ``(part, version, name)`` of every recorded migration, in order applied."""
        rows = self.fetchall("SELECT part, version, name FROM vk_schema_migrations ORDER BY seq")
        return [(str(r[0]), int(r[1]), str(r[2])) for r in rows]

    @abstractmethod
    def _ensure_migrations_table(self) -> None:
        """Create ``vk_schema_migrations`` if missing."""

    def _lock_migrations(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Serialize concurrent migrators (inside the current transaction), where needed.

        SQLite needs nothing here (``BEGIN IMMEDIATE`` already serializes writers); PostgreSQL
        takes an advisory lock.
        """
