"""The SQLite backend: volunteerkit's embedded default.

The database runs in WAL mode with ``synchronous=NORMAL`` (36k single-row commits a second here,
against 1.8k in the default rollback journal: see ``baselines.md``), a busy timeout so concurrent
writers wait instead of failing, and foreign keys on. Write transactions start with
``BEGIN IMMEDIATE`` so two processes never deadlock upgrading a read lock. Datetimes are stored as
integer microseconds since the Unix epoch (UTC), which sort and compare exactly.

A :class:`SQLiteStore` holds one connection and is meant for one thread at a time; it guards its
connection with a lock so sharing it between threads is safe but serial. Use one store per process
(or per thread) for parallel work: SQLite itself serializes the writers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from volunteerkit._clock import require_aware
from volunteerkit.errors import (
    ConflictError,
    IntegrityError,
    InvalidInputError,
    StoreError,
    UnavailableError,
)
from volunteerkit.stores._base import (
    SQLDatabase,
    load_migrations,
    out_of_range,
    unsupported_value,
)
from volunteerkit.stores._sql_store import SQLStoreBase

__all__ = ["SQLiteStore"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@contextmanager
def _translated() -> Iterator[None]:
    """Translate sqlite3 errors into backend-neutral store errors."""
    try:
        yield
    except UnicodeEncodeError:  # a lone surrogate: text with no UTF-8 form
        raise InvalidInputError(
            "text the database cannot store (a lone surrogate)",
            "数据库无法保存的文本(孤立代理字符)",
            code="store.invalid_text",
        ) from None
    except OverflowError:  # an int beyond SQLite's 64-bit INTEGER
        raise out_of_range() from None
    except sqlite3.IntegrityError as exc:
        text = str(exc)
        if "UNIQUE" in text or "PRIMARY KEY" in text:
            raise ConflictError(code="store.conflict") from exc
        raise IntegrityError(code="store.integrity") from exc
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "locked" in text or "busy" in text or "unable to open" in text or "disk i/o" in text:
            raise UnavailableError(code="store.unavailable") from exc
        raise StoreError(
            "the database refused the statement", "数据库拒绝执行该语句", code="store.operational"
        ) from exc
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError) as exc:
        # misuse, not damage: a closed connection, or a value of a type SQLite cannot bind
        text = str(exc).lower()
        if "closed" in text:
            raise UnavailableError(
                "the connection is closed", "连接已关闭", code="store.closed"
            ) from exc
        if "binding" in text or "not supported" in text or "unsupported type" in text:
            raise unsupported_value() from exc
        raise StoreError(
            "the database refused the statement", "数据库拒绝执行该语句", code="store.operational"
        ) from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            "the database file is damaged or not a database",
            "数据库文件已损坏或不是数据库",
            code="store.corrupt",
        ) from exc


class _SQLiteDatabase(SQLDatabase):
    backend = "sqlite"

    def __init__(self, path: str, timeout: float, cache_mib: int = 32) -> None:
        with _translated():
            self._conn = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute(f"PRAGMA cache_size = {-1024 * cache_mib}")  # KiB when negative
            # the build's limit on bound variables (32,766 by default since SQLite 3.32)
            self.max_params = self._conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._lock = threading.RLock()
        self._depth = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._lock, _translated():
            return self._conn.execute(sql, params).rowcount

    def run_script(self, sql: str) -> None:
        # executescript() would COMMIT the open transaction; run statement by statement instead,
        # letting sqlite3.complete_statement find the ends (it understands trigger bodies).
        buffer = ""
        for line in sql.splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                self.execute(buffer)
                buffer = ""
        if buffer.strip() and not all(
            not ln.strip() or ln.strip().startswith("--") for ln in buffer.splitlines()
        ):
            raise StoreError(
                "incomplete SQL statement in migration",
                "迁移中有不完整的 SQL 语句",
                code="store.migration_sql",
            )

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        with self._lock, _translated():
            return self._conn.executemany(sql, rows).rowcount

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock, _translated():
            return self._conn.execute(sql, params).fetchall()

    def stream(
        self, sql: str, params: Sequence[Any] = (), *, batch: int = 1000
    ) -> Iterator[tuple[Any, ...]]:
        with _translated():
            cursor = self._conn.execute(sql, params)
        try:
            while True:
                with _translated():
                    rows = cursor.fetchmany(batch)
                if not rows:
                    return
                yield from rows
        finally:
            cursor.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._lock:
            depth = self._depth
            with _translated():
                if depth == 0:
                    self._conn.execute("BEGIN IMMEDIATE")
                else:
                    self._conn.execute(f"SAVEPOINT vk_sp{depth}")
            self._depth = depth + 1
            try:
                yield
            except BaseException:
                self._depth = depth
                # SQLite may have rolled the whole transaction back already (a trigger's
                # RAISE(ROLLBACK), a full disk): rolling back again would fail and hide the error.
                if self._conn.in_transaction:
                    with _translated():
                        if depth == 0:
                            self._conn.execute("ROLLBACK")
                        else:
                            self._conn.execute(f"ROLLBACK TO vk_sp{depth}")
                            self._conn.execute(f"RELEASE vk_sp{depth}")
                raise
            self._depth = depth
            try:
                with _translated():
                    if depth == 0:
                        self._conn.execute("COMMIT")
                    else:
                        self._conn.execute(f"RELEASE vk_sp{depth}")
            except BaseException:
                # A COMMIT that fails (a deferred constraint, a full disk) leaves the transaction
                # open: every later BEGIN would fail. Undo it, as a block that raised is undone.
                if depth == 0 and self._conn.in_transaction:
                    with _translated():
                        self._conn.execute("ROLLBACK")
                raise

    def to_db_time(self, value: datetime) -> int:
        return self.checked_time(require_aware(value))

    def checked_time(self, value: datetime) -> int:
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    def from_db_time(self, value: Any) -> datetime:
        return _EPOCH + timedelta(microseconds=int(value))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _has_migrations_table(self) -> bool:
        row = self.fetchone(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vk_schema_migrations'"
        )
        return row is not None

    def _ensure_migrations_table(self) -> None:
        self.execute(
            "CREATE TABLE IF NOT EXISTS vk_schema_migrations ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " part TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
            " checksum TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,"
            " UNIQUE (part, version))"
        )


class SQLiteStore(SQLStoreBase):
    """A store in one SQLite file (or in memory with ``":memory:"``).

    Opening the store applies any schema migrations not yet applied; reopening runs none.

    Args:
        path: The database file. Its folder must exist.
        timeout: Seconds a writer waits for another process's lock before
            :class:`~volunteerkit.errors.UnavailableError`.
        cache_mib: The connection's page cache, in MiB (SQLite's default is 2). Writing credit
            updates the sums the store keeps per volunteer and month, a few pages per row in
            tables that grow with the volunteers, which a larger cache keeps in memory (see
            "Credit sums" in the stores guide). It grows only as pages are read.

    Raises:
        InvalidInputError: ``store.path`` if ``path`` contains NUL; ``store.cache_size`` if
            ``cache_mib`` is not a whole number from 1 to 65536.
        UnavailableError: If the file cannot be opened or stays locked.
        StoreError: If the file is not a SQLite database.

    Examples:
        >>> store = SQLiteStore(":memory:")
        >>> store.audit.count()
        0
        >>> store.close()
    """

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, cache_mib: int = 32
    ) -> None:
        if (
            isinstance(cache_mib, bool)
            or not isinstance(cache_mib, int)
            or not 1 <= cache_mib <= 65536
        ):
            raise InvalidInputError(
                "the page cache must be a whole number of MiB from 1 to 65536",
                "页缓存必须是 1 到 65536 之间的整数(单位 MiB)",
                code="store.cache_size",
                path="$.cache_mib",
            )
        raw = os.fspath(path)
        if "\x00" in raw:  # sqlite3 would raise a bare ValueError
            raise InvalidInputError(
                "a file path cannot contain NUL",
                "文件路径不能包含 NUL",
                code="store.path",
                path="$.path",
            )
        self.path = raw if raw == ":memory:" else str(Path(raw))
        super().__init__(_SQLiteDatabase(self.path, timeout, cache_mib), load_migrations("sqlite"))

    def __repr__(self) -> str:
        """Return ``SQLiteStore('<path>')``."""
        return f"SQLiteStore({self.path!r})"
